"""The display policy: what a dealer may see of an exact quantity (pure, no database)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.accounts.models import Company
from dealerdesk.inventory.availability import (
    BandedDisplay,
    ExactDisplay,
    HiddenDisplay,
    InOutDisplay,
    available_to_promise,
    display_strategy_for,
    format_quantity,
    parse_bands,
    strategy_for,
)

quantities = st.decimals(
    min_value=Decimal("-50"), max_value=Decimal("100000"), places=3, allow_nan=False
)
band_lists = st.lists(
    st.integers(min_value=1, max_value=5000), min_size=1, max_size=5, unique=True
).map(lambda bands: tuple(Decimal(b) for b in sorted(bands)))


def _rank(label: str, bands: tuple[Decimal, ...]) -> Decimal:
    """A label as the least quantity it claims: ">100" → 100, "7" → 7, out of stock → 0."""
    if label.startswith(">"):
        return Decimal(label[1:])
    if re.fullmatch(r"[0-9.]+", label):
        return Decimal(label)
    return Decimal("0")


def test_available_to_promise_subtracts_reserved_and_safety_stock() -> None:
    assert available_to_promise(Decimal("50"), Decimal("12"), Decimal("5")) == Decimal("33")


def test_available_to_promise_is_never_negative_even_for_a_backorder() -> None:
    assert available_to_promise(Decimal("5"), Decimal("9"), Decimal("0")) == Decimal("0")


@given(on_hand=quantities, reserved=quantities, safety=quantities)
def test_available_to_promise_is_never_negative(
    on_hand: Decimal, reserved: Decimal, safety: Decimal
) -> None:
    assert available_to_promise(on_hand, reserved, safety) >= 0


@pytest.mark.parametrize(
    ("quantity", "label"),
    [
        (Decimal("0"), "Out of stock"),
        (Decimal("3"), "3"),
        (Decimal("10"), "10"),
        (Decimal("10.5"), ">10"),
        (Decimal("11"), ">10"),
        (Decimal("100"), ">10"),
        (Decimal("101"), ">100"),
        (Decimal("5000"), ">1000"),
    ],
)
def test_banded_labels_with_the_default_bands(quantity: Decimal, label: str) -> None:
    shown = BandedDisplay().show(quantity)

    assert shown.label == label
    assert shown.exact is None


def test_exact_policy_shows_the_number_without_trailing_zeros() -> None:
    shown = ExactDisplay().show(Decimal("42.500"))

    assert (shown.label, shown.in_stock, shown.exact) == ("42.5", True, Decimal("42.500"))


def test_exact_policy_says_out_of_stock_at_zero() -> None:
    shown = ExactDisplay().show(Decimal("0"))

    assert (shown.label, shown.in_stock, shown.exact) == ("Out of stock", False, Decimal("0"))


def test_in_out_and_hidden_show_no_number() -> None:
    assert InOutDisplay().show(Decimal("7")).label == "In stock"
    assert InOutDisplay().show(Decimal("0")).label == "Out of stock"
    hidden = HiddenDisplay().show(Decimal("7"))
    assert (hidden.label, hidden.in_stock, hidden.exact) == ("", None, None)


def test_format_quantity_never_uses_an_exponent() -> None:
    assert format_quantity(Decimal("1000.000")) == "1000"
    assert format_quantity(Decimal("0.000")) == "0"


@given(bands=band_lists, a=quantities, b=quantities)
def test_banding_is_monotonic(bands: tuple[Decimal, ...], a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    strategy = BandedDisplay(bands)

    assert _rank(strategy.show(low).label, bands) <= _rank(strategy.show(high).label, bands)


@given(bands=band_lists, quantity=quantities)
def test_banding_never_reveals_a_number_above_the_lowest_band(
    bands: tuple[Decimal, ...], quantity: Decimal
) -> None:
    shown = BandedDisplay(bands).show(quantity)

    assert shown.exact is None
    if re.fullmatch(r"[0-9.]+", shown.label):
        assert Decimal(shown.label) == quantity
        assert quantity <= bands[0]


@given(bands=band_lists, quantity=quantities)
def test_a_band_label_never_overstates(bands: tuple[Decimal, ...], quantity: Decimal) -> None:
    shown = BandedDisplay(bands).show(quantity)

    if shown.label.startswith(">"):
        assert quantity > Decimal(shown.label[1:])
        assert Decimal(shown.label[1:]) in bands


@given(policy=st.sampled_from(list(StockDisplayPolicy)), bands=band_lists, quantity=quantities)
def test_label_agrees_with_in_stock(
    policy: StockDisplayPolicy, bands: tuple[Decimal, ...], quantity: Decimal
) -> None:
    shown = strategy_for(policy, bands).show(quantity)

    if policy == StockDisplayPolicy.HIDDEN:
        assert (shown.label, shown.in_stock) == ("", None)
    elif quantity > 0:
        assert shown.in_stock is True
        assert shown.label not in {"", "Out of stock"}
    else:
        assert (shown.in_stock, shown.label) == (False, "Out of stock")
    if policy != StockDisplayPolicy.EXACT:
        assert shown.exact is None


def test_bands_a_person_typed_badly_are_cleaned() -> None:
    assert parse_bands([500, "50", -1, 0, True, "x", None, 50.0, [1]]) == (
        Decimal("50"),
        Decimal("500"),
    )
    assert parse_bands("10,100") == ()


def test_company_bands_win_over_the_supplier_default(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEALERDESK_STOCK_BANDS = [20, 200]
    own = Company(stock_display_policy=StockDisplayPolicy.BANDED, stock_bands=[5, 50])
    default = Company(stock_display_policy=StockDisplayPolicy.BANDED, stock_bands=[])
    garbage = Company(stock_display_policy=StockDisplayPolicy.BANDED, stock_bands=["x"])

    assert display_strategy_for(own) == BandedDisplay((Decimal("5"), Decimal("50")))
    assert display_strategy_for(default) == BandedDisplay((Decimal("20"), Decimal("200")))
    assert display_strategy_for(garbage) == BandedDisplay((Decimal("20"), Decimal("200")))


def test_an_unknown_policy_hides_stock() -> None:
    assert isinstance(strategy_for("something-new"), HiddenDisplay)
