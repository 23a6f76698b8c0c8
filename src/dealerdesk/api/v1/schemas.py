"""Shapes of the API's answers (pydantic v2 via Django Ninja)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema


class CompanyOut(Schema):
    id: int
    name: str
    role: str


class MeOut(Schema):
    email: str
    full_name: str
    company: CompanyOut
    companies: list[CompanyOut]


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    children: list[CategoryOut]


class BrandOut(Schema):
    id: int
    name: str


class ProductSummary(Schema):
    id: int
    sku: str
    name: str
    brand: str | None
    category_id: int
    unit: str
    pack_multiple: Decimal
    min_quantity: Decimal
    barcodes: list[str]
    image_url: str | None


class AttributeOut(Schema):
    name: str
    value: str
    unit: str


class ProductOut(ProductSummary):
    description: str
    category_path: list[str]
    weight_kg: Decimal | None
    length_mm: Decimal | None
    width_mm: Decimal | None
    height_mm: Decimal | None
    volume_m3: Decimal | None
    vat_rate: Decimal
    images: list[str]
    attributes: list[AttributeOut]


class ContractOut(Schema):
    id: int
    name: str
    currency: str
    payment_terms_days: int
    prepayment_percent: Decimal
    vat_regime: str
    is_default: bool


class PriceStepOut(Schema):
    rule: str
    text: str
    unit_price: Decimal


class PriceOut(Schema):
    """The dealer's price at ``quantity`` under ``contract_id``; ``priced`` false says why
    in ``reason`` (``no_price``) instead of inventing a figure."""

    contract_id: int
    quantity: Decimal
    currency: str
    priced: bool
    reason: str
    unit_net: Decimal | None
    unit_gross: Decimal | None
    list_price: Decimal | None
    discount_percent: Decimal | None
    vat_rate: Decimal
    promotion: str | None
    explanation: list[PriceStepOut]


class QuantityBreakOut(Schema):
    min_quantity: Decimal
    unit_net: Decimal | None


class StockOut(Schema):
    """Stock as the dealer's display policy allows: ``label`` to print, ``in_stock`` (null
    when stock is hidden) and ``quantity`` only under the exact policy."""

    label: str
    in_stock: bool | None
    quantity: Decimal | None


class IncomingOut(Schema):
    expected_date: date | None
    stock: StockOut


class WarehouseStockOut(Schema):
    warehouse_id: int
    code: str
    name: str
    region: str
    lead_time_days: int
    is_default: bool
    stock: StockOut
    incoming: list[IncomingOut]


class AvailabilityOut(Schema):
    policy: str
    total: StockOut
    default_warehouse: WarehouseStockOut | None


class AvailabilityDetailOut(AvailabilityOut):
    warehouses: list[WarehouseStockOut]


class OfferedProductSummary(ProductSummary):
    price: PriceOut | None
    availability: AvailabilityOut | None


class OfferedProduct(ProductOut):
    price: PriceOut | None
    quantity_breaks: list[QuantityBreakOut]
    availability: AvailabilityDetailOut | None


class ProductPage(Schema):
    total: int
    page: int
    pages: int
    per_page: int
    contract_id: int | None
    items: list[OfferedProductSummary]
    brands: list[BrandOut]
