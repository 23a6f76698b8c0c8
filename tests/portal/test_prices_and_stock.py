"""Dealers see their own prices under the contract they chose, and stock as their policy
allows; nothing of another dealer's, and no exact number where it is banded or hidden."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(world):  # type: ignore[no-untyped-def]
    wholesale = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product in (world.product_a, world.product_b):
        Price.objects.create(product=product, price_type=wholesale, amount=Decimal("120"))
    prepay = Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    deferment = Contract.objects.create(
        company=world.company_a, name="Deferment 30 days", markup_percent=Decimal(3)
    )
    other = Contract.objects.create(company=world.company_b, name="Bravo terms", is_default=True)
    CustomerPrice.objects.create(
        company=world.company_b, product=world.product_a, amount=Decimal("77.77"), currency="EUR"
    )
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    StockLevel.objects.create(product=world.product_a, warehouse=depot, on_hand=Decimal("437.5"))
    StockLevel.objects.create(product=world.product_b, warehouse=depot, on_hand=Decimal("437.5"))
    return {"prepay": prepay, "deferment": deferment, "other": other}


def test_the_list_and_the_product_show_the_dealers_price_and_why(world, client_for, priced):
    client = client_for(world.buyer_a.user)

    listing = client.get("/portal/catalog/").content.decode()
    page = client.get(f"/portal/products/{world.product_a.pk}/").content.decode()

    assert "120.00 EUR" in listing
    assert "144.00 EUR incl. VAT" in listing
    assert "Base price type Wholesale 120.00" in page
    assert "77.77" not in listing + page  # Bravo's negotiated price


def test_switching_the_contract_reprices_and_sticks(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    url = f"/portal/products/{world.product_a.pk}/"

    response = client.post("/portal/contract/", {"contract": priced["deferment"].pk, "next": url})

    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "123.60 EUR" in page
    assert "your contract Deferment 30 days uses price type Wholesale +3% 123.60" in page
    assert "123.60 EUR" in client.get("/portal/catalog/").content.decode()


@pytest.mark.parametrize("value", ["other", "abc", "", "9" * 30])
def test_another_companys_or_a_bogus_contract_is_not_found(world, client_for, priced, value):
    client = client_for(world.buyer_a.user)
    contract = str(priced["other"].pk) if value == "other" else value
    response = client.post("/portal/contract/", {"contract": contract, "next": "/portal/"})
    assert response.status_code == 404
    assert "Bravo terms" not in client.get("/portal/").content.decode()


def test_the_header_lists_only_the_dealers_own_contracts(world, client_for, priced):
    header = client_for(world.buyer_a.user).get("/portal/").content.decode()
    assert "Prepayment · EUR" in header
    assert "Deferment 30 days · EUR" in header
    assert "Bravo terms" not in header


@pytest.mark.parametrize(
    ("policy", "shown"),
    [
        (StockDisplayPolicy.EXACT, "437.5"),
        (StockDisplayPolicy.BANDED, "&gt;100"),
        (StockDisplayPolicy.IN_OUT, "In stock"),
        (StockDisplayPolicy.HIDDEN, None),
    ],
)
def test_stock_follows_the_display_policy_and_never_leaks(world, client_for, priced, policy, shown):
    world.company_a.stock_display_policy = policy
    world.company_a.save()
    client = client_for(world.buyer_a.user)

    html = (
        client.get("/portal/catalog/").content.decode()
        + client.get(f"/portal/products/{world.product_a.pk}/").content.decode()
    )
    api = client.get(f"/api/v1/catalog/products/{world.product_a.pk}").content.decode()

    if shown:
        assert shown in html
    if policy != StockDisplayPolicy.EXACT:
        assert "437.5" not in html
        assert "437.5" not in api
