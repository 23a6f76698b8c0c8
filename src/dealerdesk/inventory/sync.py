"""Stock from the ERP in batches: absolute levels and deltas, set-based.

``services.set_stock_level`` applies one change; an ERP sends a hundred thousand at a time.
These services apply the same rules to a whole batch in a few statements per chunk of rows:
one query resolves the chunk's products, one its warehouses, one locks the stock rows it
touches (primary-key order, as reservations lock them), one inserts the rows that do not
exist yet, one ``UPDATE … FROM (VALUES …)`` writes every new figure, and bulk inserts write
the ledger and the audit log. Several changes of one product and warehouse in a batch apply
in the order sent.

``reserved`` is never taken from the ERP here: it is what portal orders hold, and the rows
are locked while the figures change, so a reservation made at the same moment is kept.

Each chunk is its own transaction (a savepoint inside a caller's transaction, which then
makes the whole batch all-or-nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from dealerdesk.catalog.models import Product
from dealerdesk.core.audit import diff
from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult
from dealerdesk.inventory.availability import ZERO
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import (
    DIGITS,
    PLACES,
    IncomingStock,
    StockLevel,
    StockMovement,
    Warehouse,
)
from dealerdesk.inventory.services import MAX_QUANTITY, STEP, IncomingEntry, _schedule

# Rows per chunk: 2,000 rows of the UPDATE's eight values stay under every database's limit
# of bound parameters (SQLite 32,766), and a chunk's locks are held for a short time.
CHUNK_ROWS = 2000
# The column types of the new figures on PostgreSQL, in the order ``_update`` sends them.
UPDATE_TYPES = ("bigint", "numeric", "numeric", "bigint", "timestamptz", "bigint", "timestamptz")
LEDGER_COLUMNS = (
    "product_id",
    "warehouse_id",
    "kind",
    "on_hand_delta",
    "reserved_delta",
    "on_hand_after",
    "reserved_after",
    "reference",
    "source",
)
AUDIT_COLUMNS = (
    "actor_repr",
    "action",
    "verb",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "source",
)
VERB_SET = "stock set"
VERB_DELTA = "stock delta"
STOCK_LEVEL_TYPE = StockLevel._meta.label_lower


@dataclass(frozen=True)
class StockLevelChange:
    """The ERP's absolute stock of a product (its ERP id, or its SKU) in a warehouse."""

    index: int
    warehouse: str
    on_hand: Decimal
    stamp: ErpStamp
    product: str = ""
    sku: str = ""
    safety_stock: Decimal | None = None
    incoming: tuple[IncomingEntry, ...] | None = None


@dataclass(frozen=True)
class StockDeltaChange:
    """A movement the ERP made (a receipt, a shipment): on hand changes by ``delta``."""

    index: int
    warehouse: str
    delta: Decimal
    stamp: ErpStamp
    product: str = ""
    sku: str = ""


def set_stock_levels(
    rows: Sequence[StockLevelChange], *, source: str, reference: str
) -> list[RowResult]:
    """Set the stock of each row's product and warehouse to the ERP's figures.

    The batch form of ``services.set_stock_level``: a change older than the one the row holds
    (``ErpStamp.is_newer_than``) is stale; the same figures again are unchanged (the ERP
    sequence still moves on); a given ``incoming`` replaces the schedule of receipts. Every
    change of on hand writes an ERP_SYNC ledger row with ``reference`` (the message id) and an
    audit entry. Returns one result per row, in the order given.
    """
    return _run(rows, source=source, reference=reference, apply=_apply_level)


def apply_stock_deltas(
    rows: Sequence[StockDeltaChange], *, source: str, reference: str
) -> list[RowResult]:
    """Add each row's ``delta`` to on hand, at most once.

    The message id makes a batch idempotent: the inbound framework applies a message once.
    A delta whose ERP stamp is not newer than the last ABSOLUTE level applied to the row
    (``erp_level_version`` / ``erp_level_changed_at``) is already counted in that level, so it
    is stale. Otherwise on hand += delta, and ``erp_version`` / ``erp_changed_at`` become the
    larger of the held and the delta's. A delta that would take on hand below zero is
    rejected (``negative_stock``) and changes nothing. Several deltas of one row in a batch
    apply in order. Returns one result per row, in the order given.
    """
    return _run(rows, source=source, reference=reference, apply=_apply_delta)


# --- one pass for both kinds of change ------------------------------------------------------

Change = StockLevelChange | StockDeltaChange
Key = tuple[int, int]


@dataclass
class _Level:
    """A locked stock row as the chunk's changes leave it."""

    pk: int
    product_id: int
    warehouse_id: int
    on_hand: Decimal
    reserved: Decimal
    safety_stock: Decimal
    erp_version: int | None
    erp_changed_at: dt.datetime | None
    erp_level_version: int | None
    erp_level_changed_at: dt.datetime | None
    created: bool = False  # no change of this batch has been recorded against it yet
    inserted: bool = False  # this chunk inserted the row
    touched: bool = False  # anything to write, if only the sequence
    schedule: list[IncomingEntry] | None = None  # the new receipts, when the ERP sent them
    old_schedule: list[tuple[int, dt.date | None, Decimal]] = field(default_factory=list)

    def figures(self) -> dict[str, str]:
        return {"on_hand": str(self.on_hand), "safety_stock": str(self.safety_stock)}


@dataclass
class _Chunk:
    """What one chunk writes besides the stock rows, as rows of ``LEDGER_COLUMNS`` and
    ``AUDIT_COLUMNS`` (plain tuples: building a model instance per row costs more than the
    rest of the row's work)."""

    movements: list[tuple[Any, ...]] = field(default_factory=list)
    audits: list[tuple[Any, ...]] = field(default_factory=list)


# Applies one row to its locked stock row: (row, level, written, source, reference) -> result.
Apply = Callable[[Any, "_Level", "_Chunk", str, str], RowResult]


def _run(rows: Sequence[Any], *, source: str, reference: str, apply: Apply) -> list[RowResult]:
    results: list[RowResult] = []
    for chunk in _chunks(rows, CHUNK_ROWS):
        results.extend(_run_chunk(chunk, source=source, reference=reference, apply=apply))
    return results


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _run_chunk(
    rows: Sequence[Change], *, source: str, reference: str, apply: Apply
) -> list[RowResult]:
    results: dict[int, RowResult] = {}
    valid: list[tuple[int, Change, Key]] = []
    products = _products(rows)
    warehouses = dict(
        Warehouse.objects.filter(code__in={row.warehouse for row in rows}).values_list("code", "pk")
    )
    for position, row in enumerate(rows):
        problem = _problem(row, products, warehouses)
        if problem is not None:
            results[position] = problem
            continue
        product_id = products[("id", row.product) if row.product else ("sku", row.sku)]
        valid.append((position, row, (product_id, warehouses[row.warehouse])))
    with transaction.atomic():
        levels = _lock(valid)
        if any(
            isinstance(row, StockLevelChange) and row.incoming is not None for *_, row, _k in valid
        ):
            _read_schedules(levels)
        written = _Chunk()
        for position, row, key in valid:
            results[position] = apply(row, levels[key], written, source, reference)
        _write(levels.values(), written)
    return [results[position] for position in range(len(rows))]


def _products(rows: Sequence[Change]) -> dict[tuple[str, str], int]:
    """The chunk's products by ("id", ERP id) and ("sku", SKU), in one query."""
    ids = {row.product for row in rows if row.product}
    skus = {row.sku for row in rows if row.sku and not row.product}
    if not ids and not skus:
        return {}
    found: dict[tuple[str, str], int] = {}
    for pk, external_id, sku in Product.objects.filter(
        Q(external_id__in=ids) | Q(sku__in=skus)
    ).values_list("pk", "external_id", "sku"):
        if external_id in ids:
            found[("id", external_id)] = pk
        if sku in skus:
            found[("sku", sku)] = pk
    return found


def _key(row: Change) -> str:
    return f"{row.product or row.sku}/{row.warehouse}"


def _problem(
    row: Change, products: dict[tuple[str, str], int], warehouses: dict[str, int]
) -> RowResult | None:
    """Why a row cannot apply, before anything is read under lock; None when it can."""
    index, key = row.index, _key(row)
    if not row.product and not row.sku:
        return RowResult.rejected(
            index, key, "product", "required", "Name the product by its ERP id or its SKU."
        )
    if row.product and ("id", row.product) not in products:
        return RowResult.rejected(
            index, key, "product", "unknown_product", f"No product has ERP id {row.product!r}."
        )
    if not row.product and ("sku", row.sku) not in products:
        return RowResult.rejected(
            index, key, "sku", "unknown_product", f"No product has SKU {row.sku!r}."
        )
    if row.warehouse not in warehouses:
        return RowResult.rejected(
            index,
            key,
            "warehouse",
            "unknown_warehouse",
            f"No warehouse has code {row.warehouse!r}.",
        )
    if isinstance(row, StockDeltaChange):
        if _quantity(row.delta, signed=True) is None:
            return RowResult.rejected(
                index,
                key,
                "delta",
                "invalid_quantity",
                f"delta must be a number between -{MAX_QUANTITY} and {MAX_QUANTITY}, "
                f"not {row.delta}.",
            )
        return None
    checks: list[tuple[str, Decimal | None]] = [
        ("on_hand", row.on_hand),
        ("safety_stock", row.safety_stock),
    ]
    for position, entry in enumerate(row.incoming or ()):
        checks.append((f"incoming.{position}.quantity", IncomingEntry(*entry).quantity))
    for name, value in checks:
        if value is not None and _quantity(value) is None:
            return RowResult.rejected(
                index,
                key,
                name,
                "invalid_quantity",
                f"{name} must be zero or more and below {MAX_QUANTITY}, not {value}.",
            )
    return None


def _quantity(value: Any, *, signed: bool = False) -> Decimal | None:
    """A stock figure rounded to three places, or None when it is not one."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite() or abs(number) >= MAX_QUANTITY or (number < 0 and not signed):
        return None
    return number.quantize(STEP)


def _lock(valid: Sequence[tuple[int, Change, Key]]) -> dict[Key, _Level]:
    """The stock rows of the chunk, locked in primary-key order; rows that do not exist yet
    are inserted (a concurrent insert of the same row is no conflict) and locked too."""
    keys = {key for *_, key in valid}
    if not keys:
        return {}
    levels = _select(keys)
    missing = keys - set(levels)
    if missing:
        _insert_empty_levels(sorted(missing))
        for key, level in _select(missing).items():
            level.created = level.inserted = True
            levels[key] = level
    return levels


def _insert_empty_levels(keys: Sequence[Key]) -> None:
    """Stock rows with nothing on hand for these pairs; a pair another transaction has just
    inserted is skipped (ON CONFLICT DO NOTHING, on both databases)."""
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    now = timezone.now()
    columns = "created_at, updated_at, product_id, warehouse_id, on_hand, reserved, safety_stock"
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names only
            "SELECT %s, %s, product, warehouse, 0, 0, 0 "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS new (product, warehouse) "
            "ON CONFLICT (product_id, warehouse_id) DO NOTHING"
        )
        params: list[Any] = [now, now, [k[0] for k in keys], [k[1] for k in keys]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    adapted = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, 0, 0, 0) "  # noqa: S608
        "ON CONFLICT (product_id, warehouse_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapted, adapted, p, w) for p, w in keys])


def _select(keys: set[Key]) -> dict[Key, _Level]:
    # Products IN (…) and warehouses IN (…) may lock a few rows beyond the wanted pairs (an
    # ERP batch usually sends every warehouse of a product): harmless, and one indexed query.
    rows = (
        StockLevel.objects.select_for_update()
        .filter(product_id__in={key[0] for key in keys}, warehouse_id__in={key[1] for key in keys})
        .order_by("pk")
        .values_list(
            "pk",
            "product_id",
            "warehouse_id",
            "on_hand",
            "reserved",
            "safety_stock",
            "erp_version",
            "erp_changed_at",
            "erp_level_version",
            "erp_level_changed_at",
        )
    )
    found = {}
    for values in rows:
        level = _Level(*values)
        if (level.product_id, level.warehouse_id) in keys:
            found[(level.product_id, level.warehouse_id)] = level
    return found


def _read_schedules(levels: dict[Key, _Level]) -> None:
    """The receipts on the way for the chunk's rows (one query)."""
    rows = IncomingStock.objects.filter(
        product_id__in={key[0] for key in levels}, warehouse_id__in={key[1] for key in levels}
    ).values_list("pk", "product_id", "warehouse_id", "expected_date", "quantity")
    for pk, product_id, warehouse_id, date, quantity in rows:
        level = levels.get((product_id, warehouse_id))
        if level is not None:
            level.old_schedule.append((pk, date, quantity))


def _current_schedule(level: _Level) -> list[IncomingEntry]:
    if level.schedule is not None:
        return level.schedule
    return [IncomingEntry(quantity, date) for _pk, date, quantity in level.old_schedule]


def _merged(entries: Iterable[IncomingEntry]) -> list[IncomingEntry]:
    """Receipts with a quantity, merged by date (as ``services.set_stock_level`` keeps them)."""
    merged: dict[dt.date | None, Decimal] = {}
    for raw in entries:
        entry = IncomingEntry(*raw)
        quantity = _quantity(entry.quantity) or ZERO
        if quantity:
            merged[entry.expected_date] = merged.get(entry.expected_date, ZERO) + quantity
    return [IncomingEntry(quantity, date) for date, quantity in merged.items()]


def _apply_level(
    row: StockLevelChange, level: _Level, written: _Chunk, source: str, reference: str
) -> RowResult:
    key = _key(row)
    if not row.stamp.is_newer_than(level.erp_version, level.erp_changed_at):
        return RowResult.stale(row.index, key, level.erp_version or level.erp_changed_at)
    on_hand = _quantity(row.on_hand) or ZERO
    before: dict[str, Any] = {**level.figures(), "erp_version": level.erp_version}
    delta = on_hand - level.on_hand
    level.on_hand = on_hand
    if row.safety_stock is not None:
        level.safety_stock = _quantity(row.safety_stock) or ZERO
    old_schedule = new_schedule = []
    if row.incoming is not None:
        old_schedule = _schedule((e.expected_date, e.quantity) for e in _current_schedule(level))
        schedule = _merged(row.incoming)
        new_schedule = _schedule((e.expected_date, e.quantity) for e in schedule)
        if new_schedule != old_schedule:
            level.schedule = schedule
    _stamp(level, row.stamp)
    if row.stamp.version is not None:
        level.erp_level_version = row.stamp.version
    if row.stamp.changed_at is not None:
        level.erp_level_changed_at = row.stamp.changed_at
    level.touched = True
    after: dict[str, Any] = {**level.figures(), "erp_version": level.erp_version}
    if row.incoming is not None:
        before["incoming"], after["incoming"] = old_schedule, new_schedule
    changed = diff(before, after)
    changed.pop("erp_version", None)
    if not changed and not level.created:
        return RowResult(row.index, Outcome.UNCHANGED, key)
    return _record(row, level, written, delta, before, after, VERB_SET, source, reference)


def _apply_delta(
    row: StockDeltaChange, level: _Level, written: _Chunk, source: str, reference: str
) -> RowResult:
    key = _key(row)
    if not row.stamp.is_newer_than(level.erp_level_version, level.erp_level_changed_at):
        held = level.erp_level_version or level.erp_level_changed_at
        return RowResult(
            row.index,
            Outcome.STALE,
            key,
            code="stale",
            message=f"Already counted in the stock level the ERP sent ({held}); ignored.",
        )
    delta = _quantity(row.delta, signed=True) or ZERO
    if level.on_hand + delta < 0:
        return RowResult.rejected(
            row.index,
            key,
            "delta",
            "negative_stock",
            f"On hand is {level.on_hand}; a delta of {delta} would take it below zero.",
        )
    before = {**level.figures(), "erp_version": level.erp_version}
    level.on_hand += delta
    _stamp(level, row.stamp)
    level.touched = True
    if not delta and not level.created:
        return RowResult(row.index, Outcome.UNCHANGED, key)
    after = {**level.figures(), "erp_version": level.erp_version}
    return _record(row, level, written, delta, before, after, VERB_DELTA, source, reference)


def _stamp(level: _Level, stamp: ErpStamp) -> None:
    """The held ERP sequence and time move forward, never back."""
    if stamp.version is not None:
        level.erp_version = max(stamp.version, level.erp_version or stamp.version)
    if stamp.changed_at is not None:
        held = level.erp_changed_at
        level.erp_changed_at = stamp.changed_at if held is None else max(held, stamp.changed_at)


def _record(
    row: Change,
    level: _Level,
    written: _Chunk,
    delta: Decimal,
    before: dict[str, Any],
    after: dict[str, Any],
    verb: str,
    source: str,
    reference: str,
) -> RowResult:
    """The ledger row (when on hand moved) and the audit entry of an applied change."""
    if delta:
        written.movements.append(
            (
                level.product_id,
                level.warehouse_id,
                StockMovementKind.ERP_SYNC.value,
                delta,
                ZERO,
                level.on_hand,
                level.reserved,
                reference,
                source,
            )
        )
    created = level.created
    level.created = False  # a second change of the row in this batch is an update of it
    if created:
        action, audit_before, audit_after = AuditAction.CREATE.value, None, after
    else:
        changed = diff(before, after)
        action = AuditAction.UPDATE.value
        audit_before = {name: pair[0] for name, pair in changed.items()}
        audit_after = {name: pair[1] for name, pair in changed.items()}
    written.audits.append(
        (
            "system",
            action,
            verb,
            STOCK_LEVEL_TYPE,
            str(level.pk),
            f"product #{level.product_id} @ warehouse #{level.warehouse_id}: {level.on_hand}",
            json.dumps(audit_before) if audit_before is not None else None,
            json.dumps(audit_after),
            source[:100],
        )
    )
    return RowResult(row.index, Outcome.CREATED if created else Outcome.UPDATED, _key(row))


# --- writing a chunk ------------------------------------------------------------------------


def _write(levels: Iterable[_Level], written: _Chunk) -> None:
    levels = list(levels)
    # A row inserted for changes that were all refused or stale is taken out again, unless a
    # reservation holds stock on it now.
    unused = [lv.pk for lv in levels if lv.inserted and not lv.touched and not lv.reserved]
    if unused:
        StockLevel.objects.filter(pk__in=unused, reserved=0).delete()
    touched = [level for level in levels if level.touched]
    if touched:
        _update(touched)
    replaced = [level for level in touched if level.schedule is not None]
    if replaced:
        IncomingStock.objects.filter(
            pk__in=[pk for level in replaced for pk, _d, _q in level.old_schedule]
        ).delete()
        IncomingStock.objects.bulk_create(
            IncomingStock(
                product_id=level.product_id,
                warehouse_id=level.warehouse_id,
                quantity=entry.quantity,
                expected_date=entry.expected_date,
            )
            for level in replaced
            for entry in level.schedule or ()
        )
    now = timezone.now()
    if written.movements:
        _insert(StockMovement, LEDGER_COLUMNS, written.movements, now)
    if written.audits:
        _insert(AuditEntry, AUDIT_COLUMNS, written.audits, now)


def _update(levels: Sequence[_Level]) -> None:
    """One UPDATE of every touched row from a table of the new figures: ``unnest`` of one
    array per column on PostgreSQL (seven parameters however many rows), a ``VALUES`` list
    on SQLite (3.33 and later).

    The rows are locked by this transaction, so the figures computed here are the current
    ones; ``reserved`` is not written at all.
    """
    columns = [
        [level.pk for level in levels],
        [level.on_hand for level in levels],
        [level.safety_stock for level in levels],
        [level.erp_version for level in levels],
        [level.erp_changed_at for level in levels],
        [level.erp_level_version for level in levels],
        [level.erp_level_changed_at for level in levels],
    ]
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    names = (
        "id, on_hand, safety_stock, erp_version, erp_changed_at, level_version, level_changed_at"
    )
    assignments = (
        "on_hand = new.on_hand, safety_stock = new.safety_stock, "
        "erp_version = new.erp_version, erp_changed_at = new.erp_changed_at, "
        "erp_level_version = new.level_version, erp_level_changed_at = new.level_changed_at"
    )
    now = timezone.now()
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in UPDATE_TYPES)
        sql = (
            f"UPDATE {table} SET {assignments}, updated_at = %s "  # noqa: S608 - names only
            f"FROM unnest({arrays}) AS new ({names}) WHERE {table}.id = new.id"
        )
        params: list[Any] = [now, *columns]
    else:
        ops = connection.ops
        rows = list(zip(*columns, strict=True))
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        sql = (
            f"WITH new ({names}) AS (VALUES {values}) "  # noqa: S608 - placeholders only
            f"UPDATE {table} SET {assignments}, updated_at = %s "
            f"FROM new WHERE {table}.id = new.id"
        )
        params = [
            *(
                value
                for pk, on_hand, safety, version, at, level_version, level_at in rows
                for value in (
                    pk,
                    ops.adapt_decimalfield_value(on_hand, DIGITS, PLACES),
                    ops.adapt_decimalfield_value(safety, DIGITS, PLACES),
                    version,
                    ops.adapt_datetimefield_value(at),
                    level_version,
                    ops.adapt_datetimefield_value(level_at),
                )
            ),
            ops.adapt_datetimefield_value(now),
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert(
    model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]], now: Any
) -> None:
    """Append ``rows`` (values of the columns ``names``) and ``created_at`` = now to the
    model's table: COPY on PostgreSQL, one executemany of a prepared INSERT on SQLite."""
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    column_list = ", ".join(["created_at", *names])
    if connection.vendor == "postgresql":
        # COPY inside the transaction: the bulk path PostgreSQL is fastest at.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((now, *row))
        return
    ops = connection.ops
    adapted_now = ops.adapt_datetimefield_value(now)
    placeholders = ", ".join(["%s"] * (len(names) + 1))
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608
    decimals = {
        position
        for position, name in enumerate(names)
        if isinstance(meta.get_field(name), models.DecimalField)
    }
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [
                    adapted_now,
                    *(str(value) if n in decimals else value for n, value in enumerate(row)),
                ]
                for row in rows
            ],
        )
