"""What a dealer is offered: its price under the chosen contract and the stock it may see,
for a page of products or one product, and the catalog list refined by both ("in stock
only", order by price). The portal pages and the API both read through here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import (
    CatalogFilters,
    CatalogPage,
    CatalogScope,
    ListRefinement,
    catalog_page,
)
from dealerdesk.inventory.queries import (
    ProductAvailability,
    availability_for,
    can_filter_in_stock,
    filter_in_stock,
)
from dealerdesk.pricing.engine import PricedLine
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import order_by_price, price_lines, product_prices


@dataclass(frozen=True)
class Offer:
    product_id: int
    price: PricedLine | None
    stock: ProductAvailability | None


def first_quantity(product: Product) -> Decimal:
    """The smallest quantity the dealer may order, at which lists show the price."""
    return max(product.min_quantity, Decimal(1))


def offers_for(
    company: Company,
    contract: Contract | None,
    products: Sequence[Product],
    *,
    quantities: Mapping[int, Decimal] | None = None,
) -> dict[int, Offer]:
    """Price (at each product's first quantity, or at its quantity in ``quantities`` by
    product id, where quantity breaks apply) and availability for a page of products, in a
    fixed number of queries. ``products`` come from the dealer's catalog scope (a list
    page, a product page, a scan): this does not check it again."""
    if not products:
        return {}
    priced: dict[int, PricedLine] = {}
    if contract is not None:
        asked = quantities or {}
        lines = [(p.pk, asked.get(p.pk) or first_quantity(p)) for p in products]
        priced = {
            line.product_id: line for line in price_lines(company, contract, lines, loaded=products)
        }
    stock = availability_for(company, [p.pk for p in products])
    return {p.pk: Offer(p.pk, priced.get(p.pk), stock.get(p.pk)) for p in products}


def product_offer(
    company: Company, contract: Contract | None, product: Product
) -> tuple[Offer, list[tuple[Decimal, PricedLine]]]:
    """One product's offer and its quantity-break table, from one pricing read (``product``
    comes from the dealer's catalog scope)."""
    line: PricedLine | None = None
    breaks: list[tuple[Decimal, PricedLine]] = []
    if contract is not None:
        line, breaks = product_prices(company, contract, product.pk, first_quantity(product))
    stock = availability_for(company, [product.pk]).get(product.pk)
    return Offer(product.pk, line, stock), breaks


def list_refinement(company: Company, contract: Contract | None) -> ListRefinement:
    """The dealer's "in stock only" filter (not offered when its stock is hidden) and order
    by its own price under ``contract`` (not offered without a contract)."""

    def in_stock(products: QuerySet[Product]) -> QuerySet[Product]:
        return filter_in_stock(products, company)

    by_price = None
    if contract is not None:
        priced_under = contract

        def by_price(products: QuerySet[Product], descending: bool) -> QuerySet[Product]:
            return order_by_price(products, company, priced_under, descending=descending)

    return ListRefinement(
        in_stock=in_stock if can_filter_in_stock(company) else None, by_price=by_price
    )


@dataclass(frozen=True)
class OfferPage:
    page: CatalogPage
    offers: dict[int, Offer]


def offer_page(
    company: Company,
    contract: Contract | None,
    scope: CatalogScope,
    filters: CatalogFilters,
    *,
    with_barcodes: bool = True,
) -> OfferPage:
    """A catalog list page with the dealer's prices and stock on every product.

    Raises ``CategoryNotVisible`` like ``catalog_page``.
    """
    page = catalog_page(
        scope, filters, list_refinement(company, contract), with_barcodes=with_barcodes
    )
    return OfferPage(page, offers_for(company, contract, page.products))
