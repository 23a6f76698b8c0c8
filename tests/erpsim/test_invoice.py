"""The ERP's invoice: what the dealer reads on it, exactly and safely."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dealerdesk.erpsim.config import Supplier
from dealerdesk.erpsim.invoice import invoice_html
from dealerdesk.erpsim.state import OrderLine, SalesOrder


def _order() -> SalesOrder:
    return SalesOrder(
        number="DD-0000123",
        erp_number="SO-000001",
        company={"name": "Alpha <Electric> & Co"},
        currency="EUR",
        totals={"net": "375.60", "vat": "71.36", "gross": "446.96"},
        lines=[
            OrderLine(1, "NYM-1", "P-1", 1, Decimal("500"), Decimal("0.5912"), Decimal("19.00")),
            OrderLine(2, "TOOL-9", None, 1, Decimal("1"), Decimal("80.0000"), Decimal("19.00")),
        ],
        received_at=0,
        invoice_number="INV-000007",
    )


def test_the_invoice_names_both_sides_the_numbers_and_exact_prices() -> None:
    html = invoice_html(_order(), Supplier(name="Northwind GmbH", iban="DE89"), dt.date(2027, 1, 5))

    assert "Invoice INV-000007" in html
    assert "SO-000001" in html
    assert "DD-0000123" in html
    assert "Northwind GmbH" in html
    assert "Alpha &lt;Electric&gt; &amp; Co" in html  # escaped, never markup
    assert "0.5912" in html  # a price per metre keeps its four places
    assert ">80.00<" in html
    assert ">295.60<" in html  # 500 x 0.5912, the line's net when the portal sent none
    assert "446.96 EUR" in html
    assert "2027-01-05" in html
    assert "<th>Item</th>" not in html  # the portal's lines carry no names
