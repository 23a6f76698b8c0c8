"""Absolute stock levels judged and written by PostgreSQL (``inventory.sync_staged``): the
same results, figures and ledger as the Python path, audit entries only where a change
creates a stock row or changes its safety stock, and reservations made meanwhile kept."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from dealerdesk.catalog.models import Product
from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult
from dealerdesk.inventory import sync, sync_staged
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import IncomingStock, StockLevel, StockMovement, Warehouse
from dealerdesk.inventory.services import IncomingEntry, ReservationLine, reserve_stock
from dealerdesk.inventory.sync import StockLevelChange, set_stock_levels
from tests import factories as f
from tests.concurrency import another_waits_for_a_lock, in_thread

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("postgres_only"),
]

D = Decimal
EARLIER = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
LATER = EARLIER + dt.timedelta(minutes=5)


@pytest.fixture
def depots(db: None) -> list[Warehouse]:
    return [
        Warehouse.objects.create(code="C", name="Central", open_to_all=True),
        Warehouse.objects.create(code="N", name="North", open_to_all=True),
    ]


@pytest.fixture
def products(db: None) -> list[Any]:
    return [f.ProductFactory(sku=f"P-{n}", external_id=f"erp-{n}") for n in range(10)]


@pytest.fixture
def staged_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each chunk sent down the staged path."""
    calls: list[int] = []
    real = sync.write_levels

    def spy(levels: Sequence[Any], **kw: Any) -> Any:
        calls.append(len(levels))
        return real(levels, **kw)

    monkeypatch.setattr(sync, "write_levels", spy)
    return calls


def change(
    index: int,
    product: str,
    on_hand: str,
    version: int | None = None,
    changed_at: dt.datetime | None = None,
    warehouse: str = "C",
    **kw: Any,
) -> StockLevelChange:
    return StockLevelChange(
        index=index,
        product=product,
        warehouse=warehouse,
        on_hand=D(on_hand),
        stamp=ErpStamp(version, changed_at),
        **kw,
    )


def hold(sku: str, warehouse: str, on_hand: str, **figures: Any) -> StockLevel:
    return StockLevel.objects.create(
        product=Product.objects.get(sku=sku),
        warehouse=Warehouse.objects.get(code=warehouse),
        on_hand=D(on_hand),
        **figures,
    )


def stock(sku: str, warehouse: str = "C") -> StockLevel:
    return StockLevel.objects.get(product__sku=sku, warehouse__code=warehouse)


def audits() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="inventory.stocklevel").order_by("id"))


# --- the held rows and the batch of the parity test ----------------------------------------

HELD: list[tuple[str, str, str, dict[str, Any]]] = [
    ("P-0", "C", "10", {"reserved": D(4), "safety_stock": D(1), "erp_version": 3}),
    ("P-1", "C", "10", {"safety_stock": D(1), "erp_version": 3}),
    ("P-2", "C", "10", {"erp_version": 5, "erp_level_version": 5}),
    ("P-3", "C", "10", {"erp_changed_at": LATER}),
    ("P-4", "C", "10", {"reserved": D(2), "erp_changed_at": EARLIER}),
    ("P-5", "C", "10", {"safety_stock": D(1), "erp_version": 3, "erp_changed_at": LATER}),
    ("P-6", "C", "10", {}),
    ("P-7", "N", "3", {"erp_version": 2, "erp_level_version": 2, "erp_changed_at": EARLIER}),
]
BATCH = [
    change(0, "erp-0", "25", 4),  # on hand only: ledger, no audit; reserved kept
    change(1, "erp-1", "10.000", 4, safety_stock=D(1)),  # unchanged, the stamp moves
    change(2, "erp-2", "99", 5),  # stale by version
    change(3, "erp-3", "99", None, EARLIER),  # stale by time
    change(4, "erp-4", "7.5", None, LATER, safety_stock=D("2.25")),  # newer by time
    change(5, "erp-5", "10", 4, EARLIER, safety_stock=D(3)),  # safety only, time stays
    change(6, "erp-6", "0", 1),  # a row that holds no stamp takes any change
    change(7, "erp-7", "3", None, LATER, warehouse="N"),  # no version sent: the held one stays
    change(8, "erp-8", "12", 1, safety_stock=D("0.5")),  # created
    change(9, "erp-9", "0", None, EARLIER),  # created with nothing on hand: no ledger row
    change(10, "erp-0", "5", 1, warehouse="N"),  # created in another warehouse
    change(11, "nope", "1", 1),  # rejected before anything is staged
    change(12, "erp-1", "-1", 9, warehouse="N"),  # rejected
]


def run_scenario(rows: Sequence[StockLevelChange]) -> tuple[Any, ...]:
    """Hold the rows of HELD, apply ``rows``, and answer everything it left behind (without
    ids and times that differ from one run to the next); then clear it all again."""
    for sku, warehouse, on_hand, figures in HELD:
        hold(sku, warehouse, on_hand, **figures)
    results = set_stock_levels(rows, source="erp", reference="msg-7")
    pairs = {
        str(pk): (sku, code)
        for pk, sku, code in StockLevel.objects.values_list("pk", "product__sku", "warehouse__code")
    }
    levels = sorted(
        StockLevel.objects.values_list(
            "product__sku",
            "warehouse__code",
            "on_hand",
            "reserved",
            "safety_stock",
            "erp_version",
            "erp_changed_at",
            "erp_level_version",
            "erp_level_changed_at",
        )
    )
    ledger = sorted(
        StockMovement.objects.values_list(
            "product__sku",
            "warehouse__code",
            "kind",
            "on_hand_delta",
            "reserved_delta",
            "on_hand_after",
            "reserved_after",
            "reference",
            "source",
        )
    )
    trail = sorted(
        (
            pairs[entry.object_id],
            entry.action,
            entry.verb,
            entry.actor_repr,
            entry.object_repr,
            json.dumps(entry.before, sort_keys=True),
            json.dumps(entry.after, sort_keys=True),
            entry.source,
        )
        for entry in audits()
    )
    StockMovement.objects.all().delete()
    AuditEntry.objects.filter(object_type="inventory.stocklevel").delete()
    StockLevel.objects.all().delete()
    return results, levels, ledger, trail


def audited_by_policy(trail: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The audit entries of a trail that the audit policy keeps: a new stock row, or a change
    of what the ledger does not hold (safety stock, receipts)."""
    return [
        entry
        for entry in trail
        if entry[1] == "create" or {"safety_stock", "incoming"} & set(json.loads(entry[6]))
    ]


def test_the_staged_path_leaves_what_the_python_path_leaves(
    depots, products, staged_calls, monkeypatch
) -> None:
    staged = run_scenario(BATCH)
    assert staged_calls == [11]
    monkeypatch.setattr(sync, "_each_level_once", lambda valid: False)
    in_python = run_scenario(BATCH)
    assert staged_calls == [11]

    results, levels, ledger, trail = staged
    assert results == in_python[0]
    assert levels == in_python[1]
    assert ledger == in_python[2]
    assert trail == audited_by_policy(in_python[3])
    assert [r.outcome for r in results] == [
        Outcome.UPDATED,
        Outcome.UNCHANGED,
        Outcome.STALE,
        Outcome.STALE,
        Outcome.UPDATED,
        Outcome.UPDATED,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.REJECTED,
        Outcome.REJECTED,
    ]


def test_an_on_hand_change_writes_a_ledger_row_and_no_audit_entry(depots, cable_held) -> None:
    results = set_stock_levels([change(0, "erp-cab", "25", 3)], source="erp", reference="m2")

    assert results == [RowResult(0, Outcome.UPDATED, "erp-cab/C")]
    row = stock("CAB")
    assert (row.on_hand, row.reserved, row.safety_stock) == (D(25), D(4), D(1))
    assert (row.erp_version, row.erp_level_version) == (3, 3)
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.reference, movement.source) == (
        StockMovementKind.ERP_SYNC,
        "m2",
        "erp",
    )
    assert (movement.on_hand_delta, movement.reserved_delta) == (D(15), D(0))
    assert (movement.on_hand_after, movement.reserved_after) == (D(25), D(4))
    assert audits() == []


def test_a_safety_stock_change_is_audited_with_what_changed(depots, cable_held) -> None:
    results = set_stock_levels(
        [change(0, "erp-cab", "12", 3, safety_stock=D("2.5"))], source="erp", reference="m2"
    )

    assert results[0].outcome == Outcome.UPDATED
    [entry] = audits()
    assert (entry.action, entry.verb, entry.source, entry.actor_repr) == (
        "update",
        "stock set",
        "erp",
        "system",
    )
    assert entry.object_id == str(stock("CAB").pk)
    assert entry.before == {"on_hand": "10.000", "safety_stock": "1.000", "erp_version": 1}
    assert entry.after == {"on_hand": "12.000", "safety_stock": "2.500", "erp_version": 3}
    assert StockMovement.objects.get().on_hand_delta == D(2)


def test_a_new_row_is_audited_with_every_figure(depots, products) -> None:
    results = set_stock_levels(
        [change(0, "erp-1", "40", 7, safety_stock=D(2))], source="erp", reference="m1"
    )

    assert results == [RowResult(0, Outcome.CREATED, "erp-1/C")]
    row = stock("P-1")
    [entry] = audits()
    assert (entry.action, entry.before, entry.object_id) == ("create", None, str(row.pk))
    assert entry.after == {"on_hand": "40.000", "safety_stock": "2.000", "erp_version": 7}
    assert entry.object_repr == f"product #{row.product_id} @ warehouse #{row.warehouse_id}: 40.000"
    assert StockMovement.objects.get().on_hand_after == D(40)


def test_the_same_figures_again_are_unchanged_and_write_only_the_stamp(depots, cable_held) -> None:
    results = set_stock_levels(
        [change(0, "erp-cab", "10", 2, LATER, safety_stock=D("1.000"))],
        source="erp",
        reference="m2",
    )

    assert results[0].outcome == Outcome.UNCHANGED
    row = stock("CAB")
    assert (row.erp_version, row.erp_changed_at, row.erp_level_changed_at) == (2, LATER, LATER)
    assert not StockMovement.objects.exists()
    assert audits() == []


def test_a_stale_row_names_the_stamp_the_stock_row_holds(depots, products) -> None:
    hold("P-1", "C", "10", erp_version=5)
    hold("P-2", "C", "10", erp_changed_at=LATER)

    results = set_stock_levels(
        [change(0, "erp-1", "1", 4, LATER), change(1, "erp-2", "1", None, EARLIER)],
        source="erp",
        reference="m",
    )

    assert results == [
        RowResult.stale(0, "erp-1/C", 5),
        RowResult.stale(1, "erp-2/C", LATER),
    ]
    assert results[0].message == "Older than the change already applied (5); ignored."
    assert stock("P-1").on_hand == stock("P-2").on_hand == D(10)
    assert stock("P-1").erp_changed_at is None
    assert not StockMovement.objects.exists()


def test_a_chunk_naming_a_row_twice_takes_the_python_path(depots, products, staged_calls) -> None:
    results = set_stock_levels(
        [change(0, "erp-1", "10", 1), change(1, "erp-1", "12", 3), change(2, "erp-2", "5", 1)],
        source="erp",
        reference="m",
    )

    assert staged_calls == []
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.UPDATED, Outcome.CREATED]
    assert stock("P-1").on_hand == D(12)
    assert list(StockMovement.objects.order_by("id").values_list("on_hand_delta")) == [
        (D(10),),
        (D(2),),
        (D(5),),
    ]


def test_a_chunk_with_receipts_takes_the_python_path(depots, products, staged_calls) -> None:
    monday = dt.date(2026, 3, 2)
    results = set_stock_levels(
        [
            change(0, "erp-1", "10", 1, incoming=(IncomingEntry(D(5), monday),)),
            change(1, "erp-2", "5", 1),
        ],
        source="erp",
        reference="m",
    )

    assert staged_calls == []
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.CREATED]
    assert list(IncomingStock.objects.values_list("quantity", "expected_date")) == [(D(5), monday)]
    assert stock("P-2").on_hand == D(5)


def test_every_chunk_of_a_batch_is_staged_in_turn(
    depots, products, staged_calls, monkeypatch
) -> None:
    monkeypatch.setattr(sync, "POSTGRES_CHUNK_ROWS", 4)
    rows = [change(n, f"erp-{n}", str(n), 1) for n in range(10)]

    results = set_stock_levels(rows, source="erp", reference="m")

    assert staged_calls == [4, 4, 2]
    assert [r.index for r in results] == list(range(10))
    assert {r.outcome for r in results} == {Outcome.CREATED}
    assert stock("P-9").on_hand == D(9)


@pytest.fixture
def cable_held(depots: list[Warehouse]) -> StockLevel:
    return StockLevel.objects.create(
        product=f.ProductFactory(sku="CAB", external_id="erp-cab"),
        warehouse=depots[0],
        on_hand=D(10),
        reserved=D(4),
        safety_stock=D(1),
        erp_version=1,
    )


# --- a reservation made while a chunk is imported --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_reservation_committed_while_a_chunk_waits_is_kept() -> None:
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    products = [f.ProductFactory(external_id=f"erp-{n}") for n in range(20)]
    StockLevel.objects.bulk_create(
        StockLevel(product=p, warehouse=depot, on_hand=D(100)) for p in products
    )
    rows = [change(n, p.external_id, "80", 1) for n, p in enumerate(reversed(products))]
    reserved = products[7::5]

    with transaction.atomic():
        reserve_stock([ReservationLine(p.pk, depot.pk, D(3)) for p in reserved], reference="DD-1")
        thread, outcome = in_thread(lambda: set_stock_levels(rows, source="erp", reference="m1"))
        assert another_waits_for_a_lock(), "the import never waited for the lock"
    thread.join(timeout=60)

    assert not thread.is_alive()
    assert not isinstance(outcome[0], Exception), outcome
    assert [r.outcome for r in outcome[0]] == [Outcome.UPDATED] * 20
    for row in StockLevel.objects.filter(warehouse=depot):
        assert row.on_hand == D(80)
        assert row.reserved == (D(3) if row.product in reserved else D(0))
    # The ledger row of the import says what the row held after it: the reservation's stock.
    after = dict(
        StockMovement.objects.filter(kind=StockMovementKind.ERP_SYNC).values_list(
            "product_id", "reserved_after"
        )
    )
    assert after == {p.pk: D(3) if p in reserved else D(0) for p in products}


@pytest.mark.django_db(transaction=True)
def test_a_reservation_waiting_for_a_chunk_lands_on_its_figures() -> None:
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    product = f.ProductFactory(external_id="erp-1")
    StockLevel.objects.create(product=product, warehouse=depot, on_hand=D(2))

    with transaction.atomic():
        set_stock_levels([change(0, "erp-1", "50", 1)], source="erp", reference="m1")
        thread, outcome = in_thread(
            lambda: reserve_stock([ReservationLine(product.pk, depot.pk, D(10))], reference="DD")
        )
        assert another_waits_for_a_lock(), "the import never waited for the lock"
    thread.join(timeout=60)

    assert not isinstance(outcome[0], Exception), outcome
    row = stock(product.sku)
    assert (row.on_hand, row.reserved) == (D(50), D(10))


@pytest.mark.django_db(transaction=True)
def test_a_stock_row_inserted_meanwhile_is_updated_not_inserted_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another transaction (an order's reservation, say) inserts the stock row of a pair
    the chunk found missing, between staging and the chunk's insert: the chunk's plain
    insert fails on it, is undone, and the rows go in again without that pair, whose row
    the write then judges and updates like any row that was there."""
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    products = [f.ProductFactory(external_id=f"erp-{n}") for n in range(3)]
    rows = [change(n, p.external_id, str(10 + n), 1) for n, p in enumerate(products)]
    real = sync_staged._insert_rows
    attempts: list[str] = []

    def meanwhile(cursor: Any, stock_table: str, *, on_conflict: str) -> int:
        if not attempts:
            thread, outcome = in_thread(
                lambda: StockLevel.objects.create(
                    product=products[1], warehouse=depot, on_hand=D(4), reserved=D(1)
                )
            )
            thread.join(timeout=60)
            assert not isinstance(outcome[0], Exception), outcome
        attempts.append(on_conflict)
        return real(cursor, stock_table, on_conflict=on_conflict)

    monkeypatch.setattr(sync_staged, "_insert_rows", meanwhile)

    results = set_stock_levels(rows, source="erp", reference="m1")

    assert len(attempts) == 2  # the plain insert, then the one that skips the pair
    assert not attempts[0]
    assert "ON CONFLICT" in attempts[1]
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.UPDATED, Outcome.CREATED]
    held = {
        row.product_id: (row.on_hand, row.reserved, row.erp_version)
        for row in StockLevel.objects.filter(warehouse=depot)
    }
    assert held == {
        products[0].pk: (D(10), D(0), 1),
        products[1].pk: (D(11), D(1), 1),
        products[2].pk: (D(12), D(0), 1),
    }
    # One ledger row per change of on hand: the updated row's from what it held.
    deltas = dict(
        StockMovement.objects.filter(kind=StockMovementKind.ERP_SYNC).values_list(
            "product_id", "on_hand_delta"
        )
    )
    assert deltas == {products[0].pk: D(10), products[1].pk: D(7), products[2].pk: D(12)}
