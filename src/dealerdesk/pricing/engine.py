"""The one pricing engine: pure functions over a read context, each step saying why.

Resolution order (docs/pricing.md has the worked example):

1. **Contract**: the contract's price type (or the base price type of its currency), with
   the contract's markup. The base price type's price is the *list price* every
   explanation starts from.
2. **Price list** for the dealer's customer group, tier or region replaces it. Overlaps: the
   higher priority wins; equal priority, the lower price; then the older list (lower id).
3. **Customer price** negotiated with this dealer replaces it; one made for this contract
   beats one for all contracts.
4. **Quantity break**: the most specific audience with breaks for the product (the dealer,
   else its group, else everyone), and within it the largest threshold the quantity reaches.
5. **Promotion**: of those that apply (product, category subtree or brand; everyone or the
   dealer's group; running now), the one giving the lowest price; promotions never stack
   and never raise a price.
6. **VAT** last: the product's rate, or zero under a zero-rated contract.

Every step works on exact Decimals. Rounding happens once per amount at the line, half up to
the currency's minor unit: the unit price, then line net = unit price times quantity, then
VAT = line net times rate; gross = net + VAT (core.money.round_money).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from dealerdesk.core.money import Money, minor_unit_places, round_money
from dealerdesk.pricing.choices import PromotionKind, VatRegime

HUNDRED = Decimal(100)


# --- the read context ---------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTypeFacts:
    id: int
    name: str


@dataclass(frozen=True)
class ContractFacts:
    id: int
    name: str
    currency: str
    vat_regime: str
    markup_percent: Decimal
    price_type: PriceTypeFacts | None  # None: the base price type


@dataclass(frozen=True)
class ProductFacts:
    id: int
    category_path: str
    brand_id: int | None
    vat_rate: Decimal


@dataclass(frozen=True)
class ListPrice:
    list_id: int
    name: str
    audience: str
    priority: int
    amount: Decimal


@dataclass(frozen=True)
class CustomerPriceFacts:
    amount: Decimal
    for_contract: bool


@dataclass(frozen=True)
class BreakFacts:
    min_quantity: Decimal
    discount_percent: Decimal
    specificity: int  # 2 the dealer, 1 its group, 0 everyone


@dataclass(frozen=True)
class PromotionFacts:
    id: int
    name: str
    kind: str
    value: Decimal
    currency: str
    product_id: int | None
    category_path: str | None
    brand_id: int | None

    def applies_to(self, product: ProductFacts) -> bool:
        if self.product_id is not None:
            return self.product_id == product.id
        if self.brand_id is not None:
            return self.brand_id == product.brand_id
        return bool(self.category_path) and product.category_path.startswith(
            self.category_path or ""
        )


@dataclass(frozen=True)
class PricingContext:
    """Everything pricing needs for one dealer, contract and set of products."""

    company_name: str
    contract: ContractFacts
    base_type: PriceTypeFacts | None
    at: datetime
    products: dict[int, ProductFacts]
    type_prices: dict[tuple[int, int], Decimal]  # (product id, price type id) -> amount
    list_prices: dict[int, list[ListPrice]] = field(default_factory=dict)
    customer_prices: dict[int, list[CustomerPriceFacts]] = field(default_factory=dict)
    breaks: dict[int, list[BreakFacts]] = field(default_factory=dict)
    promotions: Sequence[PromotionFacts] = ()


# --- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One link of the explanation: which rule, in words, and the unit price after it."""

    rule: str
    text: str
    unit_price: Decimal


@dataclass(frozen=True)
class PricedLine:
    product_id: int
    quantity: Decimal
    currency: str
    priced: bool
    reason: str = ""
    list_price: Money | None = None
    unit_price: Money | None = None
    unit_gross: Money | None = None
    discount_percent: Decimal | None = None
    vat_rate: Decimal = Decimal(0)
    line_net: Money | None = None
    line_vat: Money | None = None
    line_gross: Money | None = None
    promotion: str | None = None
    steps: tuple[Step, ...] = ()

    @property
    def explanation(self) -> str:
        return " → ".join(step.text for step in self.steps)


# --- the steps ----------------------------------------------------------------------------


def _fmt(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount, currency).amount:.{minor_unit_places(currency)}f}"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _contract_price(
    ctx: PricingContext, product: ProductFacts, steps: list[Step]
) -> tuple[Decimal | None, Decimal | None]:
    """(list price, contract price) or (…, None) when the contract's price type has none."""
    contract, currency = ctx.contract, ctx.contract.currency
    base = ctx.type_prices.get((product.id, ctx.base_type.id)) if ctx.base_type else None
    if base is not None and ctx.base_type is not None:
        steps.append(
            Step("base", f"Base price type {ctx.base_type.name} {_fmt(base, currency)}", base)
        )
    chosen = contract.price_type or ctx.base_type
    if chosen is None:
        return base, None
    amount = (
        base
        if ctx.base_type is not None and chosen.id == ctx.base_type.id
        else ctx.type_prices.get((product.id, chosen.id))
    )
    if amount is None:
        return base, None
    if contract.markup_percent:
        amount = amount * (HUNDRED + contract.markup_percent) / HUNDRED
    if chosen != ctx.base_type or contract.markup_percent:
        markup = (
            f" {'+' if contract.markup_percent > 0 else '-'}{_pct(abs(contract.markup_percent))}%"
            if contract.markup_percent
            else ""
        )
        steps.append(
            Step(
                "contract",
                f"your contract {contract.name} uses price type {chosen.name}{markup} "
                f"{_fmt(amount, currency)}",
                amount,
            )
        )
    return (base if base is not None else amount), amount


def _price_list(ctx: PricingContext, product_id: int, steps: list[Step]) -> Decimal | None:
    candidates = ctx.list_prices.get(product_id)
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (-c.priority, c.amount, c.list_id))
    steps.append(
        Step(
            "price_list",
            f"price list {best.name} for {best.audience} "
            f"{_fmt(best.amount, ctx.contract.currency)}",
            best.amount,
        )
    )
    return best.amount


def _customer_price(ctx: PricingContext, product_id: int, steps: list[Step]) -> Decimal | None:
    candidates = ctx.customer_prices.get(product_id)
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.for_contract, -c.amount))
    steps.append(
        Step(
            "customer_price",
            f"customer price for {ctx.company_name} {_fmt(best.amount, ctx.contract.currency)}",
            best.amount,
        )
    )
    return best.amount


def applicable_break(breaks: Sequence[BreakFacts], quantity: Decimal) -> BreakFacts | None:
    """Most specific audience that has breaks for the product, largest threshold reached."""
    if not breaks:
        return None
    audience = max(b.specificity for b in breaks)
    reached = [b for b in breaks if b.specificity == audience and b.min_quantity <= quantity]
    return max(reached, key=lambda b: b.min_quantity) if reached else None


def _promotion(
    ctx: PricingContext, product: ProductFacts, price: Decimal
) -> tuple[PromotionFacts, Decimal] | None:
    best: tuple[PromotionFacts, Decimal] | None = None
    for promotion in ctx.promotions:
        if not promotion.applies_to(product):
            continue
        if promotion.kind == PromotionKind.PERCENT_OFF:
            offer = price * (HUNDRED - promotion.value) / HUNDRED
        elif promotion.currency == ctx.contract.currency:
            offer = promotion.value
        else:
            continue
        if offer < price and (best is None or (offer, promotion.id) < (best[1], best[0].id)):
            best = (promotion, offer)
    return best


def price_line(ctx: PricingContext, product_id: int, quantity: Decimal) -> PricedLine:
    """Price one line; a product without a price says why instead of inventing one."""
    currency = ctx.contract.currency
    product = ctx.products.get(product_id)
    if product is None:
        return PricedLine(product_id, quantity, currency, priced=False, reason="not_in_catalog")
    steps: list[Step] = []
    list_price, price = _contract_price(ctx, product, steps)
    listed = _price_list(ctx, product_id, steps)
    price = listed if listed is not None else price
    negotiated = _customer_price(ctx, product_id, steps)
    price = negotiated if negotiated is not None else price
    if price is None:
        return PricedLine(
            product_id, quantity, currency, priced=False, reason="no_price", steps=tuple(steps)
        )

    quantity_break = applicable_break(ctx.breaks.get(product_id, ()), quantity)
    if quantity_break is not None and quantity_break.discount_percent:
        price = price * (HUNDRED - quantity_break.discount_percent) / HUNDRED
        steps.append(
            Step(
                "quantity_break",
                f"quantity break ≥ {_pct(quantity_break.min_quantity)}: "
                f"-{_pct(quantity_break.discount_percent)}% {_fmt(price, currency)}",
                price,
            )
        )

    promotion = _promotion(ctx, product, price)
    if promotion is not None:
        offer, price = promotion
        what = (
            f"-{_pct(offer.value)}%" if offer.kind == PromotionKind.PERCENT_OFF else "fixed price"
        )
        steps.append(
            Step("promotion", f"promotion {offer.name} ({what}) {_fmt(price, currency)}", price)
        )

    vat_rate = product.vat_rate if ctx.contract.vat_regime == VatRegime.STANDARD else Decimal(0)
    unit = round_money(price, currency)
    line_net = round_money(unit.amount * quantity, currency)
    line_vat = round_money(line_net.amount * vat_rate / HUNDRED, currency)
    listed_money = round_money(list_price, currency) if list_price is not None else None
    discount = None
    if listed_money is not None and listed_money.amount > 0:
        discount = ((listed_money.amount - unit.amount) / listed_money.amount * HUNDRED).quantize(
            Decimal("0.01")
        )
    steps.append(Step("vat", f"VAT {_pct(vat_rate)}%", price))
    return PricedLine(
        product_id=product_id,
        quantity=quantity,
        currency=currency,
        priced=True,
        list_price=listed_money,
        unit_price=unit,
        unit_gross=round_money(unit.amount * (HUNDRED + vat_rate) / HUNDRED, currency),
        discount_percent=discount,
        vat_rate=vat_rate,
        line_net=line_net,
        line_vat=line_vat,
        line_gross=line_net + line_vat,
        promotion=promotion[0].name if promotion else None,
        steps=tuple(steps),
    )


def line_totals(lines: Sequence[PricedLine], currency: str) -> tuple[Money, Money, Money]:
    """Net, VAT and gross of priced lines: the sums of the lines' own rounded amounts, so
    a cart, an order and its invoice add up the same way (unpriced lines count nothing)."""
    zero = Money(0, currency)
    net = sum((line.line_net or zero for line in lines if line.priced), zero)
    vat = sum((line.line_vat or zero for line in lines if line.priced), zero)
    return net, vat, net + vat
