"""What a dealer is offered for a product on a page: their price under the chosen contract
and the stock they may see. Composes the pricing and inventory domains for the portal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import CatalogScope
from dealerdesk.inventory.queries import ProductAvailability, availability_for
from dealerdesk.pricing.engine import PricedLine
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import contract_for, contracts_for, price_lines, product_prices


def _session_key(company_id: int) -> str:
    return f"dealerdesk_contract_{company_id}"


def current_contract(request: HttpRequest, company: Company) -> Contract | None:
    """The contract chosen in this session for this company, else the company's default
    (read once per request)."""
    cache: dict[int, Contract | None] = request.__dict__.setdefault("_dealerdesk_contracts", {})
    if company.pk not in cache:
        chosen = request.session.get(_session_key(company.pk))
        cache[company.pk] = contract_for(company, chosen if isinstance(chosen, int) else None)
    return cache[company.pk]


def choose_contract(request: HttpRequest, company: Company, contract_id: int) -> Contract | None:
    """Remember ``contract_id`` if it is one of the company's current contracts."""
    contract = contracts_for(company).filter(pk=contract_id).first()
    if contract is not None:
        request.session[_session_key(company.pk)] = contract.pk
        request.__dict__.pop("_dealerdesk_contracts", None)
    return contract


@dataclass(frozen=True)
class Offer:
    product_id: int
    price: PricedLine | None
    stock: ProductAvailability | None


def offers_for(
    company: Company,
    contract: Contract | None,
    products: Sequence[Product],
    scope: CatalogScope | None = None,
) -> dict[int, Offer]:
    """Price (at each product's minimum quantity) and availability for a page of products,
    in a fixed number of queries."""
    if not products:
        return {}
    priced: dict[int, PricedLine] = {}
    if contract is not None:
        lines = [(p.pk, _first_quantity(p)) for p in products]
        priced = {line.product_id: line for line in price_lines(company, contract, lines)}
    stock = availability_for(company, [p.pk for p in products], scope=scope)
    return {p.pk: Offer(p.pk, priced.get(p.pk), stock.get(p.pk)) for p in products}


def _first_quantity(product: Product) -> Decimal:
    return max(product.min_quantity, Decimal(1))


def product_offer(
    company: Company, contract: Contract | None, product: Product, scope: CatalogScope
) -> tuple[Offer, list[tuple[Decimal, PricedLine]]]:
    """One product's offer and its quantity-break table, from one pricing read."""
    line: PricedLine | None = None
    breaks: list[tuple[Decimal, PricedLine]] = []
    if contract is not None:
        line, breaks = product_prices(company, contract, product.pk, _first_quantity(product))
    stock = availability_for(company, [product.pk], scope=scope).get(product.pk)
    return Offer(product.pk, line, stock), breaks
