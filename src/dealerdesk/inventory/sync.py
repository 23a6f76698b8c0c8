"""Stock from the ERP in batches: absolute levels and deltas, set-based.

``services.set_stock_level`` applies one change; an ERP sends a hundred thousand at a time.
These services apply the same rules to a whole batch in a fixed number of statements per
chunk of rows: one query resolves the chunk's products, one its warehouses, one locks the
stock rows it touches (primary-key order, as reservations lock them), one inserts the rows
that do not exist yet; then each row is judged in Python against its locked stock row
(stale, unchanged, rejected, or applied, in the order sent, so several changes of one
product and warehouse in a batch apply one after the other), and ``sync_writes`` writes the
new figures, the ledger and the audit log of the whole chunk at once. On PostgreSQL a chunk of
absolute levels without receipts that names each row once is judged and written by the
database itself (``sync_staged``), under the same rules and locks.

``reserved`` is never taken from the ERP here: it is what portal orders hold, and the rows
are locked while the figures change, so a reservation made at the same moment is kept.

Each chunk is its own transaction (a savepoint inside a caller's transaction, which then
makes the whole batch all-or-nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import connection, transaction
from django.utils import timezone

from dealerdesk.catalog.queries import products_named
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult, held_stamp
from dealerdesk.inventory.availability import ZERO
from dealerdesk.inventory.models import IncomingStock, StockLevel, Warehouse
from dealerdesk.inventory.services import MAX_QUANTITY, STEP, IncomingEntry, _schedule
from dealerdesk.inventory.sync_staged import StagedLevel, write_levels
from dealerdesk.inventory.sync_writes import AppliedChanges, LockedLevel, write_chunk

# Rows per chunk. On SQLite 2,000 rows of the UPDATE's seven values stay under its limit of
# bound parameters (32,766). PostgreSQL takes arrays and COPY, so a chunk there is as large
# as the caller's (the inbound pipeline's) and bounded only to keep locks short.
CHUNK_ROWS = 2000
POSTGRES_CHUNK_ROWS = 10_000
# A figure of zero as the database holds it (three places), so "0" and "0.000" compare and
# print alike.
ZERO_FIGURE = ZERO.quantize(STEP)
VERB_SET = "stock set"
VERB_DELTA = "stock delta"


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
    change of on hand writes an ERP_SYNC ledger row with ``reference`` (the message id), a
    new row's first figure included; an audit entry is written for a change of what the
    ledger does not hold (safety stock, receipts). Returns one result per row, in the order
    given.
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


# Applies one row to its locked stock row: (row, level, written) -> result.
Apply = Callable[[Any, "LockedLevel", "AppliedChanges"], RowResult]


def _run(rows: Sequence[Any], *, source: str, reference: str, apply: Apply) -> list[RowResult]:
    results: list[RowResult] = []
    size = POSTGRES_CHUNK_ROWS if connection.vendor == "postgresql" else CHUNK_ROWS
    for chunk in _chunks(rows, size):
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
    products = products_named(rows)
    warehouses = dict(
        Warehouse.objects.filter(code__in={row.warehouse for row in rows}).values_list("code", "pk")
    )
    for position, row in enumerate(rows):
        problem = _problem(row, products, warehouses)
        if problem is not None:
            results[position] = problem
            continue
        product_id = products[("product", row.product) if row.product else ("sku", row.sku)]
        valid.append((position, row, (product_id, warehouses[row.warehouse])))
    with transaction.atomic():
        if apply is _apply_level and _each_level_once(valid):
            levels_sent = cast("Sequence[tuple[int, StockLevelChange, Key]]", valid)
            results.update(_set_levels_in_postgres(levels_sent, source=source, reference=reference))
            return [results[position] for position in range(len(rows))]
        levels = _lock(valid)
        if any(
            isinstance(row, StockLevelChange) and row.incoming is not None for *_, row, _k in valid
        ):
            _read_schedules(levels)
        written = AppliedChanges(source[:100], reference)
        for position, row, key in valid:
            results[position] = apply(row, levels[key], written)
        write_chunk(levels.values(), written)
    return [results[position] for position in range(len(rows))]


def _each_level_once(valid: Sequence[tuple[int, Change, Key]]) -> bool:
    """True on PostgreSQL for absolute levels without receipts that name each product and
    warehouse once: the database can judge and write those itself (``sync_staged``)."""
    return (
        connection.vendor == "postgresql"
        and all(isinstance(row, StockLevelChange) and row.incoming is None for _p, row, _k in valid)
        and len({key for *_, key in valid}) == len(valid)
    )


def _set_levels_in_postgres(
    valid: Sequence[tuple[int, StockLevelChange, Key]], *, source: str, reference: str
) -> dict[int, RowResult]:
    """``_apply_level`` and ``write_chunk`` for a whole chunk at once, in the database."""
    staged: list[StagedLevel] = []
    for position, row, (product_id, warehouse_id) in valid:
        safety = row.safety_stock
        staged.append(
            (
                position,
                product_id,
                warehouse_id,
                _figure(row.on_hand),
                None if safety is None else _figure(safety),
                row.stamp.version,
                row.stamp.changed_at,
            )
        )
    judged = write_levels(staged, source=source[:100], reference=reference, verb=VERB_SET)
    results: dict[int, RowResult] = {}
    for position, row, _pair in valid:
        outcome, held = judged[position]
        if outcome is Outcome.STALE:
            results[position] = RowResult.stale(row.index, _key(row), held)
        else:
            results[position] = RowResult(row.index, outcome, _key(row))
    return results


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
    if row.product and ("product", row.product) not in products:
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
    return number.quantize(STEP) or ZERO_FIGURE  # no "-0.000"


def _figure(value: Any, *, signed: bool = False) -> Decimal:
    """A figure ``_problem`` has already accepted, rounded as it is stored."""
    return _quantity(value, signed=signed) or ZERO_FIGURE


def lock_all_or_none(lock: Callable[[], bool]) -> bool:
    """Run ``lock`` (which locks rows and says whether it found all it wanted) in a
    savepoint; when it did not, roll the savepoint back, releasing what it locked: a chunk
    must not hold some stock rows while it waits to insert others, which an order's
    reservation may be inserting while it waits for one of the rows held."""
    savepoint = transaction.savepoint()
    if lock():
        transaction.savepoint_commit(savepoint)
        return True
    transaction.savepoint_rollback(savepoint)
    return False


def _lock(valid: Sequence[tuple[int, Change, Key]]) -> dict[Key, LockedLevel]:
    """The stock rows of the chunk, locked in primary-key order. When some are missing, the
    locks are let go, the missing ones inserted (a pair another transaction has just
    inserted is waited for and skipped), then all are locked: the order in which an order's
    reservation takes them, so neither waits for the other in a circle. Only the rows this
    chunk inserted count as created."""
    keys = {key for *_, key in valid}
    if not keys:
        return {}
    found: dict[Key, LockedLevel] = {}

    def lock_all() -> bool:
        found.update(_select(keys))
        return len(found) == len(keys)

    if lock_all_or_none(lock_all):
        return found
    inserted = _insert_empty_levels(sorted(keys))
    levels = _select(keys)
    for key in inserted:
        levels[key].created = levels[key].inserted = True
    return levels


def _insert_empty_levels(keys: Sequence[Key]) -> set[Key]:
    """Stock rows with nothing on hand for the pairs that have none; a pair another
    transaction has just inserted is skipped (ON CONFLICT DO NOTHING, on both databases).
    Returns the pairs this call inserted."""
    table = connection.ops.quote_name(StockLevel._meta.db_table)
    now = timezone.now()
    columns = "created_at, updated_at, product_id, warehouse_id, on_hand, reserved, safety_stock"
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names only
            "SELECT %s, %s, new.product, new.warehouse, 0, 0, 0 "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS new (product, warehouse) "
            f"WHERE NOT EXISTS (SELECT FROM {table} AS level WHERE level.product_id = new.product "
            "AND level.warehouse_id = new.warehouse) "
            "ON CONFLICT (product_id, warehouse_id) DO NOTHING RETURNING product_id, warehouse_id"
        )
        params: list[Any] = [now, now, [k[0] for k in keys], [k[1] for k in keys]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {(product, warehouse) for product, warehouse in cursor.fetchall()}
    existing = set(
        StockLevel.objects.filter(
            product_id__in={key[0] for key in keys}, warehouse_id__in={key[1] for key in keys}
        ).values_list("product_id", "warehouse_id")
    )
    missing = [key for key in keys if key not in existing]
    adapted = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, 0, 0, 0) "  # noqa: S608
        "ON CONFLICT (product_id, warehouse_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapted, adapted, p, w) for p, w in missing])
    # SQLite takes one writer at a time: a pair missing before the insert is taken as this
    # call's own.
    return set(missing)


LEVEL_COLUMNS = (
    "id",
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


def _select(keys: set[Key]) -> dict[Key, LockedLevel]:
    """The stock rows of exactly these pairs, locked in primary-key order."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(StockLevel._meta.db_table)
        columns = ", ".join(f"level.{name}" for name in LEVEL_COLUMNS)
        pairs = sorted(keys)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {table} AS level "  # noqa: S608 - names only
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS wanted (product, warehouse) "
                "ON level.product_id = wanted.product AND level.warehouse_id = wanted.warehouse "
                "ORDER BY level.id FOR UPDATE OF level",
                [[key[0] for key in pairs], [key[1] for key in pairs]],
            )
            rows: Iterable[tuple[Any, ...]] = cursor.fetchall()
    else:
        # Products IN (…) and warehouses IN (…) may lock a few rows beyond the wanted pairs
        # (an ERP batch usually sends every warehouse of a product): harmless, and one query.
        rows = (
            StockLevel.objects.select_for_update()
            .filter(
                product_id__in={key[0] for key in keys}, warehouse_id__in={key[1] for key in keys}
            )
            .order_by("pk")
            .values_list(*LEVEL_COLUMNS)
        )
    found = {}
    for values in rows:
        key = (values[1], values[2])
        if key in keys:
            found[key] = LockedLevel(*values)
    return found


def _read_schedules(levels: dict[Key, LockedLevel]) -> None:
    """The receipts on the way for the chunk's rows (one query)."""
    rows = IncomingStock.objects.filter(
        product_id__in={key[0] for key in levels}, warehouse_id__in={key[1] for key in levels}
    ).values_list("pk", "product_id", "warehouse_id", "expected_date", "quantity")
    for pk, product_id, warehouse_id, date, quantity in rows:
        level = levels.get((product_id, warehouse_id))
        if level is not None:
            level.old_schedule.append((pk, date, quantity))


def _current_schedule(level: LockedLevel) -> list[IncomingEntry]:
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


def _apply_level(row: StockLevelChange, level: LockedLevel, written: AppliedChanges) -> RowResult:
    stamp = row.stamp
    if stale := RowResult.stale_against(row.index, _key(row), stamp, level):
        return stale
    on_hand, safety, version = level.on_hand, level.safety_stock, level.erp_version
    level.on_hand = _figure(row.on_hand)
    if row.safety_stock is not None:
        level.safety_stock = _figure(row.safety_stock)
    incoming = None
    if row.incoming is not None:
        old_schedule = _schedule((e.expected_date, e.quantity) for e in _current_schedule(level))
        schedule = _merged(row.incoming)
        new_schedule = _schedule((e.expected_date, e.quantity) for e in schedule)
        if new_schedule != old_schedule:
            level.schedule = schedule
        incoming = (old_schedule, new_schedule)
    _stamp(level, stamp)
    if stamp.version is not None:
        level.erp_level_version = stamp.version
    if stamp.changed_at is not None:
        level.erp_level_changed_at = stamp.changed_at
    level.touched = True
    # Both sides carry three places, so equal numbers also print alike in the audit log.
    if (
        not level.created
        and level.on_hand == on_hand
        and level.safety_stock == safety
        and (incoming is None or incoming[0] == incoming[1])
    ):
        return RowResult(row.index, Outcome.UNCHANGED, _key(row))
    return _record(row, level, written, VERB_SET, on_hand, safety, version, incoming)


def _apply_delta(row: StockDeltaChange, level: LockedLevel, written: AppliedChanges) -> RowResult:
    stamp = row.stamp
    if not stamp.is_newer_than(level.erp_level_version, level.erp_level_changed_at):
        held = held_stamp(level.erp_level_version, level.erp_level_changed_at)
        return RowResult(
            row.index,
            Outcome.STALE,
            _key(row),
            code="stale",
            message=f"Already counted in the stock level the ERP sent ({held}); ignored.",
        )
    delta = _figure(row.delta, signed=True)
    if level.on_hand + delta < 0:
        return RowResult.rejected(
            row.index,
            _key(row),
            "delta",
            "negative_stock",
            f"On hand is {level.on_hand}; a delta of {delta} would take it below zero.",
        )
    on_hand, version = level.on_hand, level.erp_version
    level.on_hand = on_hand + delta
    _stamp(level, stamp)
    level.touched = True
    if not delta and not level.created:
        return RowResult(row.index, Outcome.UNCHANGED, _key(row))
    return _record(row, level, written, VERB_DELTA, on_hand, level.safety_stock, version, None)


def _stamp(level: LockedLevel, stamp: ErpStamp) -> None:
    """The held ERP sequence and time move forward, never back."""
    if stamp.version is not None:
        level.erp_version = max(stamp.version, level.erp_version or stamp.version)
    if stamp.changed_at is not None:
        held = level.erp_changed_at
        level.erp_changed_at = stamp.changed_at if held is None else max(held, stamp.changed_at)


def _record(
    row: Change,
    level: LockedLevel,
    written: AppliedChanges,
    verb: str,
    on_hand: Decimal,
    safety: Decimal,
    version: int | None,
    incoming: tuple[list[list[str | None]], list[list[str | None]]] | None,
) -> RowResult:
    """Note an applied change (figures before and after) for the ledger and the audit log."""
    created = level.created
    level.created = False  # a second change of the row in this batch is an update of it
    written.changes.append(
        (
            level.pk,
            level.product_id,
            level.warehouse_id,
            created,
            verb,
            level.on_hand - on_hand,
            on_hand,
            level.on_hand,
            level.reserved,
            safety,
            level.safety_stock,
            version,
            level.erp_version,
            *(incoming or (None, None)),
        )
    )
    return RowResult(row.index, Outcome.CREATED if created else Outcome.UPDATED, _key(row))
