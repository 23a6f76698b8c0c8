"""Stock from the ERP in batches: absolute levels and deltas, ordered by the ERP's sequence,
with the ledger, the audit log and the portal's reservations kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import IncomingStock, StockLevel, StockMovement, Warehouse
from dealerdesk.inventory.services import IncomingEntry, ReservationLine, reserve_stock
from dealerdesk.inventory.sync import (
    StockDeltaChange,
    StockLevelChange,
    apply_stock_deltas,
    set_stock_levels,
)
from tests import factories as f
from tests.concurrency import race

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def depot(db: None) -> Warehouse:
    return Warehouse.objects.create(code="C", name="Central", open_to_all=True)


@pytest.fixture
def cable(db: None):  # type: ignore[no-untyped-def]
    return f.ProductFactory(sku="CAB-001", external_id="erp-cab-1")


def level(index: int = 0, on_hand: str = "10", version: int | None = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("product", "erp-cab-1")
    return StockLevelChange(
        index=index,
        warehouse=kw.pop("warehouse", "C"),
        on_hand=D(on_hand),
        stamp=ErpStamp(version),
        **kw,
    )


def delta(index: int = 0, amount: str = "1", version: int | None = 2, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("product", "erp-cab-1")
    return StockDeltaChange(
        index=index,
        warehouse=kw.pop("warehouse", "C"),
        delta=D(amount),
        stamp=ErpStamp(version),
        **kw,
    )


def stock(product, warehouse) -> StockLevel:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def test_a_new_level_is_created_with_its_ledger_row_and_audit(depot, cable) -> None:
    results = set_stock_levels(
        [level(on_hand="40", version=7, safety_stock=D(2))], source="erp", reference="msg-1"
    )

    assert [r.outcome for r in results] == [Outcome.CREATED]
    assert results[0].key == "erp-cab-1/C"
    row = stock(cable, depot)
    assert (row.on_hand, row.safety_stock, row.erp_version, row.erp_level_version) == (
        D(40),
        D(2),
        7,
        7,
    )
    movement = StockMovement.objects.get(product=cable)
    assert movement.kind == StockMovementKind.ERP_SYNC
    assert (movement.on_hand_delta, movement.on_hand_after, movement.reference) == (
        D(40),
        D(40),
        "msg-1",
    )
    entry = AuditEntry.objects.get(object_type="inventory.stocklevel", object_id=str(row.pk))
    assert (entry.action, entry.verb, entry.source) == ("create", "stock set", "erp")
    assert entry.before is None
    assert entry.after == {"on_hand": "40.000", "safety_stock": "2.000", "erp_version": 7}
    assert entry.object_repr == f"product #{cable.pk} @ warehouse #{depot.pk}: 40.000"


def test_an_update_keeps_reserved_and_records_only_what_changed(depot, cable) -> None:
    StockLevel.objects.create(product=cable, warehouse=depot, on_hand=D(10), reserved=D(4))

    results = set_stock_levels([level(on_hand="25", version=3)], source="erp", reference="m2")

    assert results[0].outcome == Outcome.UPDATED
    row = stock(cable, depot)
    assert (row.on_hand, row.reserved) == (D(25), D(4))
    movement = StockMovement.objects.get(product=cable)
    assert (movement.kind, movement.reference, movement.source) == (
        StockMovementKind.ERP_SYNC,
        "m2",
        "erp",
    )
    assert (movement.on_hand_delta, movement.on_hand_after, movement.reserved_after) == (
        D(15),
        D(25),
        D(4),
    )
    # A change of on hand only: its ledger row is the trail, with no audit entry.
    assert not AuditEntry.objects.filter(object_type="inventory.stocklevel").exists()


def test_the_same_figures_again_are_unchanged_but_the_sequence_moves(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=1)], source="erp", reference="m1")

    results = set_stock_levels([level(on_hand="10.000", version=2)], source="erp", reference="m2")

    assert results[0].outcome == Outcome.UNCHANGED
    assert stock(cable, depot).erp_version == 2
    assert StockMovement.objects.count() == 1
    # On hand only, the new row's first figure included: the ledger alone holds it.
    assert not AuditEntry.objects.filter(object_type="inventory.stocklevel").exists()


def test_zero_again_is_unchanged(depot, cable) -> None:
    set_stock_levels([level(on_hand="0", version=1)], source="erp", reference="m1")

    results = set_stock_levels([level(0, "0", 2), level(1, "-0", 3)], source="erp", reference="m2")

    assert [r.outcome for r in results] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    # An empty row created and left empty: no movement, no audit entry of its own.
    assert not StockMovement.objects.exists()
    assert not AuditEntry.objects.filter(object_type="inventory.stocklevel").exists()


def test_safety_stock_and_receipts_are_audited_and_a_delta_only_in_the_ledger(depot, cable) -> None:
    monday = dt.date(2026, 3, 2)
    set_stock_levels([level(on_hand="10", version=1)], source="erp", reference="m1")

    set_stock_levels(
        [
            level(
                on_hand="10",
                version=2,
                safety_stock=D("1.5"),
                incoming=(IncomingEntry(D(7), monday),),
            )
        ],
        source="erp",
        reference="m2",
    )
    apply_stock_deltas([delta(0, "-2.25", 3)], source="erp", reference="d3")

    entries = AuditEntry.objects.filter(object_type="inventory.stocklevel").order_by("id")
    # The new safety stock and receipts (m2); the row's creation with 10 on hand (m1) and
    # the delta (d3) change on hand only and are in the ledger alone.
    assert [(e.action, e.verb, e.before, e.after) for e in entries] == [
        (
            "update",
            "stock set",
            {"safety_stock": "0.000", "erp_version": 1, "incoming": []},
            {"safety_stock": "1.500", "erp_version": 2, "incoming": [["2026-03-02", "7"]]},
        ),
    ]
    assert stock(cable, depot).on_hand == D("7.75")
    assert list(
        StockMovement.objects.order_by("id").values_list(
            "on_hand_delta", "on_hand_after", "reference"
        )
    ) == [(D(10), D(10), "m1"), (D("-2.25"), D("7.75"), "d3")]


def test_a_change_of_safety_stock_alone_is_audited(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=1)], source="erp", reference="m1")

    results = set_stock_levels(
        [level(on_hand="10", version=2, safety_stock=D(3))], source="erp", reference="m2"
    )

    assert results[0].outcome == Outcome.UPDATED
    entry = AuditEntry.objects.filter(object_type="inventory.stocklevel").first()
    assert entry is not None
    assert (entry.action, entry.source) == ("update", "erp")
    assert (entry.before, entry.after) == (
        {"safety_stock": "0.000", "erp_version": 1},
        {"safety_stock": "3.000", "erp_version": 2},
    )
    assert StockMovement.objects.count() == 1  # on hand did not move: no ledger row


def test_on_hand_and_safety_stock_together_are_audited_with_both(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=1)], source="erp", reference="m1")

    set_stock_levels(
        [level(on_hand="4", version=2, safety_stock=D(1))], source="erp", reference="m2"
    )

    entry = AuditEntry.objects.filter(object_type="inventory.stocklevel").first()
    assert entry is not None
    assert (entry.before, entry.after) == (
        {"on_hand": "10.000", "safety_stock": "0.000", "erp_version": 1},
        {"on_hand": "4.000", "safety_stock": "1.000", "erp_version": 2},
    )
    assert StockMovement.objects.filter(reference="m2").get().on_hand_delta == D(-6)


def test_an_older_level_never_overwrites_a_newer_one(depot, cable) -> None:
    set_stock_levels([level(on_hand="30", version=9)], source="erp", reference="m9")

    results = set_stock_levels([level(on_hand="5", version=8)], source="erp", reference="m8")

    assert results[0].outcome == Outcome.STALE
    assert results[0].code == "stale"
    assert stock(cable, depot).on_hand == D(30)


def test_a_stamp_by_time_orders_changes_too(depot, cable) -> None:
    earlier = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    later = earlier + dt.timedelta(minutes=5)
    first = StockLevelChange(
        index=0, product="erp-cab-1", warehouse="C", on_hand=D(3), stamp=ErpStamp(None, later)
    )
    second = StockLevelChange(
        index=1, product="erp-cab-1", warehouse="C", on_hand=D(7), stamp=ErpStamp(None, earlier)
    )

    results = set_stock_levels([first, second], source="erp", reference="m")

    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.STALE]
    row = stock(cable, depot)
    assert (row.on_hand, row.erp_changed_at, row.erp_level_changed_at) == (D(3), later, later)


def test_several_changes_of_one_row_in_a_batch_apply_in_order(depot, cable) -> None:
    results = set_stock_levels(
        [level(0, "10", 1), level(1, "12", 3), level(2, "11", 2), level(3, "12", 4)],
        source="erp",
        reference="m",
    )

    assert [r.outcome for r in results] == [
        Outcome.CREATED,
        Outcome.UPDATED,
        Outcome.STALE,
        Outcome.UNCHANGED,
    ]
    assert stock(cable, depot).on_hand == D(12)
    assert list(
        StockMovement.objects.order_by("id").values_list("on_hand_delta", "on_hand_after")
    ) == [(D(10), D(10)), (D(2), D(12))]


def test_bad_rows_are_rejected_with_field_and_reason_and_the_rest_applies(depot, cable) -> None:
    f.ProductFactory(sku="CAB-002")
    rows = [
        level(0, "-1"),
        level(1, "1e20"),
        level(2, product="nope"),
        level(3, warehouse="XX"),
        StockLevelChange(index=4, warehouse="C", on_hand=D(1), stamp=ErpStamp(1)),
        level(5, safety_stock=D("-2")),
        level(6, incoming=(IncomingEntry(D(-5), None),)),
        StockLevelChange(index=7, sku="CAB-002", warehouse="C", on_hand=D(4), stamp=ErpStamp(1)),
        StockLevelChange(index=8, sku="CAB-404", warehouse="C", on_hand=D(4), stamp=ErpStamp(1)),
    ]

    results = set_stock_levels(rows, source="erp", reference="m")

    got = [(r.index, r.outcome, r.field, r.code) for r in results]
    assert got == [
        (0, Outcome.REJECTED, "on_hand", "invalid_quantity"),
        (1, Outcome.REJECTED, "on_hand", "invalid_quantity"),
        (2, Outcome.REJECTED, "product", "unknown_product"),
        (3, Outcome.REJECTED, "warehouse", "unknown_warehouse"),
        (4, Outcome.REJECTED, "product", "required"),
        (5, Outcome.REJECTED, "safety_stock", "invalid_quantity"),
        (6, Outcome.REJECTED, "incoming.0.quantity", "invalid_quantity"),
        (7, Outcome.CREATED, "", ""),
        (8, Outcome.REJECTED, "sku", "unknown_product"),
    ]
    assert "'nope'" in results[2].message
    assert "'XX'" in results[3].message
    assert StockLevel.objects.get().product.sku == "CAB-002"


def test_incoming_replaces_the_schedule_and_none_keeps_it(depot, cable) -> None:
    monday = dt.date(2026, 3, 2)
    set_stock_levels(
        [level(version=1, incoming=(IncomingEntry(D(50), monday), IncomingEntry(D(5), monday)))],
        source="erp",
        reference="m1",
    )
    assert list(IncomingStock.objects.values_list("quantity", "expected_date")) == [(D(55), monday)]
    assert AuditEntry.objects.get(object_type="inventory.stocklevel").after == {
        "on_hand": "10.000",
        "safety_stock": "0.000",
        "erp_version": 1,
        "incoming": [["2026-03-02", "55"]],
    }

    set_stock_levels([level(version=2)], source="erp", reference="m2")
    assert IncomingStock.objects.count() == 1

    results = set_stock_levels(
        [level(version=3, incoming=(IncomingEntry(D(200), None),))], source="erp", reference="m3"
    )
    assert results[0].outcome == Outcome.UPDATED
    assert list(IncomingStock.objects.values_list("quantity", "expected_date")) == [(D(200), None)]
    entry = AuditEntry.objects.filter(object_type="inventory.stocklevel").first()
    assert entry is not None
    assert entry.after["incoming"] == [[None, "200"]]


def test_a_batch_takes_a_fixed_number_of_queries(depot, cable) -> None:
    products = [f.ProductFactory(external_id=f"erp-{n}") for n in range(30)]
    StockLevel.objects.bulk_create(
        StockLevel(product=p, warehouse=depot, on_hand=D(1)) for p in products[:15]
    )
    rows = [level(n, str(n + 2), product=p.external_id) for n, p in enumerate(products)]

    with CaptureQueriesContext(connection) as queries:
        results = set_stock_levels(rows, source="erp", reference="m")

    assert {r.outcome for r in results} == {Outcome.CREATED, Outcome.UPDATED}
    # products, warehouses, savepoint; on PostgreSQL: stage, find the stock rows, count the
    # missing, insert them (under a savepoint of their own, released), the write (with its
    # planner settings, and reset), drop the stage, release. On SQLite: lock, insert new,
    # lock all, write.
    assert len(queries) <= 15
    assert StockLevel.objects.get(product=products[29]).on_hand == D(31)


def test_a_delta_moves_on_hand_and_keeps_the_larger_sequence(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=5)], source="erp", reference="m5")

    results = apply_stock_deltas([delta(0, "-3", 7), delta(1, "2", 6)], source="erp", reference="d")

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UPDATED]
    row = stock(cable, depot)
    assert (row.on_hand, row.erp_version, row.erp_level_version) == (D(9), 7, 5)
    # Deltas change on hand only, as did the row's creation (m5): the ledger holds them all.
    assert not AuditEntry.objects.filter(object_type="inventory.stocklevel").exists()
    assert list(
        StockMovement.objects.filter(reference="m5").values_list("on_hand_delta", "on_hand_after")
    ) == [(D(10), D(10))]
    assert list(
        StockMovement.objects.filter(reference="d").order_by("id").values_list("on_hand_delta")
    ) == [(D(-3),), (D(2),)]


def test_a_delta_already_counted_in_the_last_level_is_stale(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=5)], source="erp", reference="m5")

    results = apply_stock_deltas([delta(0, "4", 5), delta(1, "4", 3)], source="erp", reference="d")

    assert [r.outcome for r in results] == [Outcome.STALE, Outcome.STALE]
    assert stock(cable, depot).on_hand == D(10)


def test_a_delta_below_zero_is_rejected_and_changes_nothing(depot, cable) -> None:
    set_stock_levels([level(on_hand="2", version=1)], source="erp", reference="m")

    results = apply_stock_deltas(
        [delta(0, "-3", 2), delta(1, "-2", 3)], source="erp", reference="d"
    )

    assert (results[0].outcome, results[0].code, results[0].field) == (
        Outcome.REJECTED,
        "negative_stock",
        "delta",
    )
    assert results[1].outcome == Outcome.UPDATED
    assert stock(cable, depot).on_hand == D(0)


def test_a_refused_delta_leaves_no_empty_stock_row_behind(depot, cable) -> None:
    results = apply_stock_deltas([delta(0, "-1", 1)], source="erp", reference="d")

    assert results[0].outcome == Outcome.REJECTED
    assert not StockLevel.objects.exists()


def test_a_delta_on_a_row_without_stock_creates_it(depot, cable) -> None:
    results = apply_stock_deltas([delta(0, "6", 1)], source="erp", reference="d")

    assert results[0].outcome == Outcome.CREATED
    row = stock(cable, depot)
    assert row.on_hand == D(6)
    # The new row's first figure is a movement, as for an absolute level: the ledger holds it.
    assert not AuditEntry.objects.filter(object_type="inventory.stocklevel").exists()
    movement = StockMovement.objects.get(reference="d")
    assert (movement.product_id, movement.on_hand_delta, movement.on_hand_after) == (
        cable.pk,
        D(6),
        D(6),
    )


def test_an_older_absolute_level_after_a_delta_is_stale(depot, cable) -> None:
    set_stock_levels([level(on_hand="10", version=5)], source="erp", reference="m5")
    apply_stock_deltas([delta(0, "5", 8)], source="erp", reference="d8")

    results = set_stock_levels([level(on_hand="12", version=7)], source="erp", reference="m7")

    assert results[0].outcome == Outcome.STALE
    assert stock(cable, depot).on_hand == D(15)


def test_a_level_survives_a_batch_over_several_chunks(depot, cable, monkeypatch) -> None:
    from dealerdesk.inventory import sync

    monkeypatch.setattr(sync, "CHUNK_ROWS", 2)
    monkeypatch.setattr(sync, "POSTGRES_CHUNK_ROWS", 2)
    rows = [level(n, str(n), n + 1) for n in range(5)]

    results = set_stock_levels(rows, source="erp", reference="m")

    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert stock(cable, depot).on_hand == D(4)


@pytest.mark.django_db(transaction=True)
def test_stock_set_while_orders_reserve_keeps_every_reservation(postgres_only) -> None:
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    products = [f.ProductFactory(external_id=f"erp-{n}") for n in range(40)]
    StockLevel.objects.bulk_create(
        StockLevel(product=p, warehouse=depot, on_hand=D(100)) for p in products
    )

    def sync(version: int):  # type: ignore[no-untyped-def]
        return lambda: set_stock_levels(
            [
                StockLevelChange(
                    index=n,
                    product=p.external_id,
                    warehouse="C",
                    on_hand=D(90 + version),
                    stamp=ErpStamp(version),
                )
                for n, p in enumerate(reversed(products))
            ],
            source="erp",
            reference=f"m{version}",
        )

    def order(n: int):  # type: ignore[no-untyped-def]
        return lambda: reserve_stock(
            [ReservationLine(p.pk, depot.pk, D(1)) for p in products[n::3]], reference=f"DD-{n}"
        )

    outcome = race([sync(1), order(0), sync(2), order(1), order(2), sync(3)])

    assert not [r for r in outcome if isinstance(r, Exception)]
    for row in StockLevel.objects.filter(warehouse=depot):
        assert row.reserved == D(1)
        assert row.on_hand == D(93)
        assert row.erp_version == 3
    assert StockMovement.objects.filter(kind=StockMovementKind.RESERVATION).count() == 40
