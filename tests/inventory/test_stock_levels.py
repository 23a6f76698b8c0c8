"""Setting stock from the ERP or staff: idempotent, ordered, ledgered and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealerdesk.core.models import AuditEntry
from dealerdesk.inventory.choices import StockMovementKind, StockUpdateOutcome
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.models import IncomingStock, StockLevel, StockMovement
from dealerdesk.inventory.services import IncomingEntry, set_stock_level
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def _audit() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="inventory.stocklevel").order_by("id"))


def test_first_stock_message_creates_the_level_with_a_ledger_row_and_audit() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()

    result = set_stock_level(
        product, warehouse, on_hand=D("40"), safety_stock=D("5"), erp_version=1, source="erp"
    )

    assert result.outcome == StockUpdateOutcome.CREATED
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved, level.safety_stock) == (D("40"), D("0"), D("5"))
    assert level.available == D("35")
    movement = StockMovement.objects.get()
    assert movement.kind == StockMovementKind.ERP_SYNC
    assert (movement.on_hand_delta, movement.on_hand_after) == (D("40"), D("40"))
    [entry] = _audit()
    assert entry.action == "create"
    assert entry.source == "erp"
    assert entry.after is not None
    assert entry.after["on_hand"] == "40.000"


def test_the_same_message_twice_changes_nothing_the_second_time() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"), erp_version=3)

    again = set_stock_level(product, warehouse, on_hand=D("40"), erp_version=3)

    assert again.outcome == StockUpdateOutcome.STALE
    assert not again.applied
    assert StockMovement.objects.count() == 1
    assert len(_audit()) == 1


def test_a_staff_edit_with_the_same_figures_is_unchanged() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"))

    again = set_stock_level(product, warehouse, on_hand=D("40.000"))

    assert again.outcome == StockUpdateOutcome.UNCHANGED
    assert StockMovement.objects.count() == 1
    assert len(_audit()) == 1


def test_an_older_delta_never_overwrites_a_newer_one() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"), erp_version=7)

    late = set_stock_level(product, warehouse, on_hand=D("99"), erp_version=5)

    assert late.outcome == StockUpdateOutcome.STALE
    level = StockLevel.objects.get()
    assert (level.on_hand, level.erp_version) == (D("40"), 7)
    assert StockMovement.objects.count() == 1


def test_without_a_sequence_the_change_time_orders_deltas() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    noon = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    set_stock_level(product, warehouse, on_hand=D("40"), erp_changed_at=noon)

    late = set_stock_level(
        product, warehouse, on_hand=D("1"), erp_changed_at=noon - dt.timedelta(minutes=1)
    )
    newer = set_stock_level(
        product, warehouse, on_hand=D("30"), erp_changed_at=noon + dt.timedelta(minutes=1)
    )

    assert late.outcome == StockUpdateOutcome.STALE
    assert newer.outcome == StockUpdateOutcome.UPDATED
    assert StockLevel.objects.get().on_hand == D("30")


def test_a_newer_change_writes_the_delta_to_the_ledger_and_audits_before_and_after() -> None:
    world_admin = f.StaffFactory().user
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"), erp_version=1)

    result = set_stock_level(
        product,
        warehouse,
        on_hand=D("25"),
        reserved=D("4"),
        erp_version=2,
        actor=world_admin,
        source="back office",
        reference="MSG-2",
    )

    assert result.outcome == StockUpdateOutcome.UPDATED
    movement = result.movement
    assert movement is not None
    assert (movement.on_hand_delta, movement.reserved_delta) == (D("-15"), D("4"))
    assert (movement.on_hand_after, movement.reserved_after) == (D("25"), D("4"))
    assert (movement.reference, movement.actor) == ("MSG-2", world_admin)
    entry = _audit()[-1]
    assert entry.actor == world_admin
    assert entry.before == {"on_hand": "40.000", "reserved": "0.000", "erp_version": 1}
    assert entry.after == {"on_hand": "25.000", "reserved": "4.000", "erp_version": 2}


def test_a_staff_change_is_an_adjustment_in_the_ledger() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()

    set_stock_level(product, warehouse, on_hand=D("8"))

    assert StockMovement.objects.get().kind == StockMovementKind.ADJUSTMENT


def test_a_newer_message_with_the_same_figures_only_moves_the_version() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"), erp_version=1)

    result = set_stock_level(product, warehouse, on_hand=D("40"), erp_version=2)

    assert result.outcome == StockUpdateOutcome.UNCHANGED
    assert StockLevel.objects.get().erp_version == 2
    assert StockMovement.objects.count() == 1
    assert len(_audit()) == 1


@pytest.mark.parametrize("field", ["on_hand", "reserved", "safety_stock"])
def test_a_negative_figure_is_refused_and_changes_nothing(field: str) -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    set_stock_level(product, warehouse, on_hand=D("40"), erp_version=1)
    figures = {"on_hand": D("40"), field: D("-1")}

    with pytest.raises(InventoryError) as raised:
        set_stock_level(product, warehouse, erp_version=2, **figures)  # type: ignore[arg-type]

    assert raised.value.code == InventoryErrorCode.INVALID_QUANTITY
    assert StockLevel.objects.get().erp_version == 1


def test_incoming_schedule_is_replaced_as_a_whole_and_audited() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    monday, later = dt.date(2025, 3, 3), dt.date(2025, 4, 1)
    set_stock_level(
        product,
        warehouse,
        on_hand=D("0"),
        incoming=[IncomingEntry(D("50"), monday), IncomingEntry(D("200"), later)],
        erp_version=1,
    )

    result = set_stock_level(
        product,
        warehouse,
        on_hand=D("0"),
        incoming=[IncomingEntry(D("200"), later), IncomingEntry(D("5"), None)],
        erp_version=2,
    )

    assert result.outcome == StockUpdateOutcome.UPDATED
    rows = {(row.expected_date, row.quantity) for row in IncomingStock.objects.all()}
    assert rows == {(later, D("200")), (None, D("5"))}
    entry = _audit()[-1]
    assert entry.before == {
        "incoming": [["2025-03-03", "50"], ["2025-04-01", "200"]],
        "erp_version": 1,
    }
    assert entry.after == {"incoming": [["2025-04-01", "200"], [None, "5"]], "erp_version": 2}


def test_the_same_incoming_schedule_again_is_unchanged() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()
    schedule = [IncomingEntry(D("50"), dt.date(2025, 3, 3))]
    set_stock_level(product, warehouse, on_hand=D("1"), incoming=schedule)

    again = set_stock_level(product, warehouse, on_hand=D("1"), incoming=schedule)

    assert again.outcome == StockUpdateOutcome.UNCHANGED
    assert IncomingStock.objects.count() == 1
