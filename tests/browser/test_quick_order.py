"""Quick order one line at a time, in Chromium: type part of an SKU, pick a suggestion with
the keyboard, ask for more than the default warehouse has and take another warehouse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.models import CartLine
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.browser.test_pricing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pick_a_suggestion_by_keyboard_then_take_another_warehouse(live_server, page, world):
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product in (world.product_a, world.product_a_child):
        Price.objects.create(product=product, price_type=base, amount=Decimal(120))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    central = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    north = Warehouse.objects.create(code="N", name="North", open_to_all=True, sort_order=5)
    StockLevel.objects.create(product=world.product_a_child, warehouse=central, on_hand=10)
    StockLevel.objects.create(product=world.product_a_child, warehouse=north, on_hand=40)
    world.buyer_a.user.set_password(f.PASSWORD)
    world.buyer_a.user.save()

    sign_in(page, live_server.url, world.buyer_a.user.email)
    page.goto(f"{live_server.url}/portal/quick-order/")
    page.click("#line-code")
    page.keyboard.type("cab")
    page.wait_for_selector("#line-suggestions [role=option] >> nth=1")
    assert page.get_attribute("#line-code", "aria-expanded") == "true"
    assert page.input_value("#line-code") == "cab"  # the suggestions leave the box alone
    assert "120.00 EUR" in page.inner_text("#line-suggestions")

    page.keyboard.press("Escape")
    assert page.is_hidden("#line-suggestions")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#line-code", "aria-activedescendant") == "line-suggestions-2"
    page.keyboard.press("Enter")

    assert page.input_value("#line-code") == "CAB-002"
    assert page.evaluate("document.activeElement.id") == "line-qty"
    assert page.is_hidden("#line-suggestions")
    assert not CartLine.objects.exists()  # Enter picked; it did not send the line

    page.keyboard.type("15")
    page.keyboard.press("Enter")
    row = page.locator("#typed-rows tbody tr").first
    row.locator(".short-reason").wait_for()
    assert "Only 10 available in Central." in row.inner_text()
    row.locator("button:has-text('From North (40)')").click()
    row.locator(".short-offer.done").wait_for()
    assert "15 pcs of CAB-002 in the cart from North." in row.inner_text()
    line = CartLine.objects.get()
    assert (line.warehouse_id, line.quantity) == (north.pk, Decimal(15))


def test_a_scan_the_catalog_does_not_know_says_so(live_server, page, world):
    """A refused scan answers 404 with a fragment that says why; it must reach the page."""
    world.buyer_a.user.set_password(f.PASSWORD)
    world.buyer_a.user.save()

    sign_in(page, live_server.url, world.buyer_a.user.email)
    page.goto(f"{live_server.url}/portal/quick-order/")
    page.fill("#scan-form input[name=code]", "0000000000000")
    page.press("#scan-form input[name=code]", "Enter")

    page.wait_for_selector("#scan-log >> text=no product of your catalog has this code")
    assert not CartLine.objects.exists()
