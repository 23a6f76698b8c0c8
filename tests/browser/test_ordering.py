"""A buyer pastes an order, fixes a bad line, checks out, downloads the invoice, finds the
order in the history and orders it again: in Chromium, against the live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.models import DeliveryAddress, Order
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.browser.test_pricing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _poppler() -> tuple[str, str]:
    """Full paths of pdftotext and pdftoppm."""
    text, image = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if not (text and image):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and poppler-utils (pdftoppm, pdftotext) is not installed")
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    return text, image


def test_paste_fix_checkout_invoice_history_reorder(live_server, page, world, delivery_options):
    pdftotext, pdftoppm = _poppler()
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    products = [
        f.ProductFactory(category=world.cat_a, sku=f"PASTE-{n:02d}", name=f"Paste item {n}")
        for n in range(18)
    ]
    for product in products:
        Price.objects.create(product=product, price_type=base, amount=Decimal("2.50"))
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=Decimal(100))
    world.buyer_a.user.set_password(f.PASSWORD)
    world.buyer_a.user.save()

    sign_in(page, live_server.url, world.buyer_a.user.email)
    page.click("nav.mainnav >> text=Quick order")
    # 20 lines, 3 of them bad: an unknown code, a word for a quantity, a typo in a SKU
    lines = [f"{p.sku}\t{n + 1}" for n, p in enumerate(products[:17])]
    lines[3:3] = ["NO-SUCH-SKU\t2", f"{products[17].sku}\tten", "PASTE-1X\t4"]
    page.fill("#lines", "\n".join(lines))
    page.click("#quick-submit")
    page.wait_for_selector("#quick-result")
    assert "17 lines added to the cart, 3 need your attention" in page.inner_text("#quick-result")
    assert page.locator("#quick-rows tr.has-error").count() == 3

    # fix the quantity of one bad line and send the box again
    box = page.input_value("#lines")
    assert "NO-SUCH-SKU" in box
    page.fill("#lines", box.replace(f"{products[17].sku}\tten", f"{products[17].sku}\t10"))
    page.click("#quick-submit")
    page.wait_for_selector("#quick-result")
    assert "1 line added to the cart, 2 need your attention" in page.inner_text("#quick-result")

    # check out with a delivery method
    page.click("nav.mainnav >> text=Cart")
    assert page.locator("#cart-lines tbody tr").count() == 18
    assert not page.is_visible("#address-block")  # pickup needs no address
    page.check("label:has-text('Carrier') >> input")
    page.click("#terms-" + str(delivery_options["carrier"].pk) + " >> xpath=.. >> button")
    assert page.is_visible("#terms-" + str(delivery_options["carrier"].pk))
    assert "Needs a delivery address." in page.inner_text(
        "#terms-" + str(delivery_options["carrier"].pk)
    )
    page.keyboard.press("Escape")
    page.fill("#id_delivery_address", "Industriestr. 5\n10115 Berlin")
    page.fill("#id_save_address_as", "Berlin shop")
    page.fill("#id_po_number", "PO-BROWSER-1")
    page.click("#place-order")
    page.wait_for_selector("#thank-you")
    order = Order.objects.get()
    assert order.number in page.inner_text("#thank-you")
    assert order.delivery_address == "Industriestr. 5\n10115 Berlin"
    assert DeliveryAddress.objects.get(company=world.company_a).label == "Berlin shop"
    total = f"{order.total_gross:,.2f} EUR"

    # the invoice: a PDF with the number and the total, page 1 not blank
    with page.expect_download() as download_info:
        page.click("#proforma-download")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "proforma.pdf"
        download_info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        words = subprocess.run(  # noqa: S603 - poppler on a file we just wrote
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert order.number in words
        assert total in words
        subprocess.run(  # noqa: S603
            [pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), f"{folder}/page"],
            check=True,
        )
        [png] = Path(folder).glob("page*.png")
        gray = Image.open(png).convert("L")
        inked = sum(gray.histogram()[:200])
        assert inked > gray.width * gray.height * 0.01, "page 1 looks blank"

    # the history lists it; order again fills the cart
    page.click("nav.mainnav >> text=Orders")
    row = page.locator(f"#order-list tr[data-order='{order.number}']")
    assert "PO-BROWSER-1" in row.inner_text()
    row.locator("a").click()
    page.click("#order-again")
    page.wait_for_url(re.compile(r"/portal/cart/$"))
    assert "18 line(s) of" in page.inner_text(".messages")
    assert page.locator("#cart-lines tbody tr").count() == 18
