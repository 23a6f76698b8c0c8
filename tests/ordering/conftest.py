"""A dealer ready to order: prices, a default contract, a depot with stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, Price, PriceType


@dataclass
class Shop:
    contract: Contract
    depot: Warehouse
    base: PriceType


@pytest.fixture
def shop(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product, amount in ((world.product_a, "120"), (world.product_a_child, "80")):
        Price.objects.create(product=product, price_type=base, amount=Decimal(amount))
    contract = Contract.objects.create(
        company=world.company_a, name="Prepayment", is_default=True, payment_terms_days=0
    )
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_a_child):
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=Decimal(10))
    return Shop(contract=contract, depot=depot, base=base)
