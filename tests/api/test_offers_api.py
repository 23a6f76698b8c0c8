"""Prices and stock over the API: the caller's own, under the contract it names, and stock
only as its display policy allows (no exact figure for banded, in/out or hidden)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.inventory.models import IncomingStock, StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType, QuantityBreak

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Price.objects.create(product=world.product_a, price_type=base, amount=Decimal("120"))
    Price.objects.create(product=world.product_a_child, price_type=base, amount=Decimal("80"))
    prepay = Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    deferment = Contract.objects.create(
        company=world.company_a,
        name="Deferment 30 days",
        markup_percent=Decimal(3),
        payment_terms_days=30,
    )
    bravo = Contract.objects.create(company=world.company_b, name="Bravo terms", is_default=True)
    CustomerPrice.objects.create(
        company=world.company_b, product=world.product_a, amount=Decimal("77.77"), currency="EUR"
    )
    QuantityBreak.objects.create(
        product=world.product_a, min_quantity=Decimal(50), discount_percent=Decimal(5)
    )
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    StockLevel.objects.create(product=world.product_a, warehouse=depot, on_hand=Decimal("437.5"))
    IncomingStock.objects.create(
        product=world.product_a,
        warehouse=depot,
        quantity=Decimal("263.5"),
        expected_date=dt.date(2030, 1, 15),
    )
    return {"prepay": prepay, "deferment": deferment, "bravo": bravo}


def test_the_list_carries_the_dealers_price_and_stock(world, client_for, offers):
    body = client_for(world.buyer_a.user).get("/api/v1/catalog/products?sort=price").json()

    assert body["contract_id"] == offers["prepay"].pk
    assert [item["sku"] for item in body["items"]] == ["CAB-002", "CAB-001"]
    item = body["items"][1]
    assert item["price"]["unit_net"] == "120.00"
    assert item["price"]["unit_gross"] == "144.00"
    assert item["price"]["currency"] == "EUR"
    assert item["price"]["explanation"][0]["text"] == "Base price type Wholesale 120.00"
    assert item["availability"]["total"] == {
        "label": "437.5",
        "in_stock": True,
        "quantity": "437.5",
    }
    assert item["availability"]["default_warehouse"]["code"] == "C"


def test_naming_a_contract_reprices(world, client_for, offers):
    client = client_for(world.buyer_a.user)
    url = f"/api/v1/catalog/products/{world.product_a.pk}?contract={offers['deferment'].pk}"

    body = client.get(url).json()

    assert body["price"]["contract_id"] == offers["deferment"].pk
    assert body["price"]["unit_net"] == "123.60"
    assert [row["min_quantity"] for row in body["quantity_breaks"]] == ["1", "50"]
    assert body["quantity_breaks"][1]["unit_net"] == "117.42"


@pytest.mark.parametrize("contract", ["bravo", 99999999])
def test_another_companys_contract_is_404(world, client_for, offers, contract):
    client = client_for(world.buyer_a.user)
    contract_id = offers["bravo"].pk if contract == "bravo" else contract
    for url in (
        f"/api/v1/catalog/products?contract={contract_id}",
        f"/api/v1/catalog/products/{world.product_a.pk}?contract={contract_id}",
        f"/api/v1/catalog/lookup?code=CAB-001&contract={contract_id}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bravo" not in response.content.decode()


def test_contracts_are_the_callers_own(world, client_for, offers):
    body = client_for(world.buyer_a.user).get("/api/v1/pricing/contracts").json()
    assert [c["name"] for c in body] == ["Prepayment", "Deferment 30 days"]
    assert body[0]["is_default"] is True
    assert body[1]["payment_terms_days"] == 30


def test_another_dealers_negotiated_price_never_appears(world, client_for, offers):
    client = client_for(world.buyer_a.user)
    answers = [
        client.get("/api/v1/catalog/products").content.decode(),
        client.get(f"/api/v1/catalog/products/{world.product_a.pk}").content.decode(),
        client.get("/api/v1/catalog/lookup?code=4006381333931").content.decode(),
        client.get("/api/v1/pricing/contracts").content.decode(),
    ]
    for answer in answers:
        assert "77.77" not in answer
        assert "Bravo terms" not in answer


@pytest.mark.parametrize(
    ("policy", "label", "in_stock"),
    [
        (StockDisplayPolicy.BANDED, ">100", True),
        (StockDisplayPolicy.IN_OUT, "In stock", True),
        (StockDisplayPolicy.HIDDEN, "", None),
    ],
)
def test_masked_stock_never_carries_the_number(world, client_for, offers, policy, label, in_stock):
    world.company_a.stock_display_policy = policy
    world.company_a.save()
    client = client_for(world.buyer_a.user)

    detail = client.get(f"/api/v1/catalog/products/{world.product_a.pk}")
    listing = client.get("/api/v1/catalog/products")
    scanned = client.get("/api/v1/catalog/lookup?code=CAB-001")

    body = detail.json()["availability"]
    assert body["policy"] == policy
    assert body["total"] == {"label": label, "in_stock": in_stock, "quantity": None}
    for raw in (detail.content, listing.content, scanned.content):
        assert b"437.5" not in raw
        assert b"263.5" not in raw  # the incoming receipt


def test_exact_stock_lists_warehouses_and_incoming(world, client_for, offers):
    body = client_for(world.buyer_a.user).get(f"/api/v1/catalog/products/{world.product_a.pk}")
    [warehouse] = body.json()["availability"]["warehouses"]
    assert warehouse["name"] == "Central"
    assert warehouse["is_default"] is True
    assert warehouse["incoming"] == [
        {
            "expected_date": "2030-01-15",
            "stock": {"label": "263.5", "in_stock": True, "quantity": "263.5"},
        }
    ]


def test_in_stock_only_over_the_api(world, client_for, offers):
    body = client_for(world.buyer_a.user).get("/api/v1/catalog/products?in_stock=true").json()
    assert [item["sku"] for item in body["items"]] == ["CAB-001"]
    assert body["total"] == 1


def test_a_dealer_without_contracts_gets_products_without_prices(world, client_for, offers):
    Contract.objects.filter(company=world.company_a).delete()
    body = client_for(world.buyer_a.user).get("/api/v1/catalog/products?sort=price").json()
    assert body["contract_id"] is None
    assert [item["price"] for item in body["items"]] == [None, None]
    assert [item["sku"] for item in body["items"]] == ["CAB-001", "CAB-002"]  # by name


@pytest.mark.parametrize(
    "query", ["contract=abc", "contract=0", "contract=-1", "in_stock=maybe", "sort=price;drop"]
)
def test_bad_offer_parameters_are_422(world, client_for, offers, query):
    response = client_for(world.buyer_a.user).get(f"/api/v1/catalog/products?{query}")
    assert response.status_code == 422
