"""The catalog list's "in stock only" filter and its order by the dealer's own price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType
from tests import factories as f
from tests.portal.pages import listed_skus

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(world):  # type: ignore[no-untyped-def]
    """Four products in A's catalog. Base prices 40, 10, 30, none; Alpha negotiated 5 for
    the one at 30 (so its own order is 5, 10, 40, unpriced), Bravo 1 for the one at 40.
    Stock: the first two in an open depot, the third only in a depot Alpha may not use."""
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Contract.objects.create(company=world.company_a, name="Prepay", is_default=True)
    products = {
        name: f.ProductFactory(name=name, sku=f"SHELF-{name}", category=world.cat_a_child)
        for name in ("Anchor", "Bolt", "Clamp", "Dowel")
    }
    for name, amount in (("Anchor", 40), ("Bolt", 10), ("Clamp", 30)):
        Price.objects.create(product=products[name], price_type=base, amount=Decimal(amount))
    CustomerPrice.objects.create(
        company=world.company_a, product=products["Clamp"], amount=Decimal(5), currency="EUR"
    )
    CustomerPrice.objects.create(
        company=world.company_b, product=products["Anchor"], amount=Decimal(1), currency="EUR"
    )
    depot = Warehouse.objects.create(code="OPEN", name="Open depot", open_to_all=True)
    closed = Warehouse.objects.create(code="SHUT", name="Bravo's depot")
    StockLevel.objects.create(product=products["Anchor"], warehouse=depot, on_hand=Decimal(3))
    StockLevel.objects.create(product=products["Bolt"], warehouse=depot, on_hand=Decimal(8))
    StockLevel.objects.create(product=products["Clamp"], warehouse=closed, on_hand=Decimal(50))
    StockLevel.objects.create(
        product=world.product_a, warehouse=depot, on_hand=Decimal(5), reserved=Decimal(5)
    )
    return products


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [sku.removeprefix("SHELF-") for sku in listed_skus(response) if sku.startswith("SHELF-")]


def test_sorting_by_price_uses_the_dealers_own_prices(world, client_for, shelf):
    client = client_for(world.buyer_a.user)
    query = {"category": world.cat_a_child.pk}

    cheapest_first = client.get("/portal/catalog/", {**query, "sort": "price"})
    dearest_first = client.get("/portal/catalog/", {**query, "sort": "-price"})

    assert _names(cheapest_first) == ["Clamp", "Bolt", "Anchor", "Dowel"]
    assert _names(dearest_first) == ["Anchor", "Bolt", "Clamp", "Dowel"]  # unpriced last
    assert "Your price: low to high" in cheapest_first.content.decode()


def test_the_price_order_pages_through_the_whole_list(world, client_for, shelf):
    client = client_for(world.buyer_a.user)
    query = {"category": world.cat_a_child.pk, "sort": "price", "per_page": 3}

    first = client.get("/portal/catalog/", query)
    second = client.get("/portal/catalog/", {**query, "page": 2})

    assert _names(first) + _names(second) == ["Clamp", "Bolt", "Anchor", "Dowel"]
    assert 'href="?category=' in first.content.decode()
    assert "sort=price" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]


def test_in_stock_only_keeps_what_the_dealers_warehouses_can_promise(world, client_for, shelf):
    client = client_for(world.buyer_a.user)

    response = client.get("/portal/catalog/", {"in_stock": "1", "sort": "price"})

    # Clamp's stock is in a depot Alpha may not use; product A's is all reserved
    assert _names(response) == ["Bolt", "Anchor"]
    assert world.product_a.sku not in listed_skus(response)
    html = response.content.decode()
    assert 'name="in_stock" value="1" id="in-stock" checked' in html
    assert "2 products" in html


def test_the_filter_is_kept_on_category_brand_and_page_links(world, client_for, shelf):
    html = client_for(world.buyer_a.user).get("/portal/catalog/", {"in_stock": "1"}).content
    text = html.decode()
    tree_link = f'?category={world.cat_a_child.pk}&amp;in_stock=1"'
    assert tree_link in text


def test_when_nothing_is_in_stock_the_page_says_so_and_offers_everything(world, client_for, shelf):
    StockLevel.objects.update(on_hand=0)
    response = client_for(world.buyer_a.user).get("/portal/catalog/", {"in_stock": "1"})
    html = response.content.decode()
    assert listed_skus(response) == []
    assert "Nothing here is in stock right now." in html
    assert "Show everything, in stock or not" in html


def test_hidden_stock_offers_no_filter_and_ignores_one_asked_for(world, client_for, shelf):
    # a filter on hidden stock would tell the dealer which products are in stock
    world.company_a.stock_display_policy = StockDisplayPolicy.HIDDEN
    world.company_a.save()
    client = client_for(world.buyer_a.user)

    everything = client.get("/portal/catalog/")
    asked = client.get("/portal/catalog/", {"in_stock": "1"})

    assert 'name="in_stock"' not in everything.content.decode()
    assert listed_skus(asked) == listed_skus(everything)


def test_without_a_contract_there_is_no_price_order(world, client_for, shelf):
    Contract.objects.filter(company=world.company_a).delete()
    response = client_for(world.buyer_a.user).get("/portal/catalog/", {"sort": "price"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your price: low to high" not in html
    assert _names(response) == ["Anchor", "Bolt", "Clamp", "Dowel"]  # by name


def test_another_dealers_price_does_not_move_a_product_in_the_order(world, client_for, shelf):
    # Bravo's 1.00 for Anchor must not put Anchor first for Alpha
    response = client_for(world.buyer_a.user).get(
        "/portal/catalog/", {"category": world.cat_a_child.pk, "sort": "price"}
    )
    assert _names(response)[0] == "Clamp"
    assert "1.00 EUR" not in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"in_stock": "yes please"}, {"sort": "price'--"}, {"in_stock": "\x00"}]
)
def test_odd_filter_values_fall_back_to_the_defaults(world, client_for, shelf, params):
    response = client_for(world.buyer_a.user).get("/portal/catalog/", params)
    assert response.status_code == 200
    assert len(listed_skus(response)) == 6
