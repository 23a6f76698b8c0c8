"""Many orders reserving the same stock at the same moment (PostgreSQL, real threads).

Row locks taken in primary-key order are what make these safe; on SQLite, which serialises
writers, they skip.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.models import StockLevel, StockMovement
from dealerdesk.inventory.services import (
    ReservationLine,
    release_reservation,
    reserve_stock,
    set_stock_level,
)
from tests import factories as f
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only"),
]

D = Decimal


def test_eight_orders_for_three_each_of_ten_never_oversell() -> None:
    level = f.StockLevelFactory(on_hand=D("10"))
    line = ReservationLine(level.product_id, level.warehouse_id, D("3"))

    results = race(
        [lambda n=n: reserve_stock([line], reference=f"SO-{n}") for n in range(8)]  # type: ignore[misc]
    )

    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, InventoryError)]
    assert len(won) == 3, results
    assert len(lost) == 5, results
    assert {error.code for error in lost} == {InventoryErrorCode.INSUFFICIENT_STOCK}
    level.refresh_from_db()
    assert level.reserved == D("9")
    assert level.reserved <= level.on_hand
    assert StockMovement.objects.filter(kind=StockMovementKind.RESERVATION).count() == 3


def test_orders_naming_the_same_products_in_opposite_order_do_not_deadlock() -> None:
    warehouse = f.WarehouseFactory()
    first = f.StockLevelFactory(warehouse=warehouse, on_hand=D("100"))
    second = f.StockLevelFactory(warehouse=warehouse, on_hand=D("100"))
    forward = [
        ReservationLine(first.product_id, warehouse.pk, D("1")),
        ReservationLine(second.product_id, warehouse.pk, D("1")),
    ]
    backward = list(reversed(forward))

    results = race(
        [
            lambda n=n: reserve_stock(forward if n % 2 else backward, reference=f"SO-{n}")  # type: ignore[misc]
            for n in range(8)
        ]
    )

    assert all(isinstance(r, list) for r in results), results
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {D("8")}


def test_a_release_retried_at_once_gives_back_the_stock_only_once() -> None:
    level = f.StockLevelFactory(on_hand=D("10"))
    other_order = ReservationLine(level.product_id, level.warehouse_id, D("2"))
    reserve_stock([other_order], reference="SO-KEEP")
    reserve_stock([other_order._replace(quantity=D("5"))], reference="SO-CANCEL")

    race([lambda: release_reservation(reference="SO-CANCEL") for _ in range(6)])

    level.refresh_from_db()
    assert level.reserved == D("2")
    assert StockMovement.objects.filter(kind=StockMovementKind.RELEASE).count() == 1


def test_the_same_erp_message_delivered_many_times_at_once_applies_once() -> None:
    product, warehouse = f.ProductFactory(), f.WarehouseFactory()

    results = race(
        [
            lambda: set_stock_level(product, warehouse, on_hand=D("40"), erp_version=5)
            for _ in range(6)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.applied) == 1
    assert StockLevel.objects.get().on_hand == D("40")
    assert StockMovement.objects.count() == 1
