"""Reads of warehouses and stock for a dealer, in a bounded number of queries.

Which warehouses a company may order from: the active ones that are open to every dealer,
or opened by a ``WarehouseAccess`` row to the company, its customer group or its region.
Everything a dealer is shown of stock goes through its display strategy
(``availability.display_strategy_for``); the structures returned here hold no exact figure
unless that strategy is the exact one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import CatalogScope
from dealerdesk.inventory.availability import (
    ZERO,
    StockDisplay,
    StockDisplayStrategy,
    available_to_promise,
    display_strategy_for,
)
from dealerdesk.inventory.events import WAREHOUSES
from dealerdesk.inventory.models import (
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    Warehouse,
    WarehouseAccess,
)

# --- warehouses ---------------------------------------------------------------------------


def accessible_warehouses_condition(company: Company) -> Q:
    """A filter on ``Warehouse``: active and open to all, or to this company, group or region."""
    audience = Q(company_id=company.pk)
    if company.customer_group_id:
        audience |= Q(customer_group_id=company.customer_group_id)
    if company.region_id:
        audience |= Q(region_id=company.region_id)
    granted = WarehouseAccess.objects.filter(audience).values("warehouse_id")
    return Q(is_active=True) & (Q(open_to_all=True) | Q(pk__in=granted))


def accessible_warehouses(company: Company) -> QuerySet[Warehouse]:
    """The warehouses a company may order from (unordered, not evaluated)."""
    return Warehouse.objects.filter(accessible_warehouses_condition(company))


def warehouses_for(company: Company, *, cached: bool = True) -> list[Warehouse]:
    """The warehouses a company may order from, in display order, with regions (cached
    until a warehouse, an access rule or a default changes; ``cached=False`` reads the
    database, as placing an order does)."""

    def read() -> list[Warehouse]:
        return list(
            accessible_warehouses(company)
            .select_related("region")
            .order_by("sort_order", "name", "pk")
        )

    if not cached:
        return read()
    return WAREHOUSES.get_or_set(
        ("for", company.pk, company.customer_group_id or 0, company.region_id or 0), read
    )


def default_warehouse_for(
    company: Company, warehouses: list[Warehouse] | None = None, *, cached: bool = True
) -> Warehouse | None:
    """The company's chosen warehouse if it is still open to it, else the first accessible.

    Pass ``warehouses`` (from ``warehouses_for``) when already fetched to save a query.
    """
    if warehouses is None:
        warehouses = warehouses_for(company, cached=cached)
    if not warehouses:
        return None

    def read() -> tuple[int | None]:
        return (
            DefaultWarehouse.objects.filter(company_id=company.pk)
            .values_list("warehouse_id", flat=True)
            .first(),
        )

    (chosen_id,) = WAREHOUSES.get_or_set(("default", company.pk), read) if cached else read()
    by_id = {warehouse.pk: warehouse for warehouse in warehouses}
    return by_id.get(chosen_id) if chosen_id in by_id else warehouses[0]


# --- availability per product -------------------------------------------------------------


@dataclass(frozen=True)
class WarehouseSummary:
    """What a dealer may know of a warehouse."""

    id: int
    code: str
    name: str
    region_name: str
    lead_time_days: int


@dataclass(frozen=True)
class IncomingView:
    """A receipt on its way, shown through the dealer's display policy."""

    expected_date: dt.date | None
    stock: StockDisplay


@dataclass(frozen=True)
class WarehouseAvailability:
    warehouse: WarehouseSummary
    stock: StockDisplay
    incoming: tuple[IncomingView, ...]
    is_default: bool


@dataclass(frozen=True)
class ProductAvailability:
    """Stock of one product for one dealer: per warehouse, the default one, and the total."""

    product_id: int
    warehouses: tuple[WarehouseAvailability, ...]
    default: WarehouseAvailability | None
    total: StockDisplay

    @property
    def in_stock(self) -> bool | None:
        """Whether any warehouse has some; None when the policy hides stock."""
        return self.total.in_stock


def availability_for(
    company: Company,
    product_ids: list[int] | tuple[int, ...] | set[int] | frozenset[int],
    *,
    scope: CatalogScope | None = None,
    strategy: StockDisplayStrategy | None = None,
) -> dict[int, ProductAvailability]:
    """Availability of many products for one dealer in at most five queries.

    With a ``scope`` products outside it are left out of the answer. ``strategy`` defaults to
    the company's display policy; staff screens pass ``ExactDisplay()`` to see figures.
    Every accessible warehouse appears for every product, with "out of stock" where the
    warehouse holds none.
    """
    strategy = strategy or display_strategy_for(company)
    wanted = set(product_ids)
    if scope is not None and wanted:
        wanted = set(scope.products().filter(pk__in=wanted).values_list("pk", flat=True))
    if not wanted:
        return {}
    warehouses = warehouses_for(company)
    default = default_warehouse_for(company, warehouses)
    summaries = [
        WarehouseSummary(
            id=warehouse.pk,
            code=warehouse.code,
            name=warehouse.name,
            region_name=warehouse.region.name if warehouse.region else "",
            lead_time_days=warehouse.lead_time_days,
        )
        for warehouse in warehouses
    ]
    available: dict[tuple[int, int], Decimal] = {}
    incoming: dict[tuple[int, int], dict[dt.date | None, Decimal]] = defaultdict(dict)
    if strategy.shows_stock and warehouses:
        warehouse_ids = [warehouse.pk for warehouse in warehouses]
        for product_id, warehouse_id, on_hand, reserved, safety in StockLevel.objects.filter(
            product_id__in=wanted, warehouse_id__in=warehouse_ids
        ).values_list("product_id", "warehouse_id", "on_hand", "reserved", "safety_stock"):
            available[(product_id, warehouse_id)] = available_to_promise(on_hand, reserved, safety)
        for product_id, warehouse_id, quantity, date in IncomingStock.objects.filter(
            product_id__in=wanted, warehouse_id__in=warehouse_ids
        ).values_list("product_id", "warehouse_id", "quantity", "expected_date"):
            by_date = incoming[(product_id, warehouse_id)]
            by_date[date] = by_date.get(date, ZERO) + quantity

    answer: dict[int, ProductAvailability] = {}
    for product_id in sorted(wanted):
        rows = tuple(
            WarehouseAvailability(
                warehouse=summary,
                stock=strategy.show(available.get((product_id, summary.id), ZERO)),
                incoming=_incoming_views(incoming.get((product_id, summary.id), {}), strategy),
                is_default=default is not None and summary.id == default.pk,
            )
            for summary in summaries
        )
        total = sum((available.get((product_id, s.id), ZERO) for s in summaries), ZERO)
        answer[product_id] = ProductAvailability(
            product_id=product_id,
            warehouses=rows,
            default=next((row for row in rows if row.is_default), None),
            total=strategy.show(total),
        )
    return answer


def available_quantities(
    product_ids: Iterable[int], warehouse_ids: Iterable[int]
) -> dict[tuple[int, int], Decimal]:
    """Exact available-to-promise by (product, warehouse), in one query, for decisions
    (is a line short? does another warehouse have enough?); a pair without a row has none.
    Never show these to a dealer: pass them through its display strategy."""
    products, warehouses = set(product_ids), set(warehouse_ids)
    if not products or not warehouses:
        return {}
    return {
        (product_id, warehouse_id): available_to_promise(on_hand, reserved, safety)
        for product_id, warehouse_id, on_hand, reserved, safety in StockLevel.objects.filter(
            product_id__in=products, warehouse_id__in=warehouses
        ).values_list("product_id", "warehouse_id", "on_hand", "reserved", "safety_stock")
    }


def _incoming_views(
    by_date: dict[dt.date | None, Decimal], strategy: StockDisplayStrategy
) -> tuple[IncomingView, ...]:
    """Receipts by date, undated last."""
    dates = sorted(by_date, key=lambda date: (date is None, date or dt.date.min))
    return tuple(IncomingView(date, strategy.show(by_date[date])) for date in dates)


# --- the "in stock only" filter -----------------------------------------------------------


def in_stock_condition(company: Company) -> Exists:
    """A filter for a ``Product`` queryset: something to promise in an accessible warehouse."""
    return Exists(
        StockLevel.objects.with_available_stock().filter(
            product_id=OuterRef("pk"),
            warehouse_id__in=accessible_warehouses(company).values("pk"),
        )
    )


def can_filter_in_stock(company: Company) -> bool:
    """Whether to offer the filter: under the hidden policy it would disclose stock."""
    return display_strategy_for(company).shows_stock


def filter_in_stock(products: QuerySet[Product], company: Company) -> QuerySet[Product]:
    """Products with stock a dealer may order; unchanged when the dealer's stock is hidden."""
    if not can_filter_in_stock(company):
        return products
    return products.filter(in_stock_condition(company))
