"""Money: Decimal amounts that always carry their currency (py-moneyed), rounded on purpose.

Rounding rule (one for the whole product): half up, to the currency's minor unit (2 places
for EUR, 0 for JPY, 3 for KWD), applied once per amount at the line, never inside a price
chain. See docs/pricing.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from moneyed import CurrencyDoesNotExist, Money, get_currency

__all__ = ["Money", "minor_unit_places", "round_money", "validate_currency"]


def validate_currency(code: str) -> None:
    """Raise ValidationError unless ``code`` is an ISO 4217 currency code."""
    try:
        get_currency(code)
    except CurrencyDoesNotExist as error:
        raise ValidationError(
            "%(code)s is not an ISO 4217 currency code (for example EUR, USD, UAH).",
            code="invalid_currency",
            params={"code": code},
        ) from error


def minor_unit_places(currency: str) -> int:
    """Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD."""
    sub_unit = get_currency(currency).sub_unit or 1
    return len(str(sub_unit)) - 1


def round_money(amount: Decimal, currency: str) -> Money:
    """``amount`` rounded half up to the currency's minor unit, as Money."""
    places = minor_unit_places(currency)
    quantum = Decimal(1).scaleb(-places)
    return Money(amount.quantize(quantum, rounding=ROUND_HALF_UP), currency)


def money_text(value: Money | None) -> str:
    """A Money amount with its currency code, as an invoice prints it: 1,234.50 EUR."""
    return "" if value is None else f"{value.amount:,} {value.currency.code}"
