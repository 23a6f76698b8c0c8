"""The dealer API answers only from the caller's own closed catalog."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_anonymous_caller_gets_401(client, world):
    response = client.get("/api/v1/catalog/products")
    assert response.status_code == 401


def test_product_list_holds_only_own_catalog(world, client_for):
    client = client_for(world.buyer_a.user)
    body = client.get("/api/v1/catalog/products?per_page=96").json()
    skus = {item["sku"] for item in body["items"]}
    assert skus == {world.product_a.sku, world.product_a_child.sku}
    assert body["total"] == 2


def test_other_company_product_is_404(world, client_for):
    client = client_for(world.buyer_a.user)
    response = client.get(f"/api/v1/catalog/products/{world.product_b.pk}")
    assert response.status_code == 404
    assert world.product_b.name not in response.content.decode()


def test_own_product_has_details(world, client_for):
    client = client_for(world.buyer_a.user)
    body = client.get(f"/api/v1/catalog/products/{world.product_a_child.pk}").json()
    assert body["sku"] == "CAB-002"
    assert body["category_path"] == ["Cables", "Power cables"]
    assert body["volume_m3"] == "0.000100"


@pytest.mark.parametrize(
    ("code", "status"),
    [("4006381333931", 200), (" 4006381333931 ", 200), ("cab-001", 200), ("5901234123457", 404)],
)
def test_lookup_by_barcode_or_sku_is_scoped(world, client_for, code, status):
    client = client_for(world.buyer_a.user)
    response = client.get("/api/v1/catalog/lookup", {"code": code})
    assert response.status_code == status
    if status == 200:
        assert response.json()["sku"] == "CAB-001"


def test_category_outside_catalog_is_404(world, client_for):
    client = client_for(world.buyer_a.user)
    response = client.get(f"/api/v1/catalog/products?category={world.cat_b.pk}")
    assert response.status_code == 404


def test_category_tree_is_scoped(world, client_for):
    client = client_for(world.buyer_b.user)
    tree = client.get("/api/v1/catalog/categories").json()
    assert [node["name"] for node in tree] == ["Tools"]


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=abc", "per_page=1000", "sort=evil", "category=-1", "q=" + "x" * 500],
)
def test_bad_parameters_are_422_not_500(world, client_for, query):
    client = client_for(world.buyer_a.user)
    response = client.get(f"/api/v1/catalog/products?{query}")
    assert response.status_code == 422


def test_company_header_must_be_own_company(world, client_for):
    client = client_for(world.buyer_a.user)
    response = client.get(
        "/api/v1/catalog/products", headers={"X-Company-Id": str(world.company_b.pk)}
    )
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers={"X-Company-Id": "abc"}).status_code == 400


def test_company_header_switches_for_multi_company_user(world, client_for):
    f.MembershipFactory(user=world.buyer_a.user, company=world.company_b)
    client = client_for(world.buyer_a.user)
    body = client.get(
        "/api/v1/catalog/products", headers={"X-Company-Id": str(world.company_b.pk)}
    ).json()
    assert {item["sku"] for item in body["items"]} == {world.product_b.sku}
    me = client.get("/api/v1/me", headers={"X-Company-Id": str(world.company_b.pk)}).json()
    assert me["company"]["name"] == "Bravo Tools"
    assert {c["name"] for c in me["companies"]} == {"Alpha Electric", "Bravo Tools"}


def test_blocked_company_is_refused(world, client_for):
    world.company_a.is_blocked = True
    world.company_a.save()
    response = client_for(world.buyer_a.user).get("/api/v1/catalog/products")
    assert response.status_code == 403


@pytest.mark.parametrize("query", ["", "&sort=-price&in_stock=true"])
def test_list_query_count_does_not_grow(world, client_for, query, frozen_now):
    from dealerdesk.inventory.models import StockLevel, Warehouse
    from dealerdesk.pricing.models import Contract, Price, PriceType

    client = client_for(world.buyer_a.user)
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Contract.objects.create(company=world.company_a, name="Prepay", is_default=True)
    depot = Warehouse.objects.create(code="D", name="Depot", open_to_all=True)
    for n in range(30):
        product = f.ProductFactory(category=world.cat_a, sku=f"BULK-{n:03d}")
        f.BarcodeFactory(product=product)
        Price.objects.create(product=product, price_type=base, amount=n + 1)
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=5)
    client.get("/api/v1/catalog/products?per_page=5")  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/api/v1/catalog/products?per_page=5{query}").status_code == 200
    with CaptureQueriesContext(connection) as large:
        answer = client.get(f"/api/v1/catalog/products?per_page=30{query}")
    assert answer.status_code == 200
    bulk = [item for item in answer.json()["items"] if item["sku"].startswith("BULK-")]
    assert bulk
    assert all(item["price"]["priced"] for item in bulk)
    assert len(large) == len(small)
    # session, membership, contracts, scope, listing, pricing (7), stock (up to 5)
    assert len(large) <= 26


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/catalog/products" in response.json()["paths"]


def test_api_docs_need_no_cdn(world, client_for):
    response = client_for(world.buyer_a.user).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("code", ["\x00", "CAB\x00", "\x1b[31m", "\u200b"])
def test_lookup_of_unprintable_codes_is_404_not_500(world, client_for, code):
    response = client_for(world.buyer_a.user).get("/api/v1/catalog/lookup", {"code": code})
    assert response.status_code == 404
