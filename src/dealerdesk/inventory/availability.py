"""Available-to-promise and what a dealer may see of it: pure functions, no queries.

The display policy is a strategy per company (django-oscar's ``partner/strategy.py``):
``display_strategy_for(company)`` picks one, and pages and the API only ever call
``strategy.show(quantity)``; they never branch on the policy themselves. A ``StockDisplay``
carries the exact number only under the exact policy, so for banded, in/out and hidden
dealers the number cannot leave the server through it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings

from dealerdesk.accounts.choices import StockDisplayPolicy

if TYPE_CHECKING:
    from dealerdesk.accounts.models import Company

ZERO = Decimal("0")
IN_STOCK = "In stock"
OUT_OF_STOCK = "Out of stock"
FALLBACK_BANDS = (Decimal("10"), Decimal("100"), Decimal("1000"))


def available_to_promise(on_hand: Decimal, reserved: Decimal, safety_stock: Decimal) -> Decimal:
    """On hand - reserved - safety stock, never below zero (a backorder promises nothing)."""
    return max(ZERO, on_hand - reserved - safety_stock)


def format_quantity(quantity: Decimal) -> str:
    """A quantity without trailing zeros or exponent: 10.000 → "10", 2.500 → "2.5"."""
    text = f"{quantity.normalize():f}"
    return "0" if text in {"-0", ""} else text


@dataclass(frozen=True)
class StockDisplay:
    """What a dealer is shown for one quantity.

    ``label`` is the text to print; ``in_stock`` is None when the policy hides stock
    altogether; ``exact`` is set only under the exact policy.
    """

    label: str
    in_stock: bool | None
    exact: Decimal | None = None


HIDDEN = StockDisplay(label="", in_stock=None, exact=None)
OUT = StockDisplay(label=OUT_OF_STOCK, in_stock=False, exact=None)


class StockDisplayStrategy(ABC):
    """Turns an exact available quantity into what one dealer may see."""

    policy: ClassVar[StockDisplayPolicy]
    # False: the dealer learns nothing about stock (not even incoming receipts).
    shows_stock: ClassVar[bool] = True
    # True: the dealer sees the exact figure, so telling it whether a quantity is there
    # gives nothing away (under the other policies repeated yes/no answers would).
    exact_figures: ClassVar[bool] = False

    @abstractmethod
    def show(self, quantity: Decimal) -> StockDisplay:
        """The label (and, under the exact policy only, the number) for ``quantity``."""


@dataclass(frozen=True)
class ExactDisplay(StockDisplayStrategy):
    """The number itself; also what staff see for any dealer."""

    policy: ClassVar[StockDisplayPolicy] = StockDisplayPolicy.EXACT
    exact_figures: ClassVar[bool] = True

    def show(self, quantity: Decimal) -> StockDisplay:
        if quantity <= 0:
            return StockDisplay(label=OUT_OF_STOCK, in_stock=False, exact=ZERO)
        return StockDisplay(label=format_quantity(quantity), in_stock=True, exact=quantity)


@dataclass(frozen=True)
class BandedDisplay(StockDisplayStrategy):
    """ ">10", ">100", ">1000": the highest band the quantity is above.

    At or below the lowest band the number itself is shown (a dealer ordering the last few
    pieces needs it). A label never overstates: ">10" means at least a little more than 10,
    so exactly 10 is shown as "10".
    """

    policy: ClassVar[StockDisplayPolicy] = StockDisplayPolicy.BANDED
    bands: tuple[Decimal, ...] = FALLBACK_BANDS

    def show(self, quantity: Decimal) -> StockDisplay:
        if quantity <= 0:
            return OUT
        for band in reversed(self.bands):
            if quantity > band:
                return StockDisplay(label=f">{format_quantity(band)}", in_stock=True)
        return StockDisplay(label=format_quantity(quantity), in_stock=True)


@dataclass(frozen=True)
class InOutDisplay(StockDisplayStrategy):
    policy: ClassVar[StockDisplayPolicy] = StockDisplayPolicy.IN_OUT

    def show(self, quantity: Decimal) -> StockDisplay:
        if quantity <= 0:
            return OUT
        return StockDisplay(label=IN_STOCK, in_stock=True)


@dataclass(frozen=True)
class HiddenDisplay(StockDisplayStrategy):
    policy: ClassVar[StockDisplayPolicy] = StockDisplayPolicy.HIDDEN
    shows_stock: ClassVar[bool] = False

    def show(self, quantity: Decimal) -> StockDisplay:
        return HIDDEN


def parse_bands(raw: object) -> tuple[Decimal, ...]:
    """Positive thresholds in ascending order; anything else in the list is ignored.

    ``Company.stock_bands`` is JSON a person typed, so strings, negatives, booleans or a
    non-list must never break a page.
    """
    if not isinstance(raw, list | tuple):
        return ()
    bands: set[Decimal] = set()
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, int | float | str | Decimal):
            continue
        try:
            value = Decimal(str(item).strip())
        except InvalidOperation:
            continue
        if value.is_finite() and value > 0:
            bands.add(value)
    return tuple(sorted(bands))


def strategy_for(policy: str, bands: Iterable[object] = ()) -> StockDisplayStrategy:
    """The strategy for a policy; an unknown policy hides stock (fail closed)."""
    if policy == StockDisplayPolicy.EXACT:
        return ExactDisplay()
    if policy == StockDisplayPolicy.BANDED:
        chosen = parse_bands(list(bands)) or parse_bands(settings.DEALERDESK_STOCK_BANDS)
        return BandedDisplay(chosen or FALLBACK_BANDS)
    if policy == StockDisplayPolicy.IN_OUT:
        return InOutDisplay()
    return HiddenDisplay()


def display_strategy_for(company: Company) -> StockDisplayStrategy:
    """How this dealer sees stock: its policy with its own bands or the supplier's default."""
    bands = company.stock_bands if isinstance(company.stock_bands, list) else []
    return strategy_for(company.stock_display_policy, bands)
