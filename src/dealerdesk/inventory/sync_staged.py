"""Absolute stock levels from the ERP written server-side on PostgreSQL.

A chunk's checked rows are copied once into a temporary table, each with its stock row where
it has one; PostgreSQL inserts the stock rows that do not exist yet, already holding the
change that creates them, then one statement locks the chunk's other rows in primary-key
order (as reservations lock them), judges each against what its stock row holds and writes
the new figures, the ledger and the audit log. Python builds no object per stock row,
movement or audit entry.

``inventory.sync.set_stock_levels`` takes this way for a chunk of checked rows that sends
no schedule of receipts and names each product and warehouse at most once; ``write_sent_levels``
takes it for rows the inbound fast lane typed from the ERP's JSON, resolving their products
and warehouses itself (several changes of one row in a
chunk must apply one after the other, which its Python path does). The rules are those of
``inventory.sync._apply_level``: a change not newer than the one the row holds is stale; the
same figures again are unchanged but record the newer stamp; ``reserved`` is never written.

The ledger row (StockMovement, ERP_SYNC, with the message as reference) is the trail of a
change of on hand, a new stock row's first figure included; an audit entry is written only
where a change sets what the ledger does not hold (the safety stock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dealerdesk.catalog.models import Product
from dealerdesk.core.batch import staged_as_sent
from dealerdesk.core.db import by_index_lookups
from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.core.sync import Outcome, RowResult, Written, held_stamp, newer_sql
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import StockLevel, StockMovement, Warehouse
from dealerdesk.inventory.services import MAX_QUANTITY

# One checked row: (position in the chunk, product id, warehouse id, on hand, safety stock
# or None to keep the held one, ERP version, ERP change time); figures rounded as stored.
StagedLevel = tuple[int, int, int, Decimal, Decimal | None, int | None, dt.datetime | None]
# What became of a row: its outcome and, for a stale one, the stamp its stock row holds.
Judged = tuple[Outcome, int | dt.datetime | None]

STAGE = "_dealerdesk_stock_stage"
STOCK_LEVEL_TYPE = StockLevel._meta.label_lower

# The outcomes as the write statement reports them.
_OUTCOMES = {
    "c": Outcome.CREATED,
    "u": Outcome.UPDATED,
    "n": Outcome.UNCHANGED,
    "s": Outcome.STALE,
}


def _changed(name: str, value: str) -> str:
    """The figure ``name`` as a one-key JSON object when it changed, else an empty one."""
    return (
        f"CASE WHEN held_{name} IS DISTINCT FROM new_{name} "
        f"THEN jsonb_build_object('{name}', {value}) ELSE '{{}}'::jsonb END"
    )


# An audit entry as ``sync_writes`` builds one: every figure for a new row, only the
# figures that changed for an update.
_FIGURES = (("on_hand", "::text"), ("safety_stock", "::text"), ("erp_version", ""))
AUDIT_BEFORE = " || ".join(_changed(name, f"held_{name}{cast}") for name, cast in _FIGURES)
AUDIT_AFTER = " || ".join(_changed(name, f"new_{name}{cast}") for name, cast in _FIGURES)
AUDIT_CREATED = (
    "jsonb_build_object('on_hand', new_on_hand::text, "
    "'safety_stock', new_safety_stock::text, 'erp_version', new_erp_version)"
)


STAGE_TABLE = (
    f"CREATE TEMPORARY TABLE {STAGE} (idx integer, product_id bigint, warehouse_id bigint, "
    "on_hand numeric, safety_stock numeric, erp_version bigint, erp_changed_at timestamptz, "
    "inserted boolean NOT NULL DEFAULT false, key text, level_id bigint) ON COMMIT DROP"
)
# The levels as the ERP sent them, typed, that ``write_sent_levels`` reads.
SENT_COLUMNS = (
    "idx integer, product text, sku text, warehouse text, on_hand numeric, "
    "safety_stock numeric, erp_version bigint, erp_changed_at timestamptz"
)


def write_levels(
    levels: Sequence[StagedLevel], *, source: str, reference: str, verb: str
) -> dict[int, Judged]:
    """Apply ``levels`` (each product and warehouse once) inside the caller's transaction;
    what became of each, by its position in the chunk."""
    if not levels:
        return {}
    with connection.cursor() as cursor:
        # Dropped below; ON COMMIT DROP as well, so that a chunk that fails leaves nothing.
        cursor.execute(STAGE_TABLE)
        with cursor.cursor.copy(
            f"COPY {STAGE} (idx, product_id, warehouse_id, on_hand, safety_stock, "
            "erp_version, erp_changed_at) FROM STDIN"
        ) as copy:
            for level in levels:
                copy.write_row(level)
        _find_stock_rows(cursor)
        written = _apply_stage(
            cursor, len(levels), source=source, reference=reference, verb=verb, every_row=True
        )
        return {result.index: (result.outcome, held) for result, held in written}


def write_sent_levels(
    sent: str,
    *,
    source: str,
    reference: str,
    verb: str,
    every_row: bool,
    ready: Callable[[], None] | None = None,
) -> Written | None:
    """Apply stock levels as the ERP sent them, already typed in the temporary table
    ``sent`` (columns as ``SENT_COLUMNS``), when every row can apply as sent: each names a
    known product (by ERP id, else SKU) and warehouse, with figures as stored (not
    negative, below the limit, at most three places), and each pair once. Returns what
    became of the rows (indexed as ``idx``; every row listed when ``every_row``), or None,
    having changed nothing, when a row cannot apply: the caller then applies the rows one
    by one, which says why. ``ready``, when given, is called once the rows are resolved
    and staged, before a stock row is touched."""
    quote = connection.ops.quote_name
    products = quote(Product._meta.db_table)
    warehouses = quote(Warehouse._meta.db_table)
    stock = quote(StockLevel._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(STAGE_TABLE)
        # Figures to three places, as stored; rows naming an unknown product or warehouse
        # drop out of the joins and the count says so. Each row's stock row, where there is
        # one, is found here as well (it is locked later, in primary-key order).
        cursor.execute(
            # The few warehouses read once, not once per row.
            f"WITH w AS MATERIALIZED (SELECT id, code::text AS code FROM {warehouses}) "  # noqa: S608
            f"INSERT INTO {STAGE} (idx, product_id, warehouse_id, on_hand, safety_stock, "
            "erp_version, erp_changed_at, key, level_id) "
            "SELECT s.idx, p.id, w.id, round(s.on_hand, 3), round(s.safety_stock, 3), "
            "s.erp_version, s.erp_changed_at, coalesce(s.product, s.sku) || '/' || s.warehouse, "
            # The stock row by both halves of its key.
            f"(SELECT level.id FROM {stock} AS level "
            "WHERE level.product_id = p.id AND level.warehouse_id = w.id) "
            f"FROM {sent} AS s JOIN w ON w.code = s.warehouse "
            f"LEFT JOIN {products} AS by_id ON by_id.external_id = s.product "
            f"LEFT JOIN {products} AS by_sku ON s.product IS NULL AND by_sku.sku = s.sku "
            "CROSS JOIN LATERAL (SELECT coalesce(by_id.id, by_sku.id) AS id) AS p "
            "WHERE p.id IS NOT NULL "
            # Figures as stored: not negative, below the limit, at most three places (the
            # ordinary way rounds more, half to even, and says so).
            f"AND s.on_hand >= 0 AND s.on_hand < {MAX_QUANTITY} "
            "AND s.on_hand = round(s.on_hand, 3) AND (s.safety_stock IS NULL "
            f"OR (s.safety_stock >= 0 AND s.safety_stock < {MAX_QUANTITY} "
            "AND s.safety_stock = round(s.safety_stock, 3)))"
        )
        staged = cursor.rowcount
        if not staged_as_sent(cursor, sent, STAGE, staged, "product_id, warehouse_id"):
            return None
        # Staging only read; the stock rows are written (and a missing one inserted) from
        # here on.
        if ready is not None:
            ready()
        written = Written()
        listed = _apply_stage(
            cursor,
            staged,
            source=source,
            reference=reference,
            verb=verb,
            every_row=every_row,
            counts=written,
        )
    for result, held in listed:
        written.listed.append(
            RowResult.stale(result.index, result.key, held)
            if result.outcome is Outcome.STALE
            else result
        )
    return written


def _apply_stage(
    cursor: Any,
    rows: int,
    *,
    source: str,
    reference: str,
    verb: str,
    every_row: bool,
    counts: Written | None = None,
) -> list[tuple[RowResult, int | dt.datetime | None]]:
    """Write the stock rows of the ``rows`` staged rows (inserting the missing ones, then
    locking the others). Answers what became of every row (``every_row``) or of those not
    applied, each with the stamp its stock row holds when stale; ``counts``, when given,
    takes how many rows had each outcome and the ERP time of the latest change applied."""
    stock = connection.ops.quote_name(StockLevel._meta.db_table)
    cursor.execute(f"SELECT count(*) FROM {STAGE} WHERE level_id IS NULL")  # noqa: S608
    missing = int(cursor.fetchone()[0])
    # Some pairs may have no stock row yet. They are inserted before any row is locked (a
    # pair another transaction has just inserted is waited for, then found): a chunk must
    # not hold some stock rows while it waits to insert others, which an order's
    # reservation may be inserting while it waits for one of the rows held.
    if missing and _insert_missing(cursor, stock) < missing:
        _find_stock_rows(cursor)
    # The write statement locks the rows in primary-key order (the order in which an
    # order's reservation takes them) and judges each against what its row holds then.
    with by_index_lookups(cursor):  # each staged row finds its stock row by primary key
        cursor.execute(
            _write_statement(stock), {**_params(source, reference, verb), "every": every_row}
        )
        answers = cursor.fetchall()
    listed: list[tuple[RowResult, int | dt.datetime | None]] = []
    judged = 0
    for index, key, code, version, changed_at in answers:
        outcome = _OUTCOMES[code]
        if index is None:  # the count of an outcome, with the latest change time
            judged += version
            if counts is not None:
                counts.counts[outcome] += version
                if (
                    outcome.applied
                    and changed_at
                    and (counts.latest_change_at is None or changed_at > counts.latest_change_at)
                ):
                    counts.latest_change_at = changed_at
            continue
        listed.append((RowResult(index, outcome, key or ""), held_stamp(version, changed_at)))
    if judged != rows:
        # The transaction rolls back: nothing of the chunk stays.
        raise RuntimeError("a stock row of the chunk was deleted while it was being written")
    listed.sort(key=lambda each: each[0].index)
    cursor.execute(f"DROP TABLE {STAGE}")
    return listed


def _find_stock_rows(cursor: Any) -> None:
    """Note the stock row of each staged pair that has one (not locked yet)."""
    stock = connection.ops.quote_name(StockLevel._meta.db_table)
    cursor.execute(
        f"UPDATE {STAGE} AS s SET level_id = level.id FROM {stock} AS level "  # noqa: S608
        "WHERE s.level_id IS NULL AND level.product_id = s.product_id "
        "AND level.warehouse_id = s.warehouse_id"
    )


def _insert_missing(cursor: Any, stock: str) -> int:
    """Stock rows for the staged pairs that have none, inserted with the figures and stamp
    their change sets (a row that holds no stamp takes any change) and marked as this
    chunk's own; how many were inserted. A pair another transaction has just inserted is
    waited for and left to the write, like any row that was there.

    The rows are first inserted as they are: that such a pair turns up between staging and
    here is rare, and a plain insert costs PostgreSQL less than one that looks for a
    conflict first. When one did turn up, that insert is undone and the rows are inserted
    again, skipping the pairs that now have a row."""
    try:
        with transaction.atomic():  # a savepoint: the chunk's transaction goes on
            return _insert_rows(cursor, stock, on_conflict="")
    except IntegrityError:
        return _insert_rows(
            cursor, stock, on_conflict="ON CONFLICT (product_id, warehouse_id) DO NOTHING "
        )


def _insert_rows(cursor: Any, stock: str, *, on_conflict: str) -> int:
    now = timezone.now()
    cursor.execute(
        f"WITH made AS (INSERT INTO {stock} (created_at, updated_at, product_id, "  # noqa: S608
        "warehouse_id, on_hand, reserved, safety_stock, erp_version, erp_changed_at, "
        "erp_level_version, erp_level_changed_at) "
        f"SELECT %(now)s, %(now)s, s.product_id, s.warehouse_id, s.on_hand, 0, "
        "coalesce(s.safety_stock, 0), s.erp_version, s.erp_changed_at, s.erp_version, "
        f"s.erp_changed_at FROM {STAGE} AS s "
        "WHERE s.level_id IS NULL ORDER BY s.product_id, s.warehouse_id "
        f"{on_conflict}RETURNING id, product_id, warehouse_id) "
        f"UPDATE {STAGE} AS s SET inserted = true, level_id = made.id FROM made "
        "WHERE s.product_id = made.product_id AND s.warehouse_id = made.warehouse_id",
        {"now": now},
    )
    return int(cursor.rowcount)


def _write_statement(stock: str) -> str:
    """Judge every staged row against its locked stock row, write the applied ones with their
    ledger rows and audit entries, and answer what became of each row.

    The statement locks the rows first, in primary-key order, and reads what each holds once
    locked (a row another transaction changed meanwhile is read as it changed). Ledger rows
    and audit entries go in ordered by their indexes' keys (product and
    warehouse; object id), so that consecutive rows land on the same index pages.
    """
    ledger = connection.ops.quote_name(StockMovement._meta.db_table)
    audit = connection.ops.quote_name(AuditEntry._meta.db_table)
    ledger_columns = (
        "product_id, warehouse_id, kind, on_hand_delta, reserved_delta, on_hand_after, "
        "reserved_after, reference, source"
    )
    audit_columns = (
        "actor_repr, action, verb, object_type, object_id, object_repr, before, after, source"
    )
    return f"""
        WITH locked AS MATERIALIZED (
            SELECT s.idx, s.key, s.inserted, s.erp_changed_at AS sent_changed_at,
                   level.id AS level_id, level.product_id,
                   level.warehouse_id, level.reserved,
                   level.on_hand AS held_on_hand, level.safety_stock AS held_safety_stock,
                   level.erp_version AS held_erp_version,
                   level.erp_changed_at AS held_erp_changed_at,
                   NOT ({newer_sql("s.", "level.")}) AS stale,
                   s.on_hand AS new_on_hand,
                   coalesce(s.safety_stock, level.safety_stock) AS new_safety_stock,
                   greatest(s.erp_version, level.erp_version) AS new_erp_version,
                   greatest(s.erp_changed_at, level.erp_changed_at) AS new_erp_changed_at,
                   coalesce(s.erp_version, level.erp_level_version) AS new_level_version,
                   coalesce(s.erp_changed_at, level.erp_level_changed_at)
                       AS new_level_changed_at
            FROM {STAGE} AS s JOIN {stock} AS level ON level.id = s.level_id
            WHERE NOT s.inserted
            ORDER BY level.id FOR UPDATE OF level
        ),
        -- The rows this chunk inserted hold their change already, and no other transaction
        -- sees them yet: nothing to lock, judge or update; each change created its row.
        created AS (
            SELECT s.idx, s.key, s.inserted, s.erp_changed_at, s.level_id, s.product_id,
                   s.warehouse_id, 0::numeric, 0::numeric, 0::numeric, NULL::bigint,
                   NULL::timestamptz, false, s.on_hand, coalesce(s.safety_stock, 0),
                   s.erp_version, s.erp_changed_at, s.erp_version, s.erp_changed_at
            FROM {STAGE} AS s WHERE s.inserted
        ),
        judged AS MATERIALIZED (SELECT * FROM locked UNION ALL SELECT * FROM created),
        applied AS MATERIALIZED (SELECT * FROM judged WHERE NOT stale),
        updated AS (
            UPDATE {stock} SET
                on_hand = new_on_hand, safety_stock = new_safety_stock,
                erp_version = new_erp_version, erp_changed_at = new_erp_changed_at,
                erp_level_version = new_level_version,
                erp_level_changed_at = new_level_changed_at, updated_at = %(now)s
            FROM applied WHERE {stock}.id = applied.level_id AND NOT applied.inserted
        ),
        ledger AS (
            INSERT INTO {ledger} (created_at, {ledger_columns})
            SELECT %(now)s, product_id, warehouse_id, %(kind)s, new_on_hand - held_on_hand, 0,
                   new_on_hand, reserved, %(reference)s, %(source)s
            FROM applied WHERE new_on_hand <> held_on_hand
            ORDER BY product_id, warehouse_id
        ),
        audited AS (
            INSERT INTO {audit} (created_at, {audit_columns})
            SELECT %(now)s, 'system', CASE WHEN inserted THEN %(create)s ELSE %(update)s END,
                   %(verb)s, %(type)s, level_id::text,
                   'product #' || product_id || ' @ warehouse #' || warehouse_id || ': '
                       || new_on_hand::text,
                   CASE WHEN NOT inserted THEN {AUDIT_BEFORE} END,
                   CASE WHEN inserted THEN {AUDIT_CREATED} ELSE {AUDIT_AFTER} END,
                   %(source)s
            FROM applied WHERE new_safety_stock <> held_safety_stock
            ORDER BY level_id::text
        ),
        outcome AS (
            SELECT idx, key, sent_changed_at,
                   CASE WHEN stale THEN 's' WHEN inserted THEN 'c'
                        WHEN new_on_hand = held_on_hand
                             AND new_safety_stock = held_safety_stock THEN 'n'
                        ELSE 'u' END AS code,
                   CASE WHEN stale THEN held_erp_version END AS held_version,
                   CASE WHEN stale THEN held_erp_changed_at END AS held_changed_at
            FROM judged
        )
        -- The rows to list, then one row per outcome with its count and latest change.
        SELECT idx, key, code, held_version, held_changed_at FROM outcome
        WHERE %(every)s OR code IN ('s', 'n')
        UNION ALL
        SELECT NULL, NULL, code, count(*), max(sent_changed_at) FROM outcome GROUP BY code
    """  # noqa: S608 - names and fixed fragments only; every value is a parameter


def _params(source: str, reference: str, verb: str) -> dict[str, Any]:
    return {
        "now": timezone.now(),
        "kind": StockMovementKind.ERP_SYNC.value,
        "reference": reference,
        "source": source,
        "verb": verb,
        "create": AuditAction.CREATE.value,
        "update": AuditAction.UPDATE.value,
        "type": STOCK_LEVEL_TYPE,
    }
