"""Quick order over HTTP: paste, upload, scan; every row checked on its own, good rows
to the cart, the rest back on the page with the reason."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from dealerdesk.ordering.models import CartLine
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.portal.pages import text

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def stocked(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    products = [
        f.ProductFactory(category=world.cat_a, sku=f"QO-{n:03d}", pack_multiple=D(1))
        for n in range(17)
    ]
    for product in [*products, world.product_a]:
        Price.objects.create(product=product, price_type=base, amount=D(10))
    from dealerdesk.inventory.models import StockLevel, Warehouse

    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    # Enough of everything: a row asking more than there is stays out of the cart
    # (tests/portal/test_short_rows.py).
    StockLevel.objects.bulk_create(
        StockLevel(product=product, warehouse=depot, on_hand=D(1000))
        for product in [*products, world.product_a]
    )
    return products


def _cart(product) -> Decimal | None:  # type: ignore[no-untyped-def]
    line = CartLine.objects.filter(product=product).first()
    return line.quantity if line else None


def test_a_paste_of_20_lines_with_3_bad_ones(world, client_for, stocked):
    world.product_a.pack_multiple = D(5)
    world.product_a.min_quantity = D(5)
    world.product_a.save()
    good = [f"{p.sku}\t{n + 1}" for n, p in enumerate(stocked)]
    bad = ["NOPE-1\t3", f"{stocked[0].sku}\tmany", f"{world.product_a.sku}\t7"]
    paste = "SKU\tQty\n" + "\n".join(good[:8] + bad + good[8:])

    response = client_for(world.buyer_a.user).post("/portal/quick-order/", {"lines": paste})

    page = text(response)
    assert response.status_code == 200
    assert "17 lines added to the cart, 3 need your attention" in page
    assert "The first line was read as a header and skipped." in page
    assert CartLine.objects.count() == 17
    assert _cart(stocked[16]) == D(17)
    assert "No product of your catalog has this SKU or barcode." in page
    assert "The quantity is not a number." in page
    assert "Sold in packs of 5: order 5 or 10." in page
    # the refused lines are back in the box, to fix and send again
    box = page.split('name="lines"')[1].split("</textarea>")[0]
    assert "NOPE-1" in box
    assert stocked[1].sku not in box


def test_rows_without_a_quantity_take_the_minimum(world, client_for, stocked):
    client_for(world.buyer_a.user).post("/portal/quick-order/", {"lines": stocked[0].sku})
    assert _cart(stocked[0]) == D(1)


def test_another_dealers_product_is_not_in_your_catalog(world, client_for, stocked):
    response = client_for(world.buyer_a.user).post(
        "/portal/quick-order/", {"lines": f"{world.product_b.sku} 2\n5901234123457 1"}
    )
    page = text(response)
    # the same answer as for a code nobody has: the catalog does not confirm it exists
    assert page.count("No product of your catalog has this SKU or barcode.") == 2
    assert world.product_b.name not in page
    assert not CartLine.objects.exists()


def test_a_windows_1251_csv_with_a_header(world, client_for, stocked):
    data = f"Артикул;Количество\r\n{stocked[0].sku};3\r\n{stocked[1].sku};4,0\r\n".encode("cp1251")
    upload = io.BytesIO(data)
    upload.name = "заказ.csv"

    response = client_for(world.buyer_a.user).post("/portal/quick-order/", {"file": upload})

    assert "2 lines added to the cart" in text(response)
    assert (_cart(stocked[0]), _cart(stocked[1])) == (D(3), D(4))


def test_an_excel_file_with_a_barcode_stored_as_a_number(world, client_for, stocked):
    f.BarcodeFactory(product=stocked[2], code="4006381333948")
    book = Workbook()
    sheet = book.active
    sheet.append(["SKU", "Quantity"])
    sheet.append([4006381333948, 6])
    sheet.append(['=HYPERLINK("http://evil.example","QO-003")', 1])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "order.xlsx"

    response = client_for(world.buyer_a.user).post("/portal/quick-order/", {"file": buffer})

    assert response.status_code == 200
    assert _cart(stocked[2]) == D(6)
    assert _cart(stocked[3]) is None  # the formula is not run, so it names nothing
    assert "1 line added to the cart, 1 needs your attention" in text(response)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.csv", b"QO-000;1\n" * (2_400_000), "The file is too large."),
        ("order.pdf", b"%PDF-1.7 nothing to see", "This type of file is not supported"),
        ("order.xlsx", b"not a zip at all", "could not be read"),
        ("empty.csv", b"", "There is nothing to order in it."),
    ],
)
def test_files_that_cannot_be_read_are_refused_clearly(
    world, client_for, stocked, name, data, message
):
    upload = io.BytesIO(data)
    upload.name = name
    response = client_for(world.buyer_a.user).post("/portal/quick-order/", {"file": upload})
    assert response.status_code == 400
    assert message.lower() in text(response).lower()
    assert not CartLine.objects.exists()


def test_ten_thousand_lines_are_answered_not_crashed(world, client_for, stocked):
    paste = "\n".join(f"UNKNOWN-{n}\t1" for n in range(10_000))
    response = client_for(world.buyer_a.user).post("/portal/quick-order/", {"lines": paste})
    assert response.status_code == 200
    assert "0 lines added to the cart, 10000 need your attention" in text(response)


def test_each_scan_adds_one_pack(world, client_for, stocked):
    stocked[4].pack_multiple = D(6)
    stocked[4].min_quantity = D(6)
    stocked[4].save()
    f.BarcodeFactory(product=stocked[4], code="4006381333955")
    client = client_for(world.buyer_a.user)

    first = client.post(
        "/portal/quick-order/scan/", {"code": "4006381333955"}, HTTP_HX_REQUEST="true"
    )
    second = client.post("/portal/quick-order/scan/", {"code": " 4006381333955 "})
    unknown = client.post("/portal/quick-order/scan/", {"code": "0000"})
    foreign = client.post("/portal/quick-order/scan/", {"code": "5901234123457"})

    assert first.status_code == second.status_code == 200
    assert "12 pcs in the cart" in text(second)
    assert _cart(stocked[4]) == D(12)
    assert unknown.status_code == foreign.status_code == 404
    assert "no product of your catalog has this code" in text(foreign)
