"""The master-data feeds: companies and credit, contracts, price types, quantity breaks,
categories, products and warehouses.

Each row schema checks types, lengths and ranges (so nothing the database would refuse
gets through, NUL characters included); the domain services judge references, order and
business rules. Fields a company or product row leaves out keep their stored values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from dealerdesk.accounts.choices import CreditPolicy, StockDisplayPolicy
from dealerdesk.accounts.sync import CompanyChange, CreditChange, set_credit, upsert_companies
from dealerdesk.catalog.choices import Unit
from dealerdesk.catalog.sync import (
    CategoryChange,
    ProductChange,
    upsert_categories,
    upsert_products,
)
from dealerdesk.catalog.sync_images import ImageSource
from dealerdesk.core.sync import RowResult
from dealerdesk.integration.choices import Scope
from dealerdesk.integration.inbound.feeds import Feed, ProductRow, SyncRow, changes_of
from dealerdesk.integration.models.monitor import SyncCategoryCode
from dealerdesk.inventory.sync_warehouses import WarehouseChange, upsert_warehouses
from dealerdesk.pricing.choices import VatRegime
from dealerdesk.pricing.sync_terms import (
    BreakStep,
    BreakTable,
    ContractChange,
    PriceTypeChange,
    replace_quantity_breaks,
    upsert_contracts,
    upsert_price_types,
)


def _printable(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Text cannot contain NUL characters.")
    return value


Text = Annotated[str, AfterValidator(_printable)]
ErpId = Annotated[Text, Field(min_length=1, max_length=100)]
Code = Annotated[Text, Field(min_length=1, max_length=32)]
Currency = Annotated[Text, Field(min_length=3, max_length=3, description="ISO 4217 code")]
SortOrder = Annotated[int, Field(ge=0, le=2**31 - 1)]
Days = Annotated[int, Field(ge=0, le=32767)]
Credit = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
Millimetres = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=1)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)]


# ---- rows ---------------------------------------------------------------------------------


class CompanyRow(SyncRow):
    """A counterparty; ``active: false`` blocks it (nothing is deleted)."""

    external_id: ErpId = Field(description="The company's ERP id")
    name: Text = Field(min_length=1, max_length=200, description="Trading name")
    active: bool = Field(True, description="false: blocked as deactivated in the ERP")
    legal_name: Text = Field("", max_length=255)
    tax_id: Text = Field("", max_length=32)
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=32)
    customer_group: Code | None = Field(None, description="Customer group code")
    tier: Code | None = Field(None, description="Tier code")
    region: Code | None = Field(None, description="Region code")
    stock_display_policy: StockDisplayPolicy = StockDisplayPolicy.EXACT
    credit_limit: Credit | None = Field(None, ge=0, description="null: no limit")
    balance: Credit = Field(Decimal(0), description="What the dealer owes on open invoices")
    credit_currency: Currency = "EUR"
    credit_policy: CreditPolicy = CreditPolicy.DEFAULT


class CreditRow(SyncRow):
    """A company's credit limit and open balance."""

    company: ErpId = Field(description="The company's ERP id")
    credit_limit: Credit | None = Field(ge=0, description="null: no limit")
    balance: Credit
    currency: Currency


class ContractRow(SyncRow):
    """A dealer's contract (payment terms and the price type its prices start from)."""

    external_id: ErpId
    company: ErpId = Field(description="The company's ERP id")
    name: Text = Field(min_length=1, max_length=150)
    payment_terms_days: Days = 0
    prepayment_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = (
        Decimal(0)
    )
    currency: Currency = "EUR"
    vat_regime: VatRegime = VatRegime.STANDARD
    price_type: Code | None = Field(None, description="Price type code; null: the base one")
    markup_percent: Annotated[Decimal, Field(ge=-100, le=1000, max_digits=7, decimal_places=3)] = (
        Decimal(0)
    )
    is_default: bool = Field(False, description="The company's default contract")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    active: bool = True


class PriceTypeRow(SyncRow):
    """A price column of the ERP."""

    external_id: ErpId
    code: Code
    name: Text = Field(min_length=1, max_length=150)
    currency: Currency
    is_base: bool = Field(False, description="The base price type of its currency")


class BreakRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_quantity: Quantity
    discount_percent: Percent


class QuantityBreaksRow(ProductRow):
    """The whole break table of a product, for everyone or one audience."""

    company: ErpId | None = Field(None, description="The company's ERP id")
    customer_group: Code | None = Field(None, description="Customer group code")
    breaks: list[BreakRow] = Field(max_length=100, description="Empty: no breaks")

    @model_validator(mode="after")
    def _one_audience(self) -> Self:
        if self.company and self.customer_group:
            raise PydanticCustomError(
                "two_audiences",
                "Name a company or a customer group, not both.",
                {"field": "company"},
            )
        return self


class CategoryRow(SyncRow):
    """A node of the category tree; parents may come later in the same batch."""

    external_id: ErpId
    name: Text = Field(min_length=1, max_length=150)
    parent: ErpId | None = Field(None, description="The parent's ERP id; null: a root")
    sort_order: SortOrder = 0
    active: bool = True
    in_public_teaser: bool = False


class ImageRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Text = Field(max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://\S+$")
    alt_text: Text = Field("", max_length=255)


class ProductDataRow(SyncRow):
    """A product; fields left out keep their stored values (a new product needs sku, name
    and category). ``barcodes`` and ``images``, when sent, replace the product's set."""

    external_id: ErpId = Field(description="The product's ERP id")
    sku: Text | None = Field(None, min_length=1, max_length=64)
    name: Text | None = Field(None, min_length=1, max_length=255)
    description: Text = Field("", max_length=20000)
    category: ErpId | None = Field(None, description="The category's ERP id")
    brand: Text | None = Field(None, min_length=1, max_length=120, description="Created if new")
    unit: Unit = Unit.PIECE
    pack_multiple: Quantity = Decimal(1)
    min_quantity: Quantity = Decimal(1)
    weight_kg: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)] | None = None
    length_mm: Millimetres | None = None
    width_mm: Millimetres | None = None
    height_mm: Millimetres | None = None
    volume_m3: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=6)] | None = None
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Decimal(20)
    active: bool = Field(True, description="false: switched off, never deleted")
    barcodes: list[Annotated[Text, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=50, description="GTINs; the first is the primary"
    )
    images: list[ImageRow] = Field(
        default_factory=list, max_length=20, description="Fetched in the background"
    )


class WarehouseRow(SyncRow):
    """A warehouse; ``active: false`` switches it off."""

    external_id: ErpId
    code: Code
    name: Text = Field(min_length=1, max_length=150)
    region: Code | None = Field(None, description="Region code")
    address: Text = Field("", max_length=2000)
    lead_time_days: Days = 0
    open_to_all: bool = False
    active: bool = True
    sort_order: SortOrder = 0


# ---- from rows to the domain services -----------------------------------------------------


def _upper(name: str) -> Callable[[Any], str]:
    return lambda row: getattr(row, name).upper()


def _sent(row: SyncRow) -> frozenset[str]:
    """The fields the row sent: the others keep what is stored."""
    return frozenset(row.model_fields_set)


def _companies(rows: Sequence[CompanyRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(CompanyChange, rows, credit_currency=_upper("credit_currency"), sent=_sent)
    return upsert_companies(changes, source=source)


def _credit(rows: Sequence[CreditRow], source: str, reference: str) -> list[RowResult]:
    return set_credit(changes_of(CreditChange, rows, currency=_upper("currency")), source=source)


def _contracts(rows: Sequence[ContractRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(ContractChange, rows, currency=_upper("currency"))
    return upsert_contracts(changes, source=source)


def _price_types(rows: Sequence[PriceTypeRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(PriceTypeChange, rows, currency=_upper("currency"))
    return upsert_price_types(changes, source=source)


def _quantity_breaks(
    rows: Sequence[QuantityBreaksRow], source: str, reference: str
) -> list[RowResult]:
    tables = changes_of(
        BreakTable,
        rows,
        breaks=lambda row: tuple(BreakStep(b.min_quantity, b.discount_percent) for b in row.breaks),
    )
    return replace_quantity_breaks(tables, source=source)


def _categories(rows: Sequence[CategoryRow], source: str, reference: str) -> list[RowResult]:
    return upsert_categories(changes_of(CategoryChange, rows), source=source)


def _products(rows: Sequence[ProductDataRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(
        ProductChange,
        rows,
        barcodes=lambda row: tuple(row.barcodes),
        images=lambda row: tuple(ImageSource(image.url, image.alt_text) for image in row.images),
        sent=_sent,
    )
    return upsert_products(changes, source=source)


def _warehouses(rows: Sequence[WarehouseRow], source: str, reference: str) -> list[RowResult]:
    return upsert_warehouses(changes_of(WarehouseChange, rows), source=source)


CUSTOMERS, PRICES = SyncCategoryCode.CUSTOMERS, SyncCategoryCode.PRICES
PRODUCTS, STOCK = SyncCategoryCode.PRODUCTS, SyncCategoryCode.STOCK

MASTER_FEEDS: tuple[Feed, ...] = (
    Feed(
        "companies",
        Scope.CUSTOMERS_WRITE,
        CUSTOMERS,
        CompanyRow,
        _companies,
        "Companies (the ERP's counterparties), with credit",
    ),
    Feed(
        "credit",
        Scope.CUSTOMERS_WRITE,
        CUSTOMERS,
        CreditRow,
        _credit,
        "Credit limits and open balances of companies",
    ),
    Feed(
        "contracts",
        Scope.CUSTOMERS_WRITE,
        CUSTOMERS,
        ContractRow,
        _contracts,
        "Dealers' contracts: payment terms, currency and price type",
    ),
    Feed(
        "price-types",
        Scope.PRICES_WRITE,
        PRICES,
        PriceTypeRow,
        _price_types,
        "Price types (the ERP's price columns)",
    ),
    Feed(
        "quantity-breaks",
        Scope.PRICES_WRITE,
        PRICES,
        QuantityBreaksRow,
        _quantity_breaks,
        "Quantity-break tables, each replacing a product's table for its audience",
    ),
    Feed(
        "categories", Scope.CATALOG_WRITE, PRODUCTS, CategoryRow, _categories, "The category tree"
    ),
    Feed(
        "products",
        Scope.CATALOG_WRITE,
        PRODUCTS,
        ProductDataRow,
        _products,
        "Products with barcodes, dimensions and images by URL",
    ),
    Feed("warehouses", Scope.STOCK_WRITE, STOCK, WarehouseRow, _warehouses, "Warehouses"),
)
