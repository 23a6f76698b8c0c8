"""The ERP's invoice for a sales order, as a PDF (HTML and CSS through WeasyPrint)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape

from dealerdesk.erpsim.config import Supplier
from dealerdesk.erpsim.state import OrderLine, SalesOrder

STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1d2430; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
.muted { color: #5b6575; }
.head { display: flex; justify-content: space-between; margin-bottom: 8mm; }
table { width: 100%; border-collapse: collapse; margin-top: 6mm; }
th { text-align: left; border-bottom: 1.2pt solid #1d2430; padding: 1.5mm 1mm; }
td { border-bottom: 0.4pt solid #c9ced6; padding: 1.5mm 1mm; }
.num { text-align: right; white-space: nowrap; }
.totals { width: 45%; margin-left: auto; }
.totals td { border: none; }
.totals tr.grand td { font-weight: bold; border-top: 1.2pt solid #1d2430; }
"""

TOTAL_LABELS = {"net": "Net", "vat": "VAT", "gross": "Total"}


def invoice_html(order: SalesOrder, supplier: Supplier, issued_on: dt.date) -> str:
    e = escape
    company = order.company.get("name", "")
    named = any(line.name for line in order.lines)  # the portal's order lines carry no names
    rows = "".join(_row(line, named) for line in order.lines)
    totals = "".join(
        f'<tr class="{"grand" if key == "gross" else ""}"><td>{e(TOTAL_LABELS.get(key, key))}</td>'
        f'<td class="num">{e(value)} {e(order.currency)}</td></tr>'
        for key, value in order.totals.items()
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Invoice {e(order.invoice_number)}</title>
<style>{STYLE}</style></head>
<body>
<div class="head">
  <div>
    <h1>Invoice {e(order.invoice_number)}</h1>
    <div class="muted">Issued {issued_on.isoformat()} · sales order {e(order.erp_number)}
      · your order {e(order.number)}</div>
  </div>
  <div>
    <strong>{e(supplier.name)}</strong><br>{e(supplier.address)}<br>
    <span class="muted">VAT {e(supplier.tax_id)} · {e(supplier.email)}</span>
  </div>
</div>
<div><span class="muted">Bill to</span><br><strong>{e(company)}</strong></div>
<table>
  <thead><tr><th>#</th><th>SKU</th>{"<th>Item</th>" if named else ""}<th class="num">Qty</th>
  <th class="num">Unit price</th><th class="num">VAT</th><th class="num">Net</th></tr></thead>
  <tbody>{rows}</tbody>
</table>
<table class="totals"><tbody>{totals}</tbody></table>
<p class="muted">Please pay to IBAN {e(supplier.iban)}, quoting {e(order.invoice_number)}.</p>
</body></html>"""


def _row(line: OrderLine, named: bool) -> str:
    cells = [str(line.number), escape(line.sku)]
    if named:
        cells.append(escape(line.name))
    numbers = [
        _plain(line.quantity),
        _unit_price(line.unit_price),
        _rate(line.vat_rate),
        _money(line.net),
    ]
    return (
        "<tr>"
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "".join(f'<td class="num">{escape(cell)}</td>' for cell in numbers)
        + "</tr>"
    )


def render_invoice(order: SalesOrder, supplier: Supplier, issued_on: dt.date) -> bytes:
    # WeasyPrint takes a second to import: only a simulator that issues invoices pays for it.
    from weasyprint import HTML

    pdf: bytes = HTML(string=invoice_html(order, supplier, issued_on)).write_pdf()
    return pdf


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _rate(value: Decimal | None) -> str:
    return "" if value is None else f"{_plain(value)} %"


def _unit_price(value: Decimal) -> str:
    """As exact as the price is (a price per metre has four places), at least cents."""
    places = max(-int(value.normalize().as_tuple().exponent), 2)
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"
