"""The dealer's prices and stock in API shapes, and the contract a request prices under."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja.errors import HttpError

from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.schemas import (
    AvailabilityDetailOut,
    AvailabilityOut,
    IncomingOut,
    PriceOut,
    PriceStepOut,
    QuantityBreakOut,
    StockOut,
    WarehouseStockOut,
)
from dealerdesk.inventory.availability import (
    StockDisplay,
    display_strategy_for,
    format_quantity,
)
from dealerdesk.inventory.queries import ProductAvailability, WarehouseAvailability
from dealerdesk.pricing.engine import PricedLine
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import contract_for


def requested_contract(request: HttpRequest, contract_id: int | None) -> Contract | None:
    """The caller's contract ``contract_id``, else its company's default; one that is not
    the company's own (or not current) is answered 404."""
    company = membership(request).company
    contract = contract_for(company, contract_id)
    if contract_id is not None and (contract is None or contract.pk != contract_id):
        raise HttpError(404, "No such contract among your company's current contracts.")
    return contract


def price_out(line: PricedLine | None, contract: Contract | None) -> PriceOut | None:
    if line is None or contract is None:
        return None
    return PriceOut(
        contract_id=contract.pk,
        quantity=_plain(line.quantity),
        currency=line.currency,
        priced=line.priced,
        reason=line.reason,
        unit_net=line.unit_price.amount if line.unit_price else None,
        unit_gross=line.unit_gross.amount if line.unit_gross else None,
        list_price=line.list_price.amount if line.list_price else None,
        discount_percent=line.discount_percent,
        vat_rate=line.vat_rate,
        promotion=line.promotion,
        explanation=[
            PriceStepOut(rule=step.rule, text=step.text, unit_price=step.unit_price)
            for step in line.steps
        ],
    )


def breaks_out(table: list[tuple[Decimal, PricedLine]]) -> list[QuantityBreakOut]:
    return [
        QuantityBreakOut(
            min_quantity=_plain(quantity),
            unit_net=line.unit_price.amount if line.unit_price else None,
        )
        for quantity, line in table
    ]


def _stock(display: StockDisplay) -> StockOut:
    # ``exact`` is set only under the exact policy: banded and hidden never carry it.
    return StockOut(
        label=display.label,
        in_stock=display.in_stock,
        quantity=_plain(display.exact) if display.exact is not None else None,
    )


def _plain(quantity: Decimal) -> Decimal:
    """10.000 → 10, 2.500 → 2.5 (never 1E+1)."""
    return Decimal(format_quantity(quantity))


def _warehouse(row: WarehouseAvailability) -> WarehouseStockOut:
    return WarehouseStockOut(
        warehouse_id=row.warehouse.id,
        code=row.warehouse.code,
        name=row.warehouse.name,
        region=row.warehouse.region_name,
        lead_time_days=row.warehouse.lead_time_days,
        is_default=row.is_default,
        stock=_stock(row.stock),
        incoming=[
            IncomingOut(expected_date=i.expected_date, stock=_stock(i.stock)) for i in row.incoming
        ],
    )


def availability_out(
    request: HttpRequest, stock: ProductAvailability | None
) -> AvailabilityOut | None:
    if stock is None:
        return None
    return AvailabilityOut(
        policy=str(display_strategy_for(membership(request).company).policy),
        total=_stock(stock.total),
        default_warehouse=_warehouse(stock.default) if stock.default else None,
    )


def availability_detail_out(
    request: HttpRequest, stock: ProductAvailability | None
) -> AvailabilityDetailOut | None:
    summary = availability_out(request, stock)
    if summary is None or stock is None:
        return None
    return AvailabilityDetailOut(
        **summary.model_dump(), warehouses=[_warehouse(row) for row in stock.warehouses]
    )
