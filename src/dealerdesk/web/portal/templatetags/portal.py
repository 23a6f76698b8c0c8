"""Template helpers of the dealer portal."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def offer_for(offers: dict[int, Any] | None, product_id: int) -> Any:
    """``{% with offer=offers|offer_for:product.pk %}``."""
    return (offers or {}).get(product_id)


@register.filter
def money(value: Any) -> str:
    """A Money amount with its currency code, as an invoice prints it: 1,234.50 EUR."""
    if value is None:
        return ""
    return f"{value.amount:,} {value.currency.code}"


@register.simple_tag
def list_query(filters: Any, **changes: Any) -> str:
    """``href="?{% list_query page.filters page=2 %}"``: the list's filters with changes;
    ``brand=None`` drops one."""
    return str(filters.query(**changes))
