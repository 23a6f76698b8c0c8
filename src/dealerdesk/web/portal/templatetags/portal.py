"""Template helpers of the dealer portal."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse

from dealerdesk.core.money import money_text
from dealerdesk.inventory.availability import format_quantity

register = template.Library()


@register.filter
def offer_for(offers: dict[int, Any] | None, product_id: int) -> Any:
    """``{% with offer=offers|offer_for:product.pk %}``."""
    return (offers or {}).get(product_id)


@register.filter
def money(value: Any) -> str:
    """A Money amount with its currency code, as an invoice prints it: 1,234.50 EUR."""
    return money_text(value)


@register.simple_tag
def list_query(filters: Any, **changes: Any) -> str:
    """``href="?{% list_query page.filters page=2 %}"``: the list's filters with changes;
    ``brand=None`` drops one."""
    return str(filters.query(**changes))


_SENTINEL = 987654321


@lru_cache(maxsize=64)
def _url_pattern(url_name: str, prefix: str) -> str:
    return reverse(url_name, args=[_SENTINEL])


@register.filter
def url_for_pk(pk: int, url_name: str) -> str:
    """``{{ product.pk|url_for_pk:"portal:product" }}``: the same as ``{% url name pk %}``
    for a URL whose one argument is an id, at a fraction of the cost (a list page links
    each of its 48 products twice)."""
    pattern = _url_pattern(url_name, get_script_prefix())
    return pattern.replace(str(_SENTINEL), str(int(pk)), 1)


@register.filter
def qty(value: Any) -> str:
    """A quantity without trailing zeros or exponent: 1000.000 → "1000", 2.500 → "2.5"."""
    if value is None or value == "":
        return ""
    return format_quantity(Decimal(value))


@register.simple_tag(takes_context=True)
def product_cards(context: template.Context, products: Any, offers: Any, url_name: str) -> str:
    """The cards of a catalog list (``web.portal.cards``), with an add-to-cart form for
    people who may order."""
    from dealerdesk.web.portal.cards import CardContext
    from dealerdesk.web.portal.cards import product_cards as build

    request = context.get("request")
    membership = context.get("current_membership")
    contract = context.get("current_contract")
    has_contract = bool(contract() if callable(contract) else contract)
    can_order = bool(offers) and membership is not None and membership.can_order
    page = CardContext(
        link=lambda pk: url_for_pk(pk, url_name),
        offers=offers or None,
        has_contract=has_contract,
        add_url=reverse("portal:cart_add") if can_order else "",
        token=str(context.get("csrf_token", "")) if can_order else "",
        next_url=request.get_full_path() if can_order and request is not None else "",
    )
    return build(products, page)
