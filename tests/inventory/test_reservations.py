"""Reserving stock for orders and giving it back: all lines or none, ledgered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.models import StockLevel, StockMovement
from dealerdesk.inventory.services import (
    ReleaseLine,
    ReservationLine,
    release_reservation,
    reserve_stock,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def _level(on_hand: str, reserved: str = "0", safety: str = "0") -> StockLevel:
    return f.StockLevelFactory(on_hand=D(on_hand), reserved=D(reserved), safety_stock=D(safety))


def _fresh(level: StockLevel) -> StockLevel:
    level.refresh_from_db()
    return level


def test_a_reservation_holds_stock_and_writes_the_ledger() -> None:
    level = _level("10", reserved="2", safety="1")
    buyer = f.UserFactory()

    [movement] = reserve_stock(
        [ReservationLine(level.product_id, level.warehouse_id, D("4"))],
        reference="SO-1",
        actor=buyer,
    )

    assert _fresh(level).reserved == D("6")
    assert level.available == D("3")
    assert movement.kind == StockMovementKind.RESERVATION
    assert (movement.reserved_delta, movement.reserved_after, movement.on_hand_after) == (
        D("4"),
        D("6"),
        D("10"),
    )
    assert (movement.reference, movement.actor) == ("SO-1", buyer)


def test_plain_tuples_are_accepted_as_lines() -> None:
    level = _level("10")

    reserve_stock([(level.product_id, level.warehouse_id, D("3"), False)], reference="SO-1")

    assert _fresh(level).reserved == D("3")


def test_reserving_exactly_what_is_available_succeeds_and_one_more_fails() -> None:
    level = _level("10", safety="2")
    line = ReservationLine(level.product_id, level.warehouse_id, D("8"))
    reserve_stock([line], reference="SO-1")

    with pytest.raises(InventoryError) as raised:
        reserve_stock([line._replace(quantity=D("0.001"))], reference="SO-2")

    assert raised.value.code == InventoryErrorCode.INSUFFICIENT_STOCK
    assert _fresh(level).reserved == D("8")


def test_one_short_line_reserves_nothing_and_every_short_line_is_listed() -> None:
    plenty = _level("100")
    short_one = _level("5")
    short_two = _level("1", reserved="1")
    lines = [
        ReservationLine(plenty.product_id, plenty.warehouse_id, D("10")),
        ReservationLine(short_one.product_id, short_one.warehouse_id, D("6")),
        ReservationLine(short_two.product_id, short_two.warehouse_id, D("2")),
    ]

    with pytest.raises(InventoryError) as raised:
        reserve_stock(lines, reference="SO-1")

    shortages = {(s.product_id, s.warehouse_id): s for s in raised.value.shortages}
    assert set(shortages) == {
        (short_one.product_id, short_one.warehouse_id),
        (short_two.product_id, short_two.warehouse_id),
    }
    first = shortages[(short_one.product_id, short_one.warehouse_id)]
    assert (first.asked, first.available) == (D("6"), D("5"))
    assert first.sku == short_one.product.sku
    assert first.warehouse_code == short_one.warehouse.code
    assert short_one.product.sku in str(raised.value)
    assert short_two.product.sku in str(raised.value)
    assert _fresh(plenty).reserved == D("0")
    assert not StockMovement.objects.exists()


def test_a_product_the_warehouse_never_stocked_is_short_with_nothing_available() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()

    with pytest.raises(InventoryError) as raised:
        reserve_stock([ReservationLine(product.pk, warehouse.pk, D("1"))], reference="SO-1")

    [shortage] = raised.value.shortages
    assert shortage.available == D("0")


def test_a_backorder_may_reserve_more_than_is_on_hand() -> None:
    level = _level("3")
    never_stocked = f.ProductFactory()

    reserve_stock(
        [
            ReservationLine(level.product_id, level.warehouse_id, D("5"), allow_backorder=True),
            ReservationLine(never_stocked.pk, level.warehouse_id, D("2"), allow_backorder=True),
        ],
        reference="SO-1",
    )

    assert _fresh(level).reserved == D("5")
    assert level.available == D("0")
    created = StockLevel.objects.get(product=never_stocked, warehouse=level.warehouse)
    assert (created.on_hand, created.reserved) == (D("0"), D("2"))


def test_lines_for_the_same_stock_are_added_up_before_checking() -> None:
    level = _level("5")
    line = ReservationLine(level.product_id, level.warehouse_id, D("3"))

    with pytest.raises(InventoryError):
        reserve_stock([line, line], reference="SO-1")

    assert _fresh(level).reserved == D("0")


@pytest.mark.parametrize("quantity", [D("0"), D("-1"), D("NaN"), D("0.0001"), D("1E+20")])
def test_a_quantity_must_be_more_than_zero(quantity: Decimal) -> None:
    level = _level("5")

    with pytest.raises(InventoryError) as raised:
        reserve_stock(
            [ReservationLine(level.product_id, level.warehouse_id, quantity)], reference="SO-1"
        )

    assert raised.value.code == InventoryErrorCode.INVALID_QUANTITY


def test_an_unknown_warehouse_is_refused() -> None:
    level = _level("5")

    with pytest.raises(InventoryError) as raised:
        reserve_stock([ReservationLine(level.product_id, 999_999, D("1"))], reference="SO-1")

    assert raised.value.code == InventoryErrorCode.UNKNOWN_STOCK


def test_for_a_company_only_its_warehouses_may_be_reserved_from(world) -> None:  # type: ignore[no-untyped-def]
    closed = _level("5")
    open_level = f.StockLevelFactory(
        product=closed.product, warehouse=f.WarehouseFactory(open_to_all=True), on_hand=D("5")
    )

    with pytest.raises(InventoryError) as raised:
        reserve_stock(
            [ReservationLine(closed.product_id, closed.warehouse_id, D("1"))],
            reference="SO-1",
            company=world.company_a,
        )
    reserve_stock(
        [ReservationLine(open_level.product_id, open_level.warehouse_id, D("1"))],
        reference="SO-2",
        company=world.company_a,
    )

    assert raised.value.code == InventoryErrorCode.WAREHOUSE_NOT_ALLOWED
    assert _fresh(open_level).reserved == D("1")


def test_release_gives_back_what_the_reference_holds_once() -> None:
    level = _level("10")
    other = _level("10")
    reserve_stock(
        [
            ReservationLine(level.product_id, level.warehouse_id, D("4")),
            ReservationLine(other.product_id, other.warehouse_id, D("2")),
        ],
        reference="SO-1",
    )
    reserve_stock([ReservationLine(level.product_id, level.warehouse_id, D("3"))], reference="SO-2")

    released = release_reservation(reference="SO-1")
    again = release_reservation(reference="SO-1")

    assert {(m.product_id, m.reserved_delta) for m in released} == {
        (level.product_id, D("-4")),
        (other.product_id, D("-2")),
    }
    assert all(m.kind == StockMovementKind.RELEASE for m in released)
    assert again == []
    assert _fresh(level).reserved == D("3")
    assert _fresh(other).reserved == D("0")


def test_a_partial_release_never_gives_back_more_than_was_held() -> None:
    level = _level("10")
    reserve_stock([ReservationLine(level.product_id, level.warehouse_id, D("4"))], reference="SO-1")

    release_reservation(
        reference="SO-1", lines=[ReleaseLine(level.product_id, level.warehouse_id, D("1"))]
    )
    release_reservation(
        reference="SO-1", lines=[ReleaseLine(level.product_id, level.warehouse_id, D("50"))]
    )

    assert _fresh(level).reserved == D("0")
    deltas = sorted(
        StockMovement.objects.filter(kind=StockMovementKind.RELEASE).values_list(
            "reserved_delta", flat=True
        )
    )
    assert deltas == [D("-3"), D("-1")]


def test_release_never_takes_reserved_below_zero() -> None:
    level = _level("10")
    reserve_stock([ReservationLine(level.product_id, level.warehouse_id, D("4"))], reference="SO-1")
    # The ERP re-states reserved lower than the portal's reservations (it has shipped some).
    StockLevel.objects.filter(pk=level.pk).update(reserved=D("1"))

    release_reservation(reference="SO-1")

    assert _fresh(level).reserved == D("0")


def test_releasing_an_unknown_reference_does_nothing() -> None:
    level = _level("10", reserved="5")

    assert release_reservation(reference="nobody") == []
    assert _fresh(level).reserved == D("5")
