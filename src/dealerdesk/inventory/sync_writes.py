"""Writing a chunk of ERP stock changes: the stock rows, their ledger and the audit log
(for what the ledger does not hold: safety stock, receipts on the way).

``inventory.sync`` decides, row by row, what each change does to its locked stock row and
notes every applied change here as a plain tuple (``AppliedChanges``); ``write_chunk`` then
writes the chunk in a fixed number of statements. On PostgreSQL the new figures and the
changes go in with COPY and one statement updates the stock rows and builds the ledger rows
and the audit entries (with their JSON) in the database; on SQLite an
``UPDATE … FROM (VALUES …)`` and two ``executemany`` do the same.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.inventory.availability import ZERO
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import DIGITS, PLACES, IncomingStock, StockLevel, StockMovement
from dealerdesk.inventory.services import IncomingEntry

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
# One applied change as ``inventory.sync`` notes it; the ledger row and the audit entry are both
# made from it (in SQL on PostgreSQL, in Python on SQLite).
CHANGE_COLUMNS = (
    "level_id",
    "product_id",
    "warehouse_id",
    "created",
    "verb",
    "on_hand_delta",
    "on_hand_before",
    "on_hand_after",
    "reserved_after",
    "safety_before",
    "safety_after",
    "version_before",
    "version_after",
    "incoming_before",
    "incoming_after",
)
CHANGE_TYPES = (
    "bigint",
    "bigint",
    "bigint",
    "boolean",
    "text",
    "numeric",
    "numeric",
    "numeric",
    "numeric",
    "numeric",
    "numeric",
    "bigint",
    "bigint",
    "jsonb",
    "jsonb",
)
STOCK_LEVEL_TYPE = StockLevel._meta.label_lower


@dataclass(slots=True)
class LockedLevel:
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


@dataclass
class AppliedChanges:
    """The changes a chunk applied, as rows of ``CHANGE_COLUMNS`` (plain tuples: building a
    model instance per row costs more than the rest of the row's work), and where they came
    from."""

    source: str
    reference: str
    changes: list[tuple[Any, ...]] = field(default_factory=list)


def write_chunk(levels: Iterable[LockedLevel], written: AppliedChanges) -> None:
    """Write what the chunk's changes left in its locked stock rows, and their history."""
    levels = list(levels)
    # A row inserted for changes that were all refused or stale is taken out again, unless a
    # reservation holds stock on it now.
    unused = [lv.pk for lv in levels if lv.inserted and not lv.touched and not lv.reserved]
    if unused:
        StockLevel.objects.filter(pk__in=unused, reserved=0).delete()
    touched = [level for level in levels if level.touched]
    if not touched:
        return
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
    if connection.vendor == "postgresql":
        _write_in_postgres(touched, written)
    else:
        _write_in_sqlite(touched, written)


# --- PostgreSQL: two COPYs and one statement ---------------------------------------------------

# The new figures of a touched stock row, as ``_write_in_postgres`` stages them.
STAGED_LEVEL = (
    "id bigint, on_hand numeric, safety_stock numeric, erp_version bigint, "
    "erp_changed_at timestamptz, level_version bigint, level_changed_at timestamptz"
)
STAGED_CHANGE = "seq integer, " + ", ".join(
    f"{name} {kind}" for name, kind in zip(CHANGE_COLUMNS, CHANGE_TYPES, strict=True)
)
# An audit entry built by PostgreSQL as ``_audit`` builds it in Python: every figure for a
# new row, only what changed for an update.
_CHANGED = (
    "CASE WHEN {b} IS DISTINCT FROM {a} THEN jsonb_build_object('{name}', {v}) ELSE '{{}}' END"
)
_FIGURES = (
    ("on_hand_before", "on_hand_after", "on_hand", "::text"),
    ("safety_before", "safety_after", "safety_stock", "::text"),
    ("version_before", "version_after", "erp_version", ""),
    ("incoming_before", "incoming_after", "incoming", ""),
)
AUDIT_BEFORE = " || ".join(
    _CHANGED.format(b=before, a=after, name=name, v=before + cast)
    for before, after, name, cast in _FIGURES
)
AUDIT_AFTER = " || ".join(
    _CHANGED.format(b=before, a=after, name=name, v=after + cast)
    for before, after, name, cast in _FIGURES
)
AUDIT_CREATED = (
    "jsonb_build_object('on_hand', on_hand_after::text, 'safety_stock', safety_after::text, "
    "'erp_version', version_after) || CASE WHEN incoming_after IS NULL THEN '{}' "
    "ELSE jsonb_build_object('incoming', incoming_after) END"
)


# Which changes get an audit entry: the ledger row is the trail of a change of on hand (a new
# stock row's first figure included; the chunk's audit entry counts the rows created), so
# only what the ledger does not hold (safety stock, the receipts on the way) is audited.
AUDITED = (
    "(safety_before IS DISTINCT FROM safety_after "
    "OR incoming_before IS DISTINCT FROM incoming_after)"
)


def _write_in_postgres(touched: Sequence[LockedLevel], written: AppliedChanges) -> None:
    """The new figures and the chunk's changes go in with COPY (into scratch tables that live
    only inside the chunk's transaction), then one statement updates the stock rows and
    writes the ledger and the audit log: the database builds those rows and their JSON,
    Python only sends figures.

    The rows are locked by this transaction, so the figures computed here are the current
    ones; ``reserved`` is not written at all.
    """
    stock = connection.ops.quote_name(StockLevel._meta.db_table)
    ledger = connection.ops.quote_name(StockMovement._meta.db_table)
    audit = connection.ops.quote_name(AuditEntry._meta.db_table)
    # Ledger rows and audit entries go in ordered by their indexes' keys (product and
    # warehouse; object id), so that consecutive rows land on the same index pages; the
    # changes of one stock row keep the order they were applied in.
    statement = f"""
        WITH new AS (SELECT * FROM stock_sync_level),
        updated AS (
            UPDATE {stock} SET
                on_hand = new.on_hand, safety_stock = new.safety_stock,
                erp_version = new.erp_version, erp_changed_at = new.erp_changed_at,
                erp_level_version = new.level_version,
                erp_level_changed_at = new.level_changed_at, updated_at = %(now)s
            FROM new WHERE {stock}.id = new.id
        ),
        change AS (SELECT * FROM stock_sync_change),
        ledger AS (
            INSERT INTO {ledger} (created_at, {", ".join(LEDGER_COLUMNS)})
            SELECT %(now)s, product_id, warehouse_id, %(kind)s, on_hand_delta, 0,
                   on_hand_after, reserved_after, %(reference)s, %(source)s
            FROM change WHERE on_hand_delta <> 0 ORDER BY product_id, warehouse_id, seq
        )
        INSERT INTO {audit} (created_at, {", ".join(AUDIT_COLUMNS)})
        SELECT %(now)s, 'system', CASE WHEN created THEN %(create)s ELSE %(update)s END,
               verb, %(type)s, level_id::text,
               'product #' || product_id || ' @ warehouse #' || warehouse_id || ': '
                   || on_hand_after::text,
               CASE WHEN NOT created THEN {AUDIT_BEFORE} END,
               CASE WHEN created THEN {AUDIT_CREATED} ELSE {AUDIT_AFTER} END,
               %(source)s
        FROM change WHERE {AUDITED} ORDER BY level_id::text, seq
    """  # noqa: S608 - names and fixed fragments only
    params: dict[str, Any] = {
        "now": timezone.now(),
        "kind": StockMovementKind.ERP_SYNC.value,
        "reference": written.reference,
        "source": written.source,
        "create": AuditAction.CREATE.value,
        "update": AuditAction.UPDATE.value,
        "type": STOCK_LEVEL_TYPE,
    }
    with connection.cursor() as cursor:
        # Created and dropped inside the chunk's transaction (or savepoint): a failure rolls
        # them back with everything else, and the next chunk starts from nothing.
        cursor.execute(f"CREATE TEMPORARY TABLE stock_sync_level ({STAGED_LEVEL})")
        cursor.execute(f"CREATE TEMPORARY TABLE stock_sync_change ({STAGED_CHANGE})")
        with cursor.cursor.copy("COPY stock_sync_level FROM STDIN") as copy:
            for level in touched:
                copy.write_row(
                    (
                        level.pk,
                        level.on_hand,
                        level.safety_stock,
                        level.erp_version,
                        level.erp_changed_at,
                        level.erp_level_version,
                        level.erp_level_changed_at,
                    )
                )
        with cursor.cursor.copy("COPY stock_sync_change FROM STDIN") as copy:
            for seq, change in enumerate(written.changes):
                *figures, incoming_before, incoming = change
                if incoming is None:
                    copy.write_row((seq, *figures, None, None))
                else:
                    copy.write_row(
                        (seq, *figures, json.dumps(incoming_before), json.dumps(incoming))
                    )
        cursor.execute(statement, params)
        cursor.execute("DROP TABLE stock_sync_level, stock_sync_change")


# --- SQLite: one UPDATE … FROM (VALUES …) and two executemany ---------------------------------


def _write_in_sqlite(touched: Sequence[LockedLevel], written: AppliedChanges) -> None:
    _update(touched)
    now = timezone.now()
    movements = [
        (
            product,
            warehouse,
            StockMovementKind.ERP_SYNC.value,
            delta,
            ZERO,
            on_hand,
            reserved,
            written.reference,
            written.source,
        )
        for _pk, product, warehouse, _c, _v, delta, _b, on_hand, reserved, *_ in written.changes
        if delta
    ]
    if movements:
        _insert(StockMovement, LEDGER_COLUMNS, movements, now)
    audits = [_audit(change, written.source) for change in written.changes if _audited(change)]
    if audits:
        _insert(AuditEntry, AUDIT_COLUMNS, audits, now)


def _audited(change: tuple[Any, ...]) -> bool:
    """``AUDITED`` in Python: a change the ledger does not hold."""
    safety_before, safety, incoming_before, incoming = (
        change[9],
        change[10],
        change[13],
        change[14],
    )
    return safety_before != safety or incoming_before != incoming


def _audit(change: tuple[Any, ...], source: str) -> tuple[Any, ...]:
    """The audit entry of a change: every figure for a new row, only what changed (as
    ``core.audit.record`` keeps an update) otherwise."""
    pk, product, warehouse, created, verb, _delta, on_hand_before, on_hand = change[:8]
    safety_before, safety, version_before, version, incoming_before, incoming = change[9:]
    before: dict[str, Any] = {
        "on_hand": str(on_hand_before),
        "safety_stock": str(safety_before),
        "erp_version": version_before,
    }
    after: dict[str, Any] = {
        "on_hand": str(on_hand),
        "safety_stock": str(safety),
        "erp_version": version,
    }
    if incoming is not None:
        before["incoming"], after["incoming"] = incoming_before, incoming
    if created:
        action, audit_before, audit_after = AuditAction.CREATE.value, None, after
    else:
        action, audit_before, audit_after = AuditAction.UPDATE.value, {}, {}
        for name, value in after.items():
            if before[name] != value:
                audit_before[name], audit_after[name] = before[name], value
    return (
        "system",
        action,
        verb,
        STOCK_LEVEL_TYPE,
        str(pk),
        f"product #{product} @ warehouse #{warehouse}: {on_hand}",
        None if audit_before is None else json.dumps(audit_before),
        json.dumps(audit_after),
        source,
    )


def _update(levels: Sequence[LockedLevel]) -> None:
    """One UPDATE of every touched row from a ``VALUES`` list of the new figures (SQLite
    3.33 and later); ``reserved`` is not written at all."""
    ops = connection.ops
    table = ops.quote_name(StockLevel._meta.db_table)
    names = (
        "id, on_hand, safety_stock, erp_version, erp_changed_at, level_version, level_changed_at"
    )
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(levels))
    sql = (
        f"WITH new ({names}) AS (VALUES {values}) "  # noqa: S608 - placeholders only
        f"UPDATE {table} SET on_hand = new.on_hand, safety_stock = new.safety_stock, "
        "erp_version = new.erp_version, erp_changed_at = new.erp_changed_at, "
        "erp_level_version = new.level_version, erp_level_changed_at = new.level_changed_at, "
        f"updated_at = %s FROM new WHERE {table}.id = new.id"
    )
    params = [
        *(
            value
            for level in levels
            for value in (
                level.pk,
                ops.adapt_decimalfield_value(level.on_hand, DIGITS, PLACES),
                ops.adapt_decimalfield_value(level.safety_stock, DIGITS, PLACES),
                level.erp_version,
                ops.adapt_datetimefield_value(level.erp_changed_at),
                level.erp_level_version,
                ops.adapt_datetimefield_value(level.erp_level_changed_at),
            )
        ),
        ops.adapt_datetimefield_value(timezone.now()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _insert(
    model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]], now: Any
) -> None:
    """Append ``rows`` (values of the columns ``names``) and ``created_at`` = now to the
    model's table with one executemany of a prepared INSERT."""
    meta = model._meta
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    column_list = ", ".join(["created_at", *names])
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
