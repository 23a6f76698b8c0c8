"""Quantity rules: the minimum order quantity and the pack multiple of a product, and
whether a line may ask for more than there is (a backorder)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings

from dealerdesk.catalog.models import Product
from dealerdesk.inventory.availability import format_quantity
from dealerdesk.ordering.errors import LINE_MESSAGES, LineProblem

# Well inside the quantity column (12 digits, 3 decimals), so that adding two lines of one
# product never overflows it.
MAX_LINE_QUANTITY = Decimal(10) ** 8


def round_up(product: Product, quantity: Decimal) -> Decimal:
    """The nearest quantity the product can be ordered in at or above ``quantity`` (which
    must be a finite number below ``MAX_LINE_QUANTITY``; callers check it first)."""
    quantity = min(quantity, MAX_LINE_QUANTITY)
    pack = product.pack_multiple or Decimal(1)
    packs = (max(quantity, product.min_quantity) / pack).to_integral_value(ROUND_CEILING)
    return max(packs, Decimal(1)) * pack


def round_down(product: Product, quantity: Decimal) -> Decimal:
    """The largest whole number of packs at or below ``quantity`` (0 when not even one pack
    fits; the minimum order quantity is not applied)."""
    pack = product.pack_multiple or Decimal(1)
    if not quantity.is_finite() or quantity < pack:
        return Decimal(0)
    return (min(quantity, MAX_LINE_QUANTITY) / pack).to_integral_value(ROUND_FLOOR) * pack


def backorders_allowed() -> bool:
    """Whether a line may ask for more than there is, the rest waiting for the next delivery
    (``DEALERDESK_ALLOW_BACKORDERS``)."""
    return bool(getattr(settings, "DEALERDESK_ALLOW_BACKORDERS", True))


def quantity_problem(product: Product, quantity: Decimal) -> tuple[LineProblem, str] | None:
    """Why ``quantity`` cannot be ordered, with the message, or None if it can."""
    if not quantity.is_finite() or quantity <= 0:
        return LineProblem.NOT_POSITIVE, LINE_MESSAGES[LineProblem.NOT_POSITIVE]
    if quantity >= MAX_LINE_QUANTITY:
        return LineProblem.TOO_LARGE, LINE_MESSAGES[LineProblem.TOO_LARGE]
    if quantity < product.min_quantity:
        message = LINE_MESSAGES[LineProblem.BELOW_MINIMUM].format(
            minimum=format_quantity(product.min_quantity)
        )
        return LineProblem.BELOW_MINIMUM, message
    pack = product.pack_multiple or Decimal(1)
    if quantity % pack:
        lower = (quantity / pack).to_integral_value(ROUND_FLOOR) * pack
        choices = sorted({q for q in (lower, lower + pack) if q >= product.min_quantity})
        text = LINE_MESSAGES[LineProblem.NOT_PACK_MULTIPLE].format(
            pack=format_quantity(pack), choices=" or ".join(format_quantity(q) for q in choices)
        )
        return LineProblem.NOT_PACK_MULTIPLE, text
    return None
