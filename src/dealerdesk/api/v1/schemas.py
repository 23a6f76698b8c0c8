"""Shapes of the API's answers (pydantic v2 via Django Ninja)."""

from __future__ import annotations

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


class ProductPage(Schema):
    total: int
    page: int
    pages: int
    per_page: int
    items: list[ProductSummary]
    brands: list[BrandOut]


class ErrorOut(Schema):
    detail: str
