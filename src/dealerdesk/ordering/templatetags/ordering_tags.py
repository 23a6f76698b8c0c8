"""``{{ order.total_gross|amount:order.currency }}``: "1,234.50 EUR", rounded to the
currency's minor unit (amounts are stored with three places so that none is cut)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from dealerdesk.inventory.availability import format_quantity
from dealerdesk.ordering.invoice import format_amount

register = template.Library()


@register.filter
def amount(value: Any, currency: str) -> str:
    if value is None or value == "":
        return ""
    return format_amount(Decimal(value), str(currency))


@register.filter
def qty(value: Any) -> str:
    """A quantity without trailing zeros or exponent: 1000.000 → "1000"."""
    return "" if value is None or value == "" else format_quantity(Decimal(value))
