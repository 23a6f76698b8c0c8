"""Type-ahead in quick order: products of the dealer's own catalog by SKU prefix, barcode or
name, with its price and its stock as its display policy shows it; never another dealer's
product, and nothing a browser can send breaks it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerdesk.accounts.choices import MembershipRole, StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.models import CartLine
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.portal.pages import text

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/portal/quick-order/suggest/"
OPTION = re.compile(r'role="option"[^>]*data-code="([^"]+)"')


@pytest.fixture
def priced(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product in (world.product_a, world.product_a_child, world.product_b):
        Price.objects.create(product=product, price_type=base, amount=D(120))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    Contract.objects.create(company=world.company_b, name="Bravo terms", is_default=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    StockLevel.objects.create(product=world.product_a, warehouse=depot, on_hand=D("437.5"))
    return base


def _codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return OPTION.findall(response.content.decode())


def test_an_sku_prefix_suggests_the_dealers_products_sku_matches_first(world, client_for, priced):
    # named like a cable but with an SKU that sorts first: still after the SKU matches
    f.ProductFactory(category=world.cat_a, sku="AAA-9", name="Cable tie 200 mm")
    client = client_for(world.buyer_a.user)

    assert _codes(client.get(URL, {"q": "cab-0"})) == ["CAB-001", "CAB-002"]
    assert _codes(client.get(URL, {"q": "cab"})) == ["CAB-001", "CAB-002", "AAA-9"]


def test_a_barcode_suggests_its_product(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    assert _codes(client.get(URL, {"q": "4006381333931"})) == ["CAB-001"]


def test_words_of_the_name_suggest_in_any_case(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    assert _codes(client.get(URL, {"q": "nyy"})) == ["CAB-002"]
    assert _codes(client.get(URL, {"q": "CABLE 5x10"})) == ["CAB-002"]


def test_at_most_ten_and_not_below_two_characters(world, client_for, priced):
    for n in range(15):
        f.ProductFactory(category=world.cat_a, sku=f"BULK-{n:02d}")
    client = client_for(world.buyer_a.user)

    assert len(_codes(client.get(URL, {"q": "bulk"}))) == 10
    one = client.get(URL, {"q": "b"})
    assert _codes(one) == []
    assert "No product" not in text(one)


def test_another_dealers_catalog_never_appears(world, client_for, priced):
    # TOOL-001 "Hammer drill 800W", barcode 5901234123457, is in Bravo's catalog only
    alpha = client_for(world.buyer_a.user)
    for q in ("TOOL", "tool-001", "hammer", "drill 800", "5901234123457"):
        response = alpha.get(URL, {"q": q})
        assert _codes(response) == [], q
        assert "Hammer" not in text(response)
        assert "No product of your catalog matches." in text(response)

    bravo = client_for(world.buyer_b.user)
    assert _codes(bravo.get(URL, {"q": "hammer"})) == ["TOOL-001"]
    assert _codes(bravo.get(URL, {"q": "cab"})) == []


@pytest.mark.parametrize(
    ("policy", "shown"),
    [
        (StockDisplayPolicy.EXACT, "437.5"),
        (StockDisplayPolicy.BANDED, ">100"),
        (StockDisplayPolicy.IN_OUT, "In stock"),
        (StockDisplayPolicy.HIDDEN, None),
    ],
)
def test_each_shows_the_dealers_price_and_stock_through_its_policy(
    world, client_for, priced, policy, shown
):
    world.company_a.stock_display_policy = policy
    world.company_a.save()

    page = text(client_for(world.buyer_a.user).get(URL, {"q": "CAB-001"}))

    assert "CAB-001" in page
    assert "Cable NYM 3x1.5" in page
    assert "120.00 EUR" in page
    if shown:
        assert shown in page
    if policy != StockDisplayPolicy.EXACT:
        assert "437.5" not in page
        assert "437,5" not in page
    if policy == StockDisplayPolicy.HIDDEN:
        assert "stock" not in page.lower().replace('class="stock"', "")


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "a",
        "%%",
        "__",
        "a\x00b",
        "\x00\x00",
        "x" * 5000,
        "CAB\x00-001",
        "\u02bc\U0001f4a5' OR 1=1 --",
    ],
)
def test_odd_searches_are_answered_never_errors(world, client_for, priced, q):
    response = client_for(world.buyer_a.user).get(URL, {"q": q})
    assert response.status_code in (200, 400)
    if q in ("%%", "__", "x" * 5000):
        assert _codes(response) == []


def test_an_odd_query_string_is_answered_too(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    assert client.get(f"{URL}?q=%00%00ca").status_code in (200, 400)
    assert client.get(f"{URL}?q=ca&q=b").status_code in (200, 400)
    assert client.get(f"{URL}?q=%ff%fe").status_code in (200, 400)
    assert client.post(URL, {"q": "cab"}).status_code == 405


def test_only_people_who_order_get_suggestions(world, client, client_for, priced):
    assert client.get(URL, {"q": "cab"}).status_code == 302  # to sign in
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)
    assert client_for(viewer.user).get(URL, {"q": "cab"}).status_code == 403


def test_suggestions_take_a_fixed_number_of_queries(world, client_for, priced, frozen_now):
    for n in range(12):
        product = f.ProductFactory(category=world.cat_a, sku=f"BULK-{n:02d}")
        Price.objects.create(product=product, price_type=priced, amount=D(5))
        StockLevel.objects.create(product=product, warehouse=Warehouse.objects.get(), on_hand=n)
    client = client_for(world.buyer_a.user)
    client.get(URL, {"q": "bulk"})  # caches warm

    with CaptureQueriesContext(connection) as one:
        assert len(_codes(client.get(URL, {"q": "bulk-03"}))) == 1
    with CaptureQueriesContext(connection) as ten:
        assert len(_codes(client.get(URL, {"q": "bulk"}))) == 10

    assert len(ten) == len(one) <= 10


def test_the_quick_order_page_has_a_typed_line_with_type_ahead(world, client_for, priced):
    page = client_for(world.buyer_a.user).get("/portal/quick-order/").content.decode()
    assert 'hx-get="/portal/quick-order/suggest/"' in page
    assert 'hx-trigger="input changed delay:200ms"' in page
    assert 'role="combobox"' in page
    assert "portal/suggest.js" in page


def test_a_typed_line_goes_to_the_cart(world, client_for, priced):
    StockLevel.objects.filter(product=world.product_a).update(on_hand=D(100))
    client = client_for(world.buyer_a.user)

    row = client.post(
        "/portal/quick-order/line/", {"code": "cab-001", "quantity": "3"}, HTTP_HX_REQUEST="true"
    )
    page = client.post("/portal/quick-order/line/", {"code": "NOPE", "quantity": "1"})
    nul = client.post("/portal/quick-order/line/", {"code": "CAB\x00", "quantity": "1\x00"})

    assert row.status_code == 200
    assert "in the cart" in text(row)
    assert "<html" not in text(row)
    assert page.status_code == 200
    assert "No product of your catalog has this SKU or barcode." in text(page)
    assert nul.status_code == 200
    assert CartLine.objects.get(product=world.product_a).quantity == D(3)
