"""Reads of the pricing domain: a dealer's contracts, and ``price_lines`` — the one entry
point that prices many lines at once in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.pricing.engine import (
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
from dealerdesk.pricing.models import (
    Contract,
    CustomerPrice,
    Price,
    PriceListItem,
    PriceType,
    Promotion,
    QuantityBreak,
)


def _valid_on(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def contracts_for(company: Company, at: datetime | None = None) -> QuerySet[Contract]:
    """The dealer's active contracts valid today, the default one first."""
    day = timezone.localdate(at) if at else timezone.localdate()
    return (
        Contract.objects.filter(company=company, is_active=True)
        .filter(_valid_on(day))
        .select_related("price_type")
        .order_by("-is_default", "name")
    )


def contract_for(company: Company, contract_id: int | None) -> Contract | None:
    """The contract chosen (only one of the company's own), else its default, else None."""
    contracts = contracts_for(company)
    if contract_id is not None:
        chosen = contracts.filter(pk=contract_id).first()
        if chosen is not None:
            return chosen
    return contracts.first()


def pricing_context(
    company: Company, contract: Contract, product_ids: Iterable[int], at: datetime | None = None
) -> PricingContext:
    """Read everything the engine needs for these products (7 queries, whatever their number).

    ``contract`` must be one of ``company``'s: a contract of another company is refused.
    """
    if contract.company_id != company.pk:
        raise ValueError("the contract belongs to another company")
    at = at or timezone.now()
    day = timezone.localdate(at)
    ids = sorted(set(product_ids))
    currency = contract.currency

    base = PriceType.objects.filter(is_base=True, currency=currency).first()
    base_facts = PriceTypeFacts(base.pk, base.name) if base else None
    chosen = contract.price_type
    contract_facts = ContractFacts(
        id=contract.pk,
        name=contract.name,
        currency=currency,
        vat_regime=contract.vat_regime,
        markup_percent=contract.markup_percent,
        price_type=PriceTypeFacts(chosen.pk, chosen.name) if chosen else None,
    )

    products = {
        pk: ProductFacts(pk, path, brand_id, vat_rate)
        for pk, path, brand_id, vat_rate in Product.objects.filter(pk__in=ids).values_list(
            "pk", "category__path", "brand_id", "vat_rate"
        )
    }
    type_ids = {t.id for t in (base_facts, contract_facts.price_type) if t is not None}
    type_prices: dict[tuple[int, int], Decimal] = {}
    # Oldest start first, so the latest valid row wins.
    for product_id, type_id, amount in (
        Price.objects.filter(product_id__in=ids, price_type_id__in=type_ids)
        .filter(_valid_on(day))
        .order_by("valid_from")
        .values_list("product_id", "price_type_id", "amount")
    ):
        type_prices[(product_id, type_id)] = amount

    audience = (
        Q(price_list__customer_group_id=company.customer_group_id)
        if (company.customer_group_id)
        else Q(pk__in=[])
    )
    if company.tier_id:
        audience |= Q(price_list__tier_id=company.tier_id)
    if company.region_id:
        audience |= Q(price_list__region_id=company.region_id)
    list_prices: dict[int, list[ListPrice]] = defaultdict(list)
    for item in (
        PriceListItem.objects.filter(audience, product_id__in=ids)
        .filter(price_list__is_active=True, price_list__currency=currency)
        .filter(_valid_on(day, "price_list__"))
        .select_related(
            "price_list", "price_list__customer_group", "price_list__tier", "price_list__region"
        )
    ):
        price_list = item.price_list
        list_prices[item.product_id].append(
            ListPrice(
                price_list.pk,
                price_list.name,
                price_list.audience_label,
                price_list.priority,
                item.amount,
            )
        )

    customer_prices: dict[int, list[CustomerPriceFacts]] = defaultdict(list)
    for product_id, amount, contract_id in (
        CustomerPrice.objects.filter(company=company, product_id__in=ids, currency=currency)
        .filter(Q(contract__isnull=True) | Q(contract=contract))
        .filter(_valid_on(day))
        .values_list("product_id", "amount", "contract_id")
    ):
        customer_prices[product_id].append(CustomerPriceFacts(amount, contract_id is not None))

    break_audience = Q(company__isnull=True, customer_group__isnull=True) | Q(company=company)
    if company.customer_group_id:
        break_audience |= Q(customer_group_id=company.customer_group_id)
    breaks: dict[int, list[BreakFacts]] = defaultdict(list)
    for product_id, min_quantity, percent, company_id, group_id in QuantityBreak.objects.filter(
        break_audience, product_id__in=ids
    ).values_list(
        "product_id", "min_quantity", "discount_percent", "company_id", "customer_group_id"
    ):
        specificity = 2 if company_id else 1 if group_id else 0
        breaks[product_id].append(BreakFacts(min_quantity, percent, specificity))

    brand_ids = {p.brand_id for p in products.values() if p.brand_id}
    group = Q(customer_group__isnull=True)
    if company.customer_group_id:
        group |= Q(customer_group_id=company.customer_group_id)
    promotions = [
        PromotionFacts(
            p.pk,
            p.name,
            p.kind,
            p.value,
            p.currency,
            p.product_id,
            p.category.path if p.category_id and p.category else None,
            p.brand_id,
        )
        for p in Promotion.objects.filter(group, is_active=True, starts_at__lte=at, ends_at__gt=at)
        .filter(Q(product_id__in=ids) | Q(brand_id__in=brand_ids) | Q(category__isnull=False))
        .select_related("category")
        .order_by("pk")
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
) -> list[PricedLine]:
    """Price (product id, quantity) lines for a dealer under one of its contracts.

    Catalog pages, the cart, the API and exports all price through here.
    """
    context = pricing_context(company, contract, (product_id for product_id, _ in lines), at)
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
