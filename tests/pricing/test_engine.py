"""The pure engine: resolution order, explanation and rounding, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dealerdesk.core.money import round_money
from dealerdesk.pricing.choices import PromotionKind, VatRegime
from dealerdesk.pricing.engine import (
    BreakFacts,
    ContractFacts,
    CustomerPriceFacts,
    ListPrice,
    PriceTypeFacts,
    PricingContext,
    ProductFacts,
    PromotionFacts,
    price_line,
)

WHOLESALE = PriceTypeFacts(1, "Wholesale")
DEALER_A = PriceTypeFacts(2, "Dealer A")
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
PRODUCT = ProductFacts(10, "/1/2/", brand_id=7, vat_rate=Decimal(20))


def contract(**overrides: object) -> ContractFacts:
    values: dict[str, object] = {
        "id": 1,
        "name": "Deferment 30 days",
        "currency": "EUR",
        "vat_regime": VatRegime.STANDARD,
        "markup_percent": Decimal(0),
        "price_type": None,
    }
    values.update(overrides)
    return ContractFacts(**values)  # type: ignore[arg-type]


def context(**overrides: object) -> PricingContext:
    values: dict[str, object] = {
        "company_name": "Dealer One",
        "contract": contract(),
        "base_type": WHOLESALE,
        "at": NOW,
        "products": {PRODUCT.id: PRODUCT},
        "type_prices": {(PRODUCT.id, WHOLESALE.id): Decimal("120")},
    }
    values.update(overrides)
    return PricingContext(**values)  # type: ignore[arg-type]


def test_the_worked_example_from_the_brief() -> None:
    ctx = context(
        contract=contract(price_type=WHOLESALE, markup_percent=Decimal(3)),
        customer_prices={PRODUCT.id: [CustomerPriceFacts(Decimal("118"), for_contract=False)]},
        breaks={PRODUCT.id: [BreakFacts(Decimal(50), Decimal(5), specificity=0)]},
    )

    line = price_line(ctx, PRODUCT.id, Decimal(50))

    assert line.explanation == (
        "Base price type Wholesale 120.00 → your contract Deferment 30 days uses price type "
        "Wholesale +3% 123.60 → customer price for Dealer One 118.00 → quantity break ≥ 50: "
        "-5% 112.10 → VAT 20%"
    )
    assert line.unit_price == round_money(Decimal("112.10"), "EUR")
    assert line.list_price == round_money(Decimal("120"), "EUR")
    assert line.discount_percent == Decimal("6.58")
    assert line.line_net.amount == Decimal("5605.00")
    assert line.line_vat.amount == Decimal("1121.00")
    assert line.line_gross.amount == Decimal("6726.00")


def test_below_the_break_the_customer_price_stands() -> None:
    ctx = context(
        customer_prices={PRODUCT.id: [CustomerPriceFacts(Decimal("118"), for_contract=False)]},
        breaks={PRODUCT.id: [BreakFacts(Decimal(50), Decimal(5), specificity=0)]},
    )
    assert price_line(ctx, PRODUCT.id, Decimal(49)).unit_price.amount == Decimal("118.00")


def test_a_product_without_a_price_is_not_priced_and_says_why() -> None:
    line = price_line(context(type_prices={}), PRODUCT.id, Decimal(1))
    assert (line.priced, line.reason, line.unit_price) == (False, "no_price", None)
    assert price_line(context(), 999, Decimal(1)).reason == "not_in_catalog"


def test_the_contract_price_type_is_used_when_it_has_a_price() -> None:
    ctx = context(
        contract=contract(price_type=DEALER_A),
        type_prices={
            (PRODUCT.id, WHOLESALE.id): Decimal("120"),
            (PRODUCT.id, DEALER_A.id): Decimal("99.5"),
        },
    )
    line = price_line(ctx, PRODUCT.id, Decimal(1))
    assert line.unit_price.amount == Decimal("99.50")
    assert line.list_price.amount == Decimal("120.00")
    assert "uses price type Dealer A 99.50" in line.explanation


def test_price_list_overlaps_follow_one_rule() -> None:
    lists = [
        ListPrice(1, "Installers", "group Installers", priority=1, amount=Decimal("110")),
        ListPrice(2, "Gold", "tier Gold", priority=5, amount=Decimal("115")),
        ListPrice(3, "Gold promo", "tier Gold", priority=5, amount=Decimal("113")),
    ]
    line = price_line(context(list_prices={PRODUCT.id: lists}), PRODUCT.id, Decimal(1))
    assert line.unit_price.amount == Decimal("113.00")  # top priority, then the lower price


def test_a_contract_specific_customer_price_beats_a_general_one() -> None:
    prices = [
        CustomerPriceFacts(Decimal("100"), for_contract=False),
        CustomerPriceFacts(Decimal("105"), for_contract=True),
    ]
    line = price_line(context(customer_prices={PRODUCT.id: prices}), PRODUCT.id, Decimal(1))
    assert line.unit_price.amount == Decimal("105.00")


def test_the_dealers_own_breaks_beat_everyones() -> None:
    breaks = [
        BreakFacts(Decimal(10), Decimal(20), specificity=0),
        BreakFacts(Decimal(100), Decimal(3), specificity=2),
    ]
    ctx = context(breaks={PRODUCT.id: breaks})
    assert price_line(ctx, PRODUCT.id, Decimal(50)).unit_price.amount == Decimal("120.00")
    assert price_line(ctx, PRODUCT.id, Decimal(100)).unit_price.amount == Decimal("116.40")


def promotion(**overrides: object) -> PromotionFacts:
    values: dict[str, object] = {
        "id": 1,
        "name": "Autumn",
        "kind": PromotionKind.PERCENT_OFF,
        "value": Decimal(10),
        "currency": "EUR",
        "product_id": None,
        "category_path": "/1/",
        "brand_id": None,
    }
    values.update(overrides)
    return PromotionFacts(**values)  # type: ignore[arg-type]


def test_the_best_promotion_applies_and_promotions_do_not_stack() -> None:
    promotions = [
        promotion(id=1, value=Decimal(10)),
        promotion(id=2, name="Brand week", brand_id=7, category_path=None, value=Decimal(15)),
        promotion(id=3, name="Other brand", brand_id=8, category_path=None, value=Decimal(50)),
    ]
    line = price_line(context(promotions=promotions), PRODUCT.id, Decimal(1))
    assert line.unit_price.amount == Decimal("102.00")
    assert line.promotion == "Brand week"


def test_a_fixed_price_promotion_never_raises_the_price() -> None:
    higher = promotion(kind=PromotionKind.FIXED_PRICE, value=Decimal("130"))
    other_currency = promotion(
        id=2, kind=PromotionKind.FIXED_PRICE, value=Decimal(1), currency="USD"
    )
    line = price_line(context(promotions=[higher, other_currency]), PRODUCT.id, Decimal(1))
    assert line.unit_price.amount == Decimal("120.00")
    assert line.promotion is None


def test_zero_rated_contract_charges_no_vat() -> None:
    ctx = context(contract=contract(vat_regime=VatRegime.ZERO))
    line = price_line(ctx, PRODUCT.id, Decimal(2))
    assert (line.vat_rate, line.line_vat.amount, line.line_gross.amount) == (
        Decimal(0),
        Decimal("0.00"),
        Decimal("240.00"),
    )


def test_yen_are_rounded_to_whole_units() -> None:
    ctx = context(
        contract=contract(currency="JPY", markup_percent=Decimal("3.3")),
        type_prices={(PRODUCT.id, WHOLESALE.id): Decimal("1999")},
    )
    line = price_line(ctx, PRODUCT.id, Decimal(3))
    assert line.unit_price.amount == Decimal("2065")
    assert line.line_net.amount == Decimal("6195")


# --- properties ---------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=4)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=3)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)


@given(base=amounts, listed=amounts, negotiated=amounts, quantity=quantities)
def test_a_customer_price_beats_lists_which_beat_the_price_type(
    base: Decimal, listed: Decimal, negotiated: Decimal, quantity: Decimal
) -> None:
    with_list = context(
        type_prices={(PRODUCT.id, WHOLESALE.id): base},
        list_prices={PRODUCT.id: [ListPrice(1, "L", "group G", 0, listed)]},
    )
    assert price_line(with_list, PRODUCT.id, quantity).unit_price == round_money(listed, "EUR")
    with_both = context(
        type_prices={(PRODUCT.id, WHOLESALE.id): base},
        list_prices={PRODUCT.id: [ListPrice(1, "L", "group G", 0, listed)]},
        customer_prices={PRODUCT.id: [CustomerPriceFacts(negotiated, False)]},
    )
    assert price_line(with_both, PRODUCT.id, quantity).unit_price == round_money(negotiated, "EUR")


@given(
    base=amounts,
    break_at=quantities,
    break_percent=percents,
    promo_percent=percents,
    quantity=quantities,
)
def test_breaks_and_promotions_only_ever_lower_the_price(
    base: Decimal,
    break_at: Decimal,
    break_percent: Decimal,
    promo_percent: Decimal,
    quantity: Decimal,
) -> None:
    ctx = context(
        type_prices={(PRODUCT.id, WHOLESALE.id): base},
        breaks={PRODUCT.id: [BreakFacts(break_at, break_percent, 0)]},
        promotions=[promotion(value=promo_percent)],
    )
    line = price_line(ctx, PRODUCT.id, quantity)
    assert line.unit_price.amount <= round_money(base, "EUR").amount
    assert line.unit_price.amount >= 0


@given(base=amounts, small=quantities, extra=quantities, percent=percents, at=quantities)
def test_buying_more_never_raises_the_unit_price(
    base: Decimal, small: Decimal, extra: Decimal, percent: Decimal, at: Decimal
) -> None:
    ctx = context(
        type_prices={(PRODUCT.id, WHOLESALE.id): base},
        breaks={PRODUCT.id: [BreakFacts(at, percent, 0)]},
    )
    fewer = price_line(ctx, PRODUCT.id, small).unit_price
    more = price_line(ctx, PRODUCT.id, small + extra).unit_price
    assert more.amount <= fewer.amount


@given(
    base=amounts,
    quantity=quantities,
    vat=st.sampled_from([Decimal(0), Decimal(7), Decimal("10"), Decimal(20)]),
)
def test_rounding_happens_once_per_amount_at_the_line(
    base: Decimal, quantity: Decimal, vat: Decimal
) -> None:
    product = ProductFacts(PRODUCT.id, PRODUCT.category_path, PRODUCT.brand_id, vat)
    ctx = context(products={product.id: product}, type_prices={(product.id, WHOLESALE.id): base})
    line = price_line(ctx, product.id, quantity)
    assert line.unit_price.amount == round_money(base, "EUR").amount
    assert line.line_net.amount == round_money(line.unit_price.amount * quantity, "EUR").amount
    assert line.line_vat.amount == round_money(line.line_net.amount * vat / 100, "EUR").amount
    assert line.line_gross == line.line_net + line.line_vat
    for money in (line.unit_price, line.line_net, line.line_vat, line.line_gross):
        assert money.amount == money.amount.quantize(Decimal("0.01"))
        assert money.currency.code == "EUR"
