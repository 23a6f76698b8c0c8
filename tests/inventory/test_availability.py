"""What a dealer may see of stock: its warehouses, availability per product, the filter."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core.models import AuditEntry
from dealerdesk.inventory.availability import ExactDisplay
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.models import Warehouse
from dealerdesk.inventory.queries import (
    availability_for,
    can_filter_in_stock,
    default_warehouse_for,
    filter_in_stock,
    warehouses_for,
)
from dealerdesk.inventory.services import set_default_warehouse
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def _codes(warehouses: list[Warehouse]) -> list[str]:
    return [warehouse.code for warehouse in warehouses]


@pytest.fixture
def depots(world):  # type: ignore[no-untyped-def]
    """Central (open to all), one per audience of dealer A, and two nobody reaches."""
    region = f.RegionFactory(name="North")
    world.company_a.region = region
    world.company_a.save()
    central = f.WarehouseFactory(code="CEN", name="Central", open_to_all=True, sort_order=5)
    by_company = f.WarehouseFactory(code="CMP", sort_order=1, region=region)
    by_group = f.WarehouseFactory(code="GRP", sort_order=2)
    by_region = f.WarehouseFactory(code="REG", sort_order=3)
    closed = f.WarehouseFactory(code="CLS", sort_order=0)
    inactive = f.WarehouseFactory(code="OFF", open_to_all=True, is_active=False, sort_order=0)
    f.WarehouseAccessFactory(warehouse=by_company, company=world.company_a)
    f.WarehouseAccessFactory(warehouse=by_group, customer_group=world.company_a.customer_group)
    f.WarehouseAccessFactory(warehouse=by_region, region=region)
    f.WarehouseAccessFactory(warehouse=closed, company=world.company_b)
    return {w.code: w for w in (central, by_company, by_group, by_region, closed, inactive)}


def test_a_dealer_reaches_warehouses_open_to_all_its_company_group_and_region(
    world, depots
) -> None:  # type: ignore[no-untyped-def]
    assert _codes(warehouses_for(world.company_a)) == ["CMP", "GRP", "REG", "CEN"]


def test_another_dealer_reaches_only_its_own_and_the_open_ones(world, depots) -> None:  # type: ignore[no-untyped-def]
    assert _codes(warehouses_for(world.company_b)) == ["CLS", "CEN"]


def test_an_inactive_warehouse_is_reached_by_nobody(world, depots) -> None:  # type: ignore[no-untyped-def]
    depots["CMP"].is_active = False
    depots["CMP"].save()

    assert "CMP" not in _codes(warehouses_for(world.company_a))
    assert "OFF" not in _codes(warehouses_for(world.company_b))


def test_without_a_choice_the_default_is_the_first_by_sort_order(world, depots) -> None:  # type: ignore[no-untyped-def]
    assert default_warehouse_for(world.company_a) == depots["CMP"]


def test_a_chosen_default_is_used_and_audited(world, depots) -> None:  # type: ignore[no-untyped-def]
    set_default_warehouse(world.company_a, depots["CEN"], actor=world.admin.user)

    assert default_warehouse_for(world.company_a) == depots["CEN"]
    entry = AuditEntry.objects.get(object_type="inventory.defaultwarehouse")
    assert (entry.company_id, entry.after) == (
        world.company_a.pk,
        {"warehouse_id": depots["CEN"].pk},
    )


def test_a_default_no_longer_open_falls_back_to_the_first(world, depots) -> None:  # type: ignore[no-untyped-def]
    set_default_warehouse(world.company_a, depots["REG"])
    depots["REG"].is_active = False
    depots["REG"].save()

    assert default_warehouse_for(world.company_a) == depots["CMP"]


def test_a_default_must_be_open_to_the_company(world, depots) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InventoryError) as raised:
        set_default_warehouse(world.company_a, depots["CLS"])

    assert raised.value.code == InventoryErrorCode.WAREHOUSE_NOT_ALLOWED


def test_clearing_the_default_goes_back_to_the_automatic_choice(world, depots) -> None:  # type: ignore[no-untyped-def]
    set_default_warehouse(world.company_a, depots["CEN"])

    set_default_warehouse(world.company_a, None)

    assert default_warehouse_for(world.company_a) == depots["CMP"]


def test_exact_availability_per_warehouse_with_incoming_default_and_total(world, depots) -> None:  # type: ignore[no-untyped-def]
    product = world.product_a
    f.StockLevelFactory(
        product=product,
        warehouse=depots["CMP"],
        on_hand=D("30"),
        reserved=D("4"),
        safety_stock=D("1"),
    )
    f.StockLevelFactory(product=product, warehouse=depots["CEN"], on_hand=D("5"), reserved=D("9"))
    f.StockLevelFactory(product=product, warehouse=depots["CLS"], on_hand=D("1000"))
    f.IncomingStockFactory(
        product=product,
        warehouse=depots["GRP"],
        quantity=D("50"),
        expected_date=dt.date(2025, 6, 2),
    )
    f.IncomingStockFactory(product=product, warehouse=depots["GRP"], quantity=D("7"))

    answer = availability_for(world.company_a, [product.pk])[product.pk]

    rows = {row.warehouse.code: row for row in answer.warehouses}
    assert list(rows) == ["CMP", "GRP", "REG", "CEN"]
    assert rows["CMP"].stock.exact == D("25")
    assert rows["CMP"].warehouse.region_name == "North"
    assert rows["CEN"].stock.label == "Out of stock"  # a backorder leaves nothing to promise
    assert rows["GRP"].stock.in_stock is False
    assert [(i.expected_date, i.stock.exact) for i in rows["GRP"].incoming] == [
        (dt.date(2025, 6, 2), D("50")),
        (None, D("7")),
    ]
    assert answer.default is not None
    assert answer.default.warehouse.code == "CMP"
    assert answer.total.exact == D("25")  # the closed warehouse of dealer B does not count
    assert answer.in_stock is True


def test_products_outside_the_dealers_catalog_are_left_out(world, depots) -> None:  # type: ignore[no-untyped-def]
    scope = scope_for_company(world.company_a)

    answer = availability_for(
        world.company_a, [world.product_a.pk, world.product_b.pk], scope=scope
    )

    assert set(answer) == {world.product_a.pk}


def test_staff_see_exact_figures_whatever_the_dealers_policy(world, depots) -> None:  # type: ignore[no-untyped-def]
    world.company_a.stock_display_policy = StockDisplayPolicy.HIDDEN
    f.StockLevelFactory(product=world.product_a, warehouse=depots["CEN"], on_hand=D("12"))

    answer = availability_for(world.company_a, [world.product_a.pk], strategy=ExactDisplay())

    assert answer[world.product_a.pk].total.exact == D("12")


@pytest.mark.parametrize(
    "policy", [StockDisplayPolicy.BANDED, StockDisplayPolicy.IN_OUT, StockDisplayPolicy.HIDDEN]
)
def test_no_exact_number_leaves_the_server_for_other_policies(world, depots, policy) -> None:  # type: ignore[no-untyped-def]
    world.company_a.stock_display_policy = policy
    world.company_a.stock_bands = []
    product = world.product_a
    f.StockLevelFactory(product=product, warehouse=depots["CMP"], on_hand=D("787.125"))
    f.StockLevelFactory(
        product=product, warehouse=depots["CEN"], on_hand=D("4213"), reserved=D("1")
    )
    f.IncomingStockFactory(
        product=product,
        warehouse=depots["GRP"],
        quantity=D("3561"),
        expected_date=dt.date(2025, 6, 2),
    )

    answer = availability_for(world.company_a, [product.pk])

    text = json.dumps(dataclasses.asdict(answer[product.pk]), default=str)
    for figure in ("787", "4213", "4212", "3561", "4999", "5000"):
        assert figure not in text
    if policy == StockDisplayPolicy.BANDED:
        assert answer[product.pk].total.label == ">1000"
    if policy == StockDisplayPolicy.HIDDEN:
        assert answer[product.pk].total.in_stock is None
        assert all(row.incoming == () for row in answer[product.pk].warehouses)


def test_availability_costs_the_same_queries_for_5_or_40_products(
    world, depots, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    products = [f.ProductFactory(category=world.cat_a) for _ in range(40)]
    for product in products:
        for code in ("CMP", "CEN"):
            f.StockLevelFactory(product=product, warehouse=depots[code], on_hand=D("20"))
        f.IncomingStockFactory(product=product, warehouse=depots["CEN"])
    scope = scope_for_company(world.company_a)
    set_default_warehouse(world.company_a, depots["CEN"])
    availability_for(world.company_a, [products[0].pk])  # caches the dealer's warehouses

    # scope filter, stock levels, incoming (warehouses and the default come from the cache)
    for count in (5, 40):
        with django_assert_num_queries(3):
            answer = availability_for(
                world.company_a, [p.pk for p in products[:count]], scope=scope
            )
        assert len(answer) == count
        assert all(a.default and a.default.warehouse.code == "CEN" for a in answer.values())


def test_in_stock_filter_counts_only_the_dealers_warehouses_and_what_can_be_promised(
    world, depots
) -> None:  # type: ignore[no-untyped-def]
    in_open = f.ProductFactory(category=world.cat_a)
    only_in_closed = f.ProductFactory(category=world.cat_a)
    all_held_back = f.ProductFactory(category=world.cat_a)
    all_reserved = f.ProductFactory(category=world.cat_a)
    nothing = f.ProductFactory(category=world.cat_a)
    f.StockLevelFactory(product=in_open, warehouse=depots["REG"], on_hand=D("0.5"))
    f.StockLevelFactory(product=only_in_closed, warehouse=depots["CLS"], on_hand=D("50"))
    f.StockLevelFactory(product=only_in_closed, warehouse=depots["OFF"], on_hand=D("50"))
    f.StockLevelFactory(
        product=all_held_back, warehouse=depots["CEN"], on_hand=D("5"), safety_stock=D("5")
    )
    f.StockLevelFactory(
        product=all_reserved, warehouse=depots["CEN"], on_hand=D("5"), reserved=D("6")
    )
    candidates = Product.objects.filter(
        pk__in=[p.pk for p in (in_open, only_in_closed, all_held_back, all_reserved, nothing)]
    )

    assert list(filter_in_stock(candidates, world.company_a)) == [in_open]
    assert set(filter_in_stock(candidates, world.company_b)) == {only_in_closed}


def test_the_in_stock_filter_is_not_offered_when_stock_is_hidden(world, depots) -> None:  # type: ignore[no-untyped-def]
    world.company_a.stock_display_policy = StockDisplayPolicy.HIDDEN
    products = Product.objects.all()

    assert not can_filter_in_stock(world.company_a)
    assert filter_in_stock(products, world.company_a).count() == products.count()
