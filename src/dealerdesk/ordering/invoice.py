"""The proforma invoice ("invoice for payment") a dealer downloads right after ordering.

The legal invoice comes from the ERP, later; a dealer on prepayment needs something to pay
against now. So the proforma is built only from the order's snapshot (never today's prices
or names) plus the supplier's bank details, and says plainly that the ERP's invoice replaces
it. The same HTML serves the browser's print view and WeasyPrint's PDF.

Every number is formatted here, not by Django's localization: the document is in English
whatever language the request runs in, and an invoice must read "1,234.56 EUR" the same on
screen, on paper and in the PDF.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from moneyed import CurrencyDoesNotExist
from num2words import num2words

from dealerdesk.catalog.choices import Unit
from dealerdesk.core.money import minor_unit_places
from dealerdesk.ordering.choices import DeliveryMethod
from dealerdesk.ordering.models import Order

__all__ = ["amount_in_words", "format_amount", "proforma_html", "proforma_pdf"]

TEMPLATE = "ordering/proforma.html"

# num2words' English forms that read wrong on an invoice: it says "two euro"; in running
# English text (and in the example the business gave us) it is "two euros".
_PLURALS = {"EUR": ("euro", "euros")}
# What ``settings.DEALERDESK_SUPPLIER`` provides; a missing one prints as nothing.
_SUPPLIER_KEYS = ("legal_name", "address", "tax_id", "bank_name", "iban", "bic", "email", "phone")


@dataclass(frozen=True)
class ProformaLine:
    """One printed line, every value already formatted for the page."""

    number: int
    sku: str
    name: str
    quantity: str
    unit: str
    unit_price: str
    vat_rate: str
    net: str


def proforma_html(order: Order) -> str:
    """The proforma as a standalone HTML page (inline CSS, no external references).

    Rendered in English on purpose: month names and choice labels must not follow the
    language of whoever happens to download it.
    """
    with translation.override("en"):
        return render_to_string(TEMPLATE, _context(order))


def proforma_pdf(order: Order) -> bytes:
    """The proforma as an A4 PDF.

    Nothing is fetched while rendering: no base URL and a URL fetcher that allows no
    protocol, so even a URL smuggled into the data could not make the server call out or
    read local files. Fonts come from the system (DejaVu Sans).
    """
    from weasyprint import HTML  # Imported late: loading Pango costs time at start-up.
    from weasyprint.urls import URLFetcher

    document = HTML(
        string=proforma_html(order),
        base_url=None,
        url_fetcher=URLFetcher(allowed_protocols=()),
    )
    pdf: bytes = document.write_pdf()
    return pdf


def amount_in_words(amount: Decimal, currency: str) -> str:
    """``amount`` spelled out in English, as banks and accountants expect on an invoice.

    num2words spells the currencies it knows ("One thousand, two hundred and thirty-four
    euros and fifty-six cents"); for the others, and for currencies whose minor unit is not
    a hundredth (num2words would print cents of a yen), the whole units are spelled and the
    minor units written as a fraction: "One thousand, two hundred and thirty-four UAH and
    56/100".
    """
    code = currency.strip().upper()
    places = _places(code)
    value = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole = int(abs(value))
    words = None
    if places == 2:
        with suppress(NotImplementedError):  # a currency num2words does not spell
            words = num2words(value, lang="en", to="currency", currency=code, separator=" and")
        if words is not None and code in _PLURALS and whole != 1:
            singular, plural = _PLURALS[code]
            words = re.sub(rf"\b{singular}\b", plural, words, count=1)
    if words is None:
        words = f"{num2words(whole, lang='en')} {code}"
        if places:
            minor = int((abs(value) - whole).scaleb(places))
            words += f" and {minor:0{places}d}/{10**places}"
        if value < 0:
            words = f"minus {words}"
    return words[:1].upper() + words[1:]


def format_amount(amount: Decimal, currency: str, *, code: bool = True) -> str:
    """``amount`` rounded half up to the currency's minor unit with thousands separators:
    "1,234.56 EUR" (or "1,234.56" without the code, for table cells under a headed column)."""
    places = _places(currency)
    value = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}"
    return f"{text} {currency}" if code else text


def payment_terms(days: int) -> str:
    """The contract's terms as the dealer reads them."""
    if days <= 0:
        return "Prepayment"
    return f"Payment within {days} day{'s' if days != 1 else ''}"


def _context(order: Order) -> dict[str, Any]:
    company = order.company
    currency = order.currency
    places = _places(currency)
    supplier = getattr(settings, "DEALERDESK_SUPPLIER", {}) or {}
    created = timezone.localtime(order.created_at) if order.created_at else timezone.localtime()
    lines = [
        ProformaLine(
            number=line.number,
            sku=line.sku,
            name=line.name,
            quantity=_number(line.quantity),
            unit=_unit_label(line.product.unit),
            unit_price=_number(line.unit_price, min_places=places),
            vat_rate=f"{_number(line.vat_rate)}%",
            net=format_amount(line.line_net, currency, code=False),
        )
        for line in order.lines.select_related("product").order_by("number")
    ]
    manager = company.personal_manager
    return {
        "number": order.number or str(order),
        "date": dateformat.format(created.date(), "j F Y"),
        "supplier_name": getattr(settings, "DEALERDESK_SUPPLIER_NAME", ""),
        "supplier": {key: str(supplier.get(key) or "") for key in _SUPPLIER_KEYS},
        "dealer": {
            "name": company.legal_name or company.name,
            "tax_id": company.tax_id,
            "email": company.email,
            "phone": company.phone,
        },
        "delivery_method": order.delivery_name
        or (
            str(DeliveryMethod(order.delivery_method).label)
            if order.delivery_method in DeliveryMethod.values
            else order.delivery_method
        ),
        "delivery_address": order.delivery_address,
        "desired_date": dateformat.format(order.desired_date, "j F Y")
        if order.desired_date
        else "",
        "po_number": order.po_number,
        "payment_terms": payment_terms(order.payment_terms_days),
        "currency": currency,
        "lines": lines,
        "total_net": format_amount(order.total_net, currency),
        "total_vat": format_amount(order.total_vat, currency),
        "total_gross": format_amount(order.total_gross, currency),
        "gross_in_words": amount_in_words(order.total_gross, currency),
        "manager": {
            "name": str(manager.user),
            "email": manager.user.email,
            "phone": manager.phone or manager.user.phone,
        }
        if manager is not None
        else None,
    }


def _places(currency: str) -> int:
    """The currency's minor unit; 2 for a code py-moneyed does not know, so an odd
    currency on an old contract still prints rather than failing the download."""
    try:
        return minor_unit_places(currency)
    except CurrencyDoesNotExist:
        return 2


def _number(value: Decimal, *, min_places: int = 0) -> str:
    """``value`` with thousands separators and no trailing zeros beyond ``min_places``:
    quantities "3", "2.5", "1,000"; a unit price "100.00" but "0.0125" (a price with more
    places than the currency must show them, or quantity x price would not add up)."""
    exponent = value.normalize().as_tuple().exponent
    shown = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{value:,.{shown}f}"


def _unit_label(code: str) -> str:
    return str(Unit(code).label) if code in Unit.values else code
