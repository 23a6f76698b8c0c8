"""A dealer switches contract on a product page and watches the price change in place."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", f.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/portal/$"))


def test_switching_contract_reprices_in_place_and_explains(live_server, browser, world):
    wholesale = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Price.objects.create(product=world.product_a, price_type=wholesale, amount=Decimal(120))
    Price.objects.create(product=world.product_b, price_type=wholesale, amount=Decimal(120))
    Contract.objects.create(company=world.company_a, name="100% prepayment", is_default=True)
    Contract.objects.create(
        company=world.company_a, name="Deferment 30 days", markup_percent=Decimal(3)
    )
    Contract.objects.create(company=world.company_b, name="Deferment 15 days", is_default=True)
    CustomerPrice.objects.create(
        company=world.company_b, product=world.product_b, amount=Decimal(99), currency="EUR"
    )
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    StockLevel.objects.create(product=world.product_b, warehouse=depot, on_hand=Decimal("437.5"))
    world.company_b.stock_display_policy = StockDisplayPolicy.BANDED
    world.company_b.save()
    for membership in (world.buyer_a, world.buyer_b):
        membership.user.set_password(f.PASSWORD)
        membership.user.save()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, world.buyer_a.user.email)
    page.goto(f"{live_server.url}/portal/products/{world.product_a.pk}/")
    price = page.locator(".offer-detail [data-price]")
    assert price.inner_text() == "120.00 EUR"
    page.evaluate("window.__same_page = true")

    page.select_option("#contract-select", label="Deferment 30 days · EUR")
    page.wait_for_function(
        "document.querySelector('.offer-detail [data-price]').innerText === '123.60 EUR'"
    )
    assert page.evaluate("window.__same_page === true"), "the page reloaded"
    page.click(".offer-detail summary:has-text('Why this price')")
    steps = page.inner_text(".offer-detail .why ol")
    assert "Base price type Wholesale 120.00" in steps
    assert "your contract Deferment 30 days uses price type Wholesale +3% 123.60" in steps
    page.reload()
    assert price.inner_text() == "123.60 EUR"  # the choice sticks
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, world.buyer_b.user.email)
    page.goto(f"{live_server.url}/portal/products/{world.product_b.pk}/")
    assert page.locator(".offer-detail [data-price]").inner_text() == "99.00 EUR"
    assert page.inner_text("#stock-table").count(">100") == 2  # the depot row and the total
    assert "437.5" not in page.content()
    context.close()
