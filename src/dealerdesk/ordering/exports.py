"""A dealer's orders out to a spreadsheet: the order list, and one order's lines, as CSV or XLSX.

What the dealer and the ERP wrote (PO numbers, comments, product names) is text a
spreadsheet would run as a formula, so every text cell goes through ``neutralise_cell``;
amounts, quantities and rates are written as numbers (numeric cells with a number format in
XLSX), never as text, so a spreadsheet can sum them. Dates are in the portal's local time.

The order list can run to tens of thousands of orders: it reads the orders in chunks
(``QuerySet.iterator``) and writes as it reads, CSV as a generator of byte chunks and XLSX
through openpyxl's write-only workbook, so the orders never sit in memory all at once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, TypeAlias

from django.db.models import QuerySet
from django.utils import timezone
from moneyed import CurrencyDoesNotExist
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dealerdesk.core.money import minor_unit_places
from dealerdesk.ordering.models import Order, OrderLine
from dealerdesk.ordering.parsing import neutralise_cell

__all__ = [
    "LINE_COLUMNS",
    "ORDER_COLUMNS",
    "lines_csv",
    "lines_xlsx",
    "orders_csv",
    "orders_xlsx",
]

# Orders read from the database per round trip (a server-side cursor on PostgreSQL).
ORDERS_PER_FETCH = 2000
# CSV rows sent to the client per chunk of the streamed response.
CSV_ROWS_PER_CHUNK = 500
# Unit prices are stored with four decimals; quantities with three, VAT rates with two.
PRICE_PLACES = 4
QUANTITY_PLACES = 3
RATE_PLACES = 2

ORDER_COLUMNS = (
    "Order",
    "Placed",
    "Status",
    "Your PO",
    "ERP number",
    "Delivery",
    "Currency",
    "Net",
    "VAT",
    "Gross",
    "Placed by",
    "Comment",
)
ORDER_WIDTHS = (14, 17, 18, 18, 16, 24, 9, 13, 13, 13, 32, 40)

LINE_COLUMNS = (
    "Order",
    "Line",
    "SKU",
    "Name",
    "Warehouse",
    "Quantity",
    "Backorder",
    "Unit price",
    "VAT %",
    "Net",
    "VAT",
    "Gross",
    "Promotion",
)
LINE_WIDTHS = (14, 6, 16, 40, 10, 10, 10, 12, 7, 13, 13, 13, 24)

_DATE_FORMAT_CSV = "%Y-%m-%d %H:%M"
_DATE_FORMAT_XLSX = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Number:
    """A numeric cell: the value rounded to what is shown, and how many decimals are shown
    (the same in the CSV text and the XLSX number format)."""

    value: Decimal
    places: int


# A cell is text, a number or a moment (in local time, without a zone: spreadsheets have none).
Cell: TypeAlias = str | Number | dt.datetime


def _number(value: Decimal, *, min_places: int, max_places: int) -> Number:
    """``value`` rounded half up to ``max_places``, shown with no trailing zeros beyond
    ``min_places``: a quantity 2.500 is 2.5, a unit price 12.5000 in EUR is 12.50."""
    rounded = value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    exponent = rounded.normalize().as_tuple().exponent
    significant = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    places = max(min_places, min(max_places, significant))
    return Number(rounded.quantize(Decimal(1).scaleb(-places)), places)


def _money_places(currency: str) -> int:
    """The currency's minor unit; 2 for a code py-moneyed does not know, so an odd currency
    on an old contract still exports rather than failing the download."""
    try:
        return minor_unit_places(currency)
    except CurrencyDoesNotExist:
        return 2


def _amount(value: Decimal, currency: str) -> Number:
    places = _money_places(currency)
    return _number(value, min_places=places, max_places=places)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _placed_by(order: Order) -> str:
    dealer = order.placed_by.email
    if order.on_behalf_by is None:
        return dealer
    if order.on_behalf_by_id == order.placed_by_id:  # the manager ordered for the dealer
        return f"{order.on_behalf_by.email} (your manager)"
    return f"for {dealer} by {order.on_behalf_by.email}"


# --- rows ------------------------------------------------------------------------------------


def order_row(order: Order) -> list[Cell]:
    """One order as a row under ``ORDER_COLUMNS``; ``placed_by`` and ``on_behalf_by`` are
    read, so select them with the orders."""
    currency = order.currency
    return [
        order.number or "",
        _local(order.created_at),
        order.get_status_display(),
        order.po_number,
        order.erp_number,
        order.delivery_name or order.get_delivery_method_display(),
        currency,
        _amount(order.total_net, currency),
        _amount(order.total_vat, currency),
        _amount(order.total_gross, currency),
        _placed_by(order),
        order.comment,
    ]


def line_row(order: Order, line: OrderLine) -> list[Cell]:
    """One order line as a row under ``LINE_COLUMNS``; its warehouse is read."""
    currency = order.currency
    places = _money_places(currency)
    return [
        order.number or "",
        Number(Decimal(line.number), 0),
        line.sku,
        line.name,
        line.warehouse.code,
        _number(line.quantity, min_places=0, max_places=QUANTITY_PLACES),
        "yes" if line.backorder else "no",
        _number(line.unit_price, min_places=places, max_places=max(places, PRICE_PLACES)),
        _number(line.vat_rate, min_places=0, max_places=RATE_PLACES),
        _amount(line.line_net, currency),
        _amount(line.line_vat, currency),
        _amount(line.line_gross, currency),
        line.promotion,
    ]


def _order_rows(orders: QuerySet[Order]) -> Iterator[list[Cell]]:
    chosen = orders.select_related("placed_by", "on_behalf_by")
    for order in chosen.iterator(chunk_size=ORDERS_PER_FETCH):
        yield order_row(order)


def _line_rows(order: Order) -> Iterator[list[Cell]]:
    for line in order.lines.select_related("warehouse").order_by("number"):
        yield line_row(order, line)


# --- CSV ---------------------------------------------------------------------------------------


def _csv_text(cell: Cell) -> str:
    if isinstance(cell, Number):
        return f"{cell.value:f}"
    if isinstance(cell, dt.datetime):
        return cell.strftime(_DATE_FORMAT_CSV)
    return neutralise_cell(cell)


def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """UTF-8 with a byte order mark (without it Excel reads the file in the PC's code page),
    comma-separated, quoted only where needed; a chunk per ``CSV_ROWS_PER_CHUNK`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(title) for title in header])
    yield codecs.BOM_UTF8 + _drain(buffer)
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(cell) for cell in row])
        pending += 1
        if pending == CSV_ROWS_PER_CHUNK:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def orders_csv(orders: QuerySet[Order]) -> Iterator[bytes]:
    """The orders as CSV, one row per order, in the queryset's order; a generator of byte
    chunks, reading the orders as the chunks are taken."""
    return _csv_chunks(ORDER_COLUMNS, _order_rows(orders))


def lines_csv(order: Order) -> bytes:
    """The lines of one order as CSV."""
    return b"".join(_csv_chunks(LINE_COLUMNS, _line_rows(order)))


# --- XLSX --------------------------------------------------------------------------------------


def _xlsx_number_format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def _xlsx_cell(sheet: Any, cell: Cell) -> WriteOnlyCell:
    if isinstance(cell, Number):
        written = WriteOnlyCell(sheet, cell.value)
        written.number_format = _xlsx_number_format(cell.places)
        return written
    if isinstance(cell, dt.datetime):
        written = WriteOnlyCell(sheet, cell)
        written.number_format = _DATE_FORMAT_XLSX
        return written
    # XML cannot carry control characters (openpyxl refuses them), so they go first; then a
    # leading formula character is neutralised, and the cell is text whatever it looks like
    # (openpyxl would read "#N/A" as an error value).
    written = WriteOnlyCell(sheet, neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", cell)))
    written.data_type = "s"
    return written


def _write_xlsx(
    target: IO[bytes],
    title: str,
    header: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[Cell]],
) -> None:
    """One sheet: a bold header row kept in view, then the rows, written as they come."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Dealerdesk"
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    titles = []
    for title_text in header:
        cell = _xlsx_cell(sheet, title_text)
        cell.font = bold
        titles.append(cell)
    sheet.append(titles)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    workbook.save(target)


def orders_xlsx(orders: QuerySet[Order], target: IO[bytes]) -> None:
    """The orders as an XLSX workbook written to ``target`` (a file opened for binary
    writing), one row per order, in the queryset's order."""
    _write_xlsx(target, "Orders", ORDER_COLUMNS, ORDER_WIDTHS, _order_rows(orders))


def lines_xlsx(order: Order, target: IO[bytes]) -> None:
    """The lines of one order as an XLSX workbook written to ``target``."""
    _write_xlsx(target, "Lines", LINE_COLUMNS, LINE_WIDTHS, _line_rows(order))
