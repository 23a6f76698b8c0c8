"""Reads of the pricing domain: a dealer's contracts, and ``price_lines`` — the one entry
point that prices many lines at once in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, NullIf
from django.db.models.lookups import StartsWith
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import category_paths
from dealerdesk.pricing.choices import PromotionKind
from dealerdesk.pricing.engine import (
    HUNDRED,
    BreakFacts,
    ContractFacts,
    CustomerPriceFacts,
    ListPrice,
    PricedLine,
    PriceTypeFacts,
    PricingContext,
    ProductFacts,
    PromotionFacts,
    price_line,
)
from dealerdesk.pricing.events import PRICING
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceList,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)


def _valid_on(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def contracts_for(
    company: Company, at: datetime | None = None, *, cached: bool = True
) -> list[Contract]:
    """The dealer's active contracts valid that day (today), the default one first
    (cached until a contract changes; ``cached=False`` reads the database, as placing an
    order does)."""
    day = timezone.localdate(at) if at else timezone.localdate()

    def read() -> list[Contract]:
        return list(
            Contract.objects.filter(company=company, is_active=True)
            .filter(_valid_on(day))
            .select_related("price_type")
            .order_by("-is_default", "name")
        )

    if not cached:
        return read()
    return PRICING.get_or_set(("contracts", company.pk, day.isoformat()), read)


def contract_for(
    company: Company, contract_id: int | None, *, cached: bool = True
) -> Contract | None:
    """The contract chosen (only one of the company's own), else its default, else None."""
    contracts = contracts_for(company, cached=cached)
    chosen = next((c for c in contracts if c.pk == contract_id), None)
    return chosen or (contracts[0] if contracts else None)


# --- the rows each step reads (shared by the context and the price order) ------------------


def _base_type(currency: str) -> PriceType | None:
    """The base price type of a currency (cached until a price type changes)."""
    (found,) = PRICING.get_or_set(
        ("base", currency),
        lambda: (PriceType.objects.filter(is_base=True, currency=currency).first(),),
    )
    return found


def _type_price_rows(type_ids: Iterable[int], day: date) -> QuerySet[Price]:
    """Prices of these types valid on ``day``."""
    return Price.objects.filter(price_type_id__in=list(type_ids)).filter(_valid_on(day))


@dataclass(frozen=True)
class _ListFacts:
    id: int
    name: str
    audience: str
    priority: int


def _price_lists(company: Company, currency: str, day: date) -> dict[int, _ListFacts]:
    """The active price lists for the company's group, tier or region valid on ``day``
    (cached until a price list changes; their items are read per page)."""
    key = (
        "lists",
        company.customer_group_id or 0,
        company.tier_id or 0,
        company.region_id or 0,
        currency,
        day.isoformat(),
    )

    def read() -> dict[int, _ListFacts]:
        audience = Q(pk__in=[])
        if company.customer_group_id:
            audience |= Q(customer_group_id=company.customer_group_id)
        if company.tier_id:
            audience |= Q(tier_id=company.tier_id)
        if company.region_id:
            audience |= Q(region_id=company.region_id)
        lists = (
            PriceList.objects.filter(audience, is_active=True, currency=currency)
            .filter(_valid_on(day))
            .select_related("customer_group", "tier", "region")
        )
        return {
            row.pk: _ListFacts(row.pk, row.name, row.audience_label, row.priority) for row in lists
        }

    return PRICING.get_or_set(key, read)


def _list_item_rows(company: Company, currency: str, day: date) -> QuerySet[PriceListItem]:
    """Items of the active price lists for the company's group, tier or region."""
    return PriceListItem.objects.filter(
        price_list_id__in=list(_price_lists(company, currency, day))
    )


def _customer_price_rows(
    company: Company, contract: Contract, day: date
) -> QuerySet[CustomerPrice]:
    """The dealer's negotiated prices for all its contracts or this one."""
    return (
        CustomerPrice.objects.filter(company=company, currency=contract.currency)
        .filter(Q(contract__isnull=True) | Q(contract=contract))
        .filter(_valid_on(day))
    )


def _break_rows(company: Company) -> QuerySet[Any]:
    """Breaks for everyone, the dealer's group, or the dealer, with how specific each is
    (``specificity``: 2 the dealer, 1 its group, 0 everyone)."""
    audience = Q(company__isnull=True, customer_group__isnull=True) | Q(company=company)
    if company.customer_group_id:
        audience |= Q(customer_group_id=company.customer_group_id)
    return QuantityBreak.objects.filter(audience).annotate(
        specificity=Case(
            When(company__isnull=False, then=Value(2)),
            When(customer_group__isnull=False, then=Value(1)),
            default=Value(0),
        )
    )


def _running_promotions(
    company: Company, at: datetime, until: datetime | None = None
) -> QuerySet[Promotion]:
    """Promotions for everyone or the dealer's group running at ``at`` (or at any moment
    from ``at`` to ``until``)."""
    group = Q(customer_group__isnull=True)
    if company.customer_group_id:
        group |= Q(customer_group_id=company.customer_group_id)
    started = Q(starts_at__lt=until) if until else Q(starts_at__lte=at)
    return Promotion.objects.filter(group, started, is_active=True, ends_at__gt=at)


def _promotions(company: Company, at: datetime) -> list[PromotionFacts]:
    """Promotions running at ``at`` for everyone or the dealer's group, oldest first.

    Read once a minute per customer group (the promotions overlapping that minute) and
    cached until a promotion changes; the exact start and end are checked here.
    """
    minute = at.replace(second=0, microsecond=0)

    def read() -> list[tuple[PromotionFacts, datetime, datetime]]:
        rows = _running_promotions(company, minute, until=minute + timedelta(minutes=1))
        return [
            (
                PromotionFacts(
                    p.pk,
                    p.name,
                    p.kind,
                    p.value,
                    p.currency,
                    p.product_id,
                    p.category.path if p.category_id and p.category else None,
                    p.brand_id,
                ),
                p.starts_at,
                p.ends_at,
            )
            for p in rows.select_related("category").order_by("pk")
        ]

    running = PRICING.get_or_set(
        ("promotions", company.customer_group_id or 0, minute.isoformat()), read
    )
    return [facts for facts, starts, ends in running if starts <= at < ends]


def _contract_facts(contract: Contract) -> ContractFacts:
    chosen = contract.price_type
    return ContractFacts(
        id=contract.pk,
        name=contract.name,
        currency=contract.currency,
        vat_regime=contract.vat_regime,
        markup_percent=contract.markup_percent,
        price_type=PriceTypeFacts(chosen.pk, chosen.name) if chosen else None,
    )


def _check_owner(company: Company, contract: Contract) -> None:
    if contract.company_id != company.pk:
        raise ValueError("the contract belongs to another company")


# --- the read context ---------------------------------------------------------------------


def pricing_context(
    company: Company,
    contract: Contract,
    product_ids: Iterable[int],
    at: datetime | None = None,
    *,
    loaded: Sequence[Product] = (),
) -> PricingContext:
    """Read everything the engine needs for these products in at most 7 queries, whatever
    their number (5 once the base price type, price lists and promotions are cached, 4 when
    the caller passes the products it has ``loaded`` already).

    ``contract`` must be one of ``company``'s: a contract of another company is refused.
    """
    _check_owner(company, contract)
    at = at or timezone.now()
    day = timezone.localdate(at)
    ids = sorted(set(product_ids))

    base = _base_type(contract.currency)
    base_facts = PriceTypeFacts(base.pk, base.name) if base else None
    contract_facts = _contract_facts(contract)

    paths = category_paths() if loaded else {}
    wanted = set(ids)
    products = {
        p.pk: ProductFacts(p.pk, paths[p.category_id], p.brand_id, p.vat_rate)
        for p in loaded
        if p.pk in wanted and p.category_id in paths
    }
    missing = [pk for pk in ids if pk not in products]
    if missing:
        products.update(
            (pk, ProductFacts(pk, path, brand_id, vat_rate))
            for pk, path, brand_id, vat_rate in Product.objects.filter(pk__in=missing).values_list(
                "pk", "category__path", "brand_id", "vat_rate"
            )
        )
    type_ids = {t.id for t in (base_facts, contract_facts.price_type) if t is not None}
    type_prices: dict[tuple[int, int], Decimal] = {}
    # Oldest start first (an open start is the oldest), so the latest valid row wins.
    for product_id, type_id, amount in (
        _type_price_rows(type_ids, day)
        .filter(product_id__in=ids)
        .order_by(F("valid_from").asc(nulls_first=True), "pk")
        .values_list("product_id", "price_type_id", "amount")
    ):
        type_prices[(product_id, type_id)] = amount

    list_prices: dict[int, list[ListPrice]] = defaultdict(list)
    lists = _price_lists(company, contract.currency, day)
    if lists:
        for product_id, list_id, amount in PriceListItem.objects.filter(
            price_list_id__in=list(lists), product_id__in=ids
        ).values_list("product_id", "price_list_id", "amount"):
            price_list = lists[list_id]
            list_prices[product_id].append(
                ListPrice(
                    price_list.id,
                    price_list.name,
                    price_list.audience,
                    price_list.priority,
                    amount,
                )
            )

    customer_prices: dict[int, list[CustomerPriceFacts]] = defaultdict(list)
    for product_id, amount, contract_id in (
        _customer_price_rows(company, contract, day)
        .filter(product_id__in=ids)
        .values_list("product_id", "amount", "contract_id")
    ):
        customer_prices[product_id].append(CustomerPriceFacts(amount, contract_id is not None))

    breaks: dict[int, list[BreakFacts]] = defaultdict(list)
    for product_id, min_quantity, percent, specificity in (
        _break_rows(company)
        .filter(product_id__in=ids)
        .values_list("product_id", "min_quantity", "discount_percent", "specificity")
    ):
        breaks[product_id].append(BreakFacts(min_quantity, percent, specificity))

    promotions = [
        promotion
        for promotion in _promotions(company, at)
        if any(promotion.applies_to(product) for product in products.values())
    ]

    return PricingContext(
        company_name=company.name,
        contract=contract_facts,
        base_type=base_facts,
        at=at,
        products=products,
        type_prices=type_prices,
        list_prices=dict(list_prices),
        customer_prices=dict(customer_prices),
        breaks=dict(breaks),
        promotions=promotions,
    )


def price_lines(
    company: Company,
    contract: Contract,
    lines: Sequence[tuple[int, Decimal]],
    at: datetime | None = None,
    *,
    loaded: Sequence[Product] = (),
) -> list[PricedLine]:
    """Price (product id, quantity) lines for a dealer under one of its contracts.

    Catalog pages, the cart, the API and exports all price through here. A caller that has
    the products ``loaded`` (a list page) passes them to save reading them again.
    """
    context = pricing_context(
        company, contract, (product_id for product_id, _ in lines), at, loaded=loaded
    )
    return [price_line(context, product_id, quantity) for product_id, quantity in lines]


def product_prices(
    company: Company,
    contract: Contract,
    product_id: int,
    quantity: Decimal,
    at: datetime | None = None,
) -> tuple[PricedLine, list[tuple[Decimal, PricedLine]]]:
    """A product page's prices from one read: the line at ``quantity`` (the smallest the
    dealer may order) and the price from there and at each larger quantity break
    ("1+: 118.00, 50+: 112.10")."""
    context = pricing_context(company, contract, [product_id], at)
    breaks = context.breaks.get(product_id, ())
    thresholds = sorted({quantity} | {b.min_quantity for b in breaks if b.min_quantity > quantity})
    table = [(q, price_line(context, product_id, q)) for q in thresholds]
    return price_line(context, product_id, quantity), table


def quantity_break_table(
    company: Company, contract: Contract, product_id: int, at: datetime | None = None
) -> list[tuple[Decimal, PricedLine]]:
    """The price at each threshold the dealer can reach ("1+: 118.00, 50+: 112.10")."""
    return product_prices(company, contract, product_id, Decimal(1), at)[1]


# --- ordering a product list by the dealer's own price ------------------------------------

_AMOUNT = DecimalField(max_digits=24, decimal_places=8)
# Multiplied, never divided by: SQLite keeps 15.00 and 100 as integers, and 15 * 95 / 100
# would be integer division there (14, not 14.25).
_ONE_PERCENT = Value(Decimal("0.01"), output_field=_AMOUNT)
_NO_PRICE = Decimal(-1)
_NO_FIXED_PRICE = Decimal("1e15")  # above any amount a price field can hold


def order_by_price(
    products: QuerySet[Product],
    company: Company,
    contract: Contract,
    *,
    descending: bool = False,
    at: datetime | None = None,
) -> QuerySet[Product]:
    """Order products by the net unit price the dealer pays at its first orderable quantity,
    unpriced products last, then by name.

    The order key is the engine's resolution order (contract price type and markup, price
    list, customer price, quantity break, best promotion) written as one SQL expression, so
    the database sorts the whole list and pages it. It only orders: every price shown still
    comes from ``price_lines``, and a test checks that both agree.
    """
    _check_owner(company, contract)
    at = at or timezone.now()
    day = timezone.localdate(at)
    product = OuterRef("pk")

    def type_price(type_id: int) -> Subquery:
        rows = (
            _type_price_rows([type_id], day)
            .filter(product_id=product)
            .order_by(F("valid_from").desc(nulls_last=True), "-pk")
        )
        return Subquery(rows.values("amount")[:1], output_field=_AMOUNT)

    base = _base_type(contract.currency)
    chosen_id = contract.price_type_id or (base.pk if base else None)
    contracted: Any = Value(None, output_field=_AMOUNT)
    if chosen_id is not None:
        contracted = type_price(chosen_id)
        if contract.markup_percent:
            contracted = contracted * Value(
                (HUNDRED + contract.markup_percent) / HUNDRED, output_field=_AMOUNT
            )
    listed = Subquery(
        _list_item_rows(company, contract.currency, day)
        .filter(product_id=product)
        .order_by("-price_list__priority", "amount", "price_list_id")
        .values("amount")[:1],
        output_field=_AMOUNT,
    )
    negotiated = Subquery(
        _customer_price_rows(company, contract, day)
        .filter(product_id=product)
        .order_by(F("contract_id").asc(nulls_last=True), "amount")
        .values("amount")[:1],
        output_field=_AMOUNT,
    )
    resolved = Coalesce(negotiated, listed, contracted, output_field=_AMOUNT)

    # Of the most specific audience with breaks, the largest threshold the first quantity
    # reaches; none reached (or none at all) is no discount. (SQLite cannot see outer columns
    # in a subquery's ORDER BY, so the conditions sit in WHERE.)
    first_quantity = Greatest(OuterRef("min_quantity"), Value(Decimal(1)), output_field=_AMOUNT)
    top_audience = Subquery(
        _break_rows(company)
        .filter(product_id=OuterRef(OuterRef("pk")))
        .order_by("-specificity")
        .values("specificity")[:1]
    )
    discount = Coalesce(
        Subquery(
            _break_rows(company)
            .filter(product_id=product, min_quantity__lte=first_quantity)
            .filter(specificity=top_audience)
            .order_by("-min_quantity")
            .values("discount_percent")[:1],
            output_field=_AMOUNT,
        ),
        Value(Decimal(0)),
        output_field=_AMOUNT,
    )
    after_break = ExpressionWrapper(
        resolved * (Value(HUNDRED) - discount) * _ONE_PERCENT, output_field=_AMOUNT
    )
    key = _after_promotions(after_break, company, contract, at)
    annotated = products.annotate(price_key=key)
    order = (
        F("price_key").desc(nulls_last=True) if descending else F("price_key").asc(nulls_last=True)
    )
    return annotated.order_by(order, "name", "sku")


def _after_promotions(price: Any, company: Company, contract: Contract, at: datetime) -> Any:
    """The lower of the price and the best promotion for the row's product (largest percent
    off, lowest fixed price in the contract's currency); a product without a price stays
    without one. Two subqueries, however many promotions run."""
    product = OuterRef("pk")
    applies = (
        _running_promotions(company, at)
        .filter(
            Q(product_id=product)
            | Q(brand_id=OuterRef("brand_id"))
            | Q(StartsWith(OuterRef("category__path"), F("category__path")))
        )
        .order_by()
    )
    percent = Subquery(
        applies.filter(kind=PromotionKind.PERCENT_OFF).order_by("-value").values("value")[:1],
        output_field=_AMOUNT,
    )
    fixed = Subquery(
        applies.filter(kind=PromotionKind.FIXED_PRICE, currency=contract.currency)
        .order_by("value")
        .values("value")[:1],
        output_field=_AMOUNT,
    )
    discounted = ExpressionWrapper(
        price * (Value(HUNDRED) - Coalesce(percent, Value(Decimal(0)))) * _ONE_PERCENT,
        output_field=_AMOUNT,
    )
    # LEAST skips NULLs on PostgreSQL and returns NULL on SQLite; with stand-ins for "no
    # price" (below any price) and "no fixed price" (above any), both read the same.
    lowest = Least(
        Coalesce(discounted, Value(_NO_PRICE), output_field=_AMOUNT),
        Coalesce(fixed, Value(_NO_FIXED_PRICE), output_field=_AMOUNT),
        output_field=_AMOUNT,
    )
    return NullIf(lowest, Value(_NO_PRICE), output_field=_AMOUNT)
