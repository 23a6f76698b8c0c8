"""The feeds the ERP pushes: per feed the scope it needs, the schema of one row, and the
domain service that applies a chunk of valid rows.

Rows are validated here (types, required fields, lengths); the domain services judge
references and business rules (unknown product, negative price, stale change).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Self, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dealerdesk.core.sync import ErpStamp, RowResult
from dealerdesk.integration.choices import Scope
from dealerdesk.integration.inbound.fastlane import Lane
from dealerdesk.integration.models.monitor import SyncCategoryCode
from dealerdesk.inventory.services import IncomingEntry
from dealerdesk.inventory.sync import (
    VERB_SET,
    StockDeltaChange,
    StockLevelChange,
    apply_stock_deltas,
    set_stock_levels,
)
from dealerdesk.inventory.sync_staged import SENT_COLUMNS as STOCK_COLUMNS
from dealerdesk.inventory.sync_staged import write_sent_levels
from dealerdesk.ordering.erp import OrderStatusChange, apply_order_statuses
from dealerdesk.pricing.sync import (
    CustomerPriceChange,
    upsert_customer_prices,
    upsert_prices,
)
from dealerdesk.pricing.sync_staged import SENT_COLUMNS as PRICE_COLUMNS
from dealerdesk.pricing.sync_staged import write_sent_prices

# The validation context key saying that the rows' text was checked at the source.
TEXT_STORABLE = "text_storable"
# In JSON text, NUL and the UTF-16 surrogates can only be written as escapes: a raw NUL is
# not JSON, and no UTF-8 encodes a surrogate. A document without these escapes (a pair of
# surrogates, an emoji say, matches as well) holds neither in any string.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SCAN_BLOCK = 1 << 20


def json_text_storable(stream: IO[bytes]) -> bool:
    """Whether no string of the JSON in ``stream`` can hold NUL or a lone surrogate: the
    per-row check (``SyncRow._storable_text``) can then be skipped. Reads the stream."""
    tail = b""
    while block := stream.read(_SCAN_BLOCK):
        if _UNSTORABLE_ESCAPE.search(tail + block):
            return False
        tail = (tail + block)[-5:]  # an escape cut by the block's end: matched with the next
    return True


def _bad_text(text: str) -> bool:
    """Whether ``text`` holds what no database stores as text: NUL, or a lone surrogate."""
    if "\x00" in text:
        return True
    if text.isascii():  # the common case, decided without encoding
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def _unstorable(value: Any, path: str) -> str | None:
    """The path of the first string in ``value`` (keys too) that cannot be stored, else None.

    Every row of a bulk feed passes here: a row's plain fields are looked at in the loop,
    and only nested objects and lists cost a call of their own."""
    if isinstance(value, str):
        return path if _bad_text(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _bad_text(key):
                return ""
            if isinstance(item, str):
                if _bad_text(item):
                    return f"{path}.{key}" if path else str(key)
            elif isinstance(item, (dict, list)):
                found = _unstorable(item, f"{path}.{key}" if path else str(key))
                if found is not None:
                    return found
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found = _unstorable(item, f"{path}.{position}")
            if found is not None:
                return found
    return None


class SyncRow(BaseModel):
    """What every row carries: the ERP's change sequence and/or change time, so that an
    older change never overwrites a newer one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    erp_version: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="The ERP's change sequence number"
    )
    erp_changed_at: AwareDatetime | None = Field(
        default=None, description="When the ERP made the change (ISO 8601 with offset)"
    )

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any, info: ValidationInfo) -> Any:
        """Text no database stores is refused here, naming the field: NUL (PostgreSQL
        refuses it) and lone UTF-16 surrogates (no UTF-8 for them), at any depth. Skipped
        when the caller has seen the JSON the rows came from and it cannot hold either
        (``TEXT_STORABLE`` in the context; see ``json_text_storable``)."""
        if info.context and info.context.get(TEXT_STORABLE):
            return data
        found = _unstorable(data, "")
        if found is not None:
            raise PydanticCustomError(
                "unstorable_text",
                "{field} holds a NUL character or a lone surrogate, which no text can store.",
                {"field": found or "a field name"},
            )
        return data

    @field_validator("erp_changed_at")
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        # ISO 8601 allows offsets up to ±23:59, PostgreSQL stores up to ±15:59: held in UTC,
        # every offset is the same instant and every database takes it.
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError as error:
            raise PydanticCustomError(
                "datetime_out_of_range", "The change time is out of range in UTC."
            ) from error

    @model_validator(mode="after")
    def _stamped(self) -> Self:
        if self.erp_version is None and self.erp_changed_at is None:
            raise PydanticCustomError(
                "missing_stamp",
                "Send erp_version, erp_changed_at or both, so changes apply in order.",
                {"field": "erp_version"},
            )
        return self

    @property
    def stamp(self) -> ErpStamp:
        return ErpStamp(self.erp_version, self.erp_changed_at)


class ProductRow(SyncRow):
    """A row about one product, named by its ERP id or, failing that, its SKU."""

    product: str | None = Field(
        default=None, min_length=1, max_length=100, description="Product ERP id"
    )
    sku: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _names_product(self) -> Self:
        if not self.product and not self.sku:
            raise PydanticCustomError(
                "missing_product",
                "Name the product by its ERP id (product) or its sku.",
                {"field": "product"},
            )
        return self


class PriceRow(ProductRow):
    """A product's price in a price type, from a date (none: since ever)."""

    price_type: str = Field(min_length=1, max_length=32, description="Price type code")
    amount: Decimal = Field(description="Net amount, up to 4 decimal places")
    currency: str | None = Field(
        default=None, min_length=3, max_length=3, description="If sent, the price type's"
    )
    valid_from: dt.date | None = None
    valid_to: dt.date | None = Field(default=None, description="Last day it applies")


class CustomerPriceRow(ProductRow):
    """A price agreed with one dealer, for all its contracts or one."""

    external_id: str = Field(min_length=1, max_length=100, description="The agreement's ERP id")
    company: str = Field(min_length=1, max_length=100, description="The dealer's ERP id")
    contract: str | None = Field(
        default=None, min_length=1, max_length=100, description="Contract ERP id; none: all"
    )
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class IncomingRow(BaseModel):
    """A receipt on its way to a warehouse."""

    model_config = ConfigDict(extra="forbid")

    quantity: Decimal
    expected_date: dt.date | None = None


class StockLevelRow(ProductRow):
    """The absolute stock of a product in a warehouse, as the ERP counts it."""

    warehouse: str = Field(min_length=1, max_length=32, description="Warehouse code")
    on_hand: Decimal
    safety_stock: Decimal | None = None
    incoming: list[IncomingRow] | None = Field(
        default=None, max_length=100, description="If sent, replaces the receipts expected"
    )


class StockDeltaRow(ProductRow):
    """A movement the ERP made: on hand changes by ``delta`` (negative: goods went out)."""

    warehouse: str = Field(min_length=1, max_length=32, description="Warehouse code")
    delta: Decimal


class OrderStatusRow(SyncRow):
    """The ERP's status of an order, named by its portal number or the ERP's number."""

    order: str | None = Field(default=None, min_length=1, max_length=32, description="DD-…")
    erp_number: str | None = Field(default=None, min_length=1, max_length=64)
    status: str = Field(
        min_length=1, max_length=32, description="accepted, invoiced, paid, shipped, …"
    )
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _names_order(self) -> Self:
        if not self.order and not self.erp_number:
            raise PydanticCustomError(
                "missing_order",
                "Name the order by its number (order) or the ERP's number (erp_number).",
                {"field": "order"},
            )
        return self


Apply = Callable[[Sequence[Any], str, str], list[RowResult]]
Change = TypeVar("Change")

# Rows validated and applied together (one transaction) unless a feed says otherwise: a few
# thousand keep memory flat and transactions short.
CHUNK_ROWS = 2000
# The set-based feeds take bigger chunks: their cost per chunk (reference lookups, the
# feed's lock, temporary tables, progress) is then spread over more rows.
BULK_CHUNK_ROWS = 25_000
# The feeds with a fast lane run a big batch in lanes (``process._apply_in_lanes``), where
# chunks half that size keep both lanes busy to the end: the last chunk, written while the
# other lane has nothing left, is smaller. Measured on 100,000 rows: about 3% faster for
# prices and stock than 25,000.
LANE_CHUNK_ROWS = 12_500


@dataclass(frozen=True)
class Feed:
    """One kind of batch the ERP sends to ``POST /api/v1/sync/<name>``."""

    name: str
    scope: str
    category: str
    row: type[SyncRow]
    apply: Apply  # (valid rows, source, reference) -> one result per row, in order
    summary: str
    chunk_rows: int = CHUNK_ROWS
    lane: Lane | None = None  # how valid rows are applied set-based (PostgreSQL)


def changes_of(
    cls: type[Change], rows: Sequence[SyncRow], **derived: Callable[[Any], Any]
) -> list[Change]:
    """A domain service's change rows from validated rows: each field of ``cls`` the row has
    under the same name, the row's ``stamp``, its position as ``index`` where ``cls`` takes
    one, and the ``derived`` fields computed from the row."""
    if not rows:
        return []
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    plain = [name for name in names & set(type(rows[0]).model_fields) if name not in derived]
    numbered = "index" in names
    build: Callable[..., Change] = cls
    return [
        build(
            **{name: getattr(row, name) for name in plain},
            **{name: compute(row) for name, compute in derived.items()},
            stamp=row.stamp,
            **({"index": index} if numbered else {}),
        )
        for index, row in enumerate(rows)
    ]


def _or_empty(name: str) -> Callable[[Any], str]:
    """A row's optional text as the services take it: "" for none."""
    return lambda row: getattr(row, name) or ""


def _prices(rows: Sequence[PriceRow], source: str, reference: str) -> list[RowResult]:
    # A validated row has every attribute the service reads: passed as it is, not copied.
    return upsert_prices(rows, source=source)


def _customer_prices(
    rows: Sequence[CustomerPriceRow], source: str, reference: str
) -> list[RowResult]:
    return upsert_customer_prices(changes_of(CustomerPriceChange, rows), source=source)


def _stock(rows: Sequence[StockLevelRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(
        StockLevelChange,
        rows,
        product=_or_empty("product"),
        sku=_or_empty("sku"),
        incoming=lambda row: (
            None
            if row.incoming is None
            else tuple(IncomingEntry(entry.quantity, entry.expected_date) for entry in row.incoming)
        ),
    )
    return set_stock_levels(changes, source=source, reference=reference)


def _stock_deltas(rows: Sequence[StockDeltaRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(StockDeltaChange, rows, product=_or_empty("product"), sku=_or_empty("sku"))
    return apply_stock_deltas(changes, source=source, reference=reference)


def _order_statuses(rows: Sequence[OrderStatusRow], source: str, reference: str) -> list[RowResult]:
    changes = changes_of(
        OrderStatusChange, rows, order=_or_empty("order"), erp_number=_or_empty("erp_number")
    )
    return apply_order_statuses(changes, source=source)


# The bulk feeds' fast lane on PostgreSQL: a validated row's fields in the order of the
# writer's columns.
PRICE_LANE = Lane(
    fields=(
        "product",
        "sku",
        "price_type",
        "amount",
        "currency",
        "valid_from",
        "valid_to",
        "erp_version",
        "erp_changed_at",
    ),
    columns=PRICE_COLUMNS,
    write=lambda sent, source, _reference, now, every_row, ready: write_sent_prices(
        sent, source=source, now=now, every_row=every_row, ready=ready
    ),
    # A product's prices of a type, whatever their dates (periods of one price meet).
    key=lambda row: (row.product, row.price_type) if row.product else None,
)
# A row that sends the receipts on the way takes the ordinary way.
STOCK_LANE = Lane(
    fields=(
        "product",
        "sku",
        "warehouse",
        "on_hand",
        "safety_stock",
        "erp_version",
        "erp_changed_at",
    ),
    columns=STOCK_COLUMNS,
    write=lambda sent, source, reference, _now, every_row, ready: write_sent_levels(
        sent,
        source=source,
        reference=reference,
        verb=VERB_SET,
        every_row=every_row,
        ready=ready,
    ),
    takes=lambda rows: all(row.incoming is None for row in rows),
    key=lambda row: (row.product, row.warehouse) if row.product else None,
)

FEEDS: dict[str, Feed] = {
    feed.name: feed
    for feed in (
        Feed(
            "prices",
            Scope.PRICES_WRITE,
            SyncCategoryCode.PRICES,
            PriceRow,
            _prices,
            "Prices per product and price type",
            LANE_CHUNK_ROWS,
            PRICE_LANE,
        ),
        Feed(
            "customer-prices",
            Scope.PRICES_WRITE,
            SyncCategoryCode.PRICES,
            CustomerPriceRow,
            _customer_prices,
            "Prices agreed with one dealer",
        ),
        Feed(
            "stock",
            Scope.STOCK_WRITE,
            SyncCategoryCode.STOCK,
            StockLevelRow,
            _stock,
            "Stock levels per product and warehouse (absolute figures)",
            LANE_CHUNK_ROWS,
            STOCK_LANE,
        ),
        Feed(
            "stock-deltas",
            Scope.STOCK_WRITE,
            SyncCategoryCode.STOCK,
            StockDeltaRow,
            _stock_deltas,
            "Stock movements per product and warehouse (deltas)",
            BULK_CHUNK_ROWS,
        ),
        Feed(
            "order-statuses",
            Scope.ORDERS_WRITE,
            SyncCategoryCode.ORDER_STATUSES,
            OrderStatusRow,
            _order_statuses,
            "Order statuses with the ERP's order number",
        ),
    )
}


def row_key(raw: Any) -> str:
    """How the ERP would recognise a row that failed validation: its first id-like field."""
    if isinstance(raw, dict):
        for name in ("external_id", "order", "product", "sku"):
            value = raw.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)[:100]
    return ""


def register(*feeds: Feed) -> None:
    """Add feeds defined elsewhere (the master-data feeds) to the registry the pipeline and
    the API read; called once when the app is ready, before the API declares its routes."""
    for feed in feeds:
        if FEEDS.get(feed.name, feed) is not feed:
            raise ValueError(f"Two feeds are named {feed.name!r}")
        FEEDS[feed.name] = feed
