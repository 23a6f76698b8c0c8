"""Prices from the ERP written server-side on PostgreSQL: a chunk's rows are put once into
a temporary table, and PostgreSQL classifies, inserts and updates them in three statements,
without a Python object per price.

``pricing.sync.upsert_prices`` takes this way for a chunk of checked rows whose rows name
each price at most once (several changes of one price in a chunk must apply one after the
other, which its Python path does); ``write_sent_prices`` takes it for rows the inbound fast
lane typed from the ERP's JSON, resolving their products and price types itself. The rules
are the same: a change not newer than the one held is stale, the same figures again are
unchanged but record the newer stamp, and the ``UPDATE`` re-checks the stamp against the
row as it is then, so an older change never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from dealerdesk.catalog.models import Product
from dealerdesk.core.batch import serialise, staged_as_sent, summarise_counts
from dealerdesk.core.sync import Outcome, RowResult, Written, held_stamp, newer_sql
from dealerdesk.pricing.models import Price, PriceType

if TYPE_CHECKING:
    from dealerdesk.pricing.sync import PriceInput

# (row index, key as the ERP names it, (product id, price type id, valid from))
Accepted = tuple[int, str, tuple[int, int, dt.date | None]]

STAGE = "_dealerdesk_price_stage"
STAGE_TABLE = (
    f"CREATE TEMPORARY TABLE {STAGE} (idx integer, key text, product_id bigint, "
    "price_type_id bigint, valid_from date, amount numeric(14, 4), valid_to date, "
    "erp_version bigint, erp_changed_at timestamptz, held_id bigint, held_erp_version bigint, "
    "held_erp_changed_at timestamptz, outcome char(1)) ON COMMIT DROP"
)
# How the stage marks a row: stale, unchanged (a newer stamp only), updated; none: created.
_OUTCOMES = {"s": Outcome.STALE, "n": Outcome.UNCHANGED, "u": Outcome.UPDATED}
AMOUNT_LIMIT = 10**10
# The prices as the ERP sent them, typed, that ``write_sent_prices`` reads.
SENT_COLUMNS = (
    "idx integer, product text, sku text, price_type text, amount numeric, "
    "currency text, valid_from date, valid_to date, erp_version bigint, "
    "erp_changed_at timestamptz"
)
AUDIT_VERB = "synced from the ERP"


def _differs(name: str, new: str, old: str) -> str:
    return f"{new}{name} IS DISTINCT FROM {old}{name}"


def write_prices(
    rows: Sequence[PriceInput], accepted: Sequence[Accepted], *, now: dt.datetime
) -> list[RowResult]:
    """Apply the ``accepted`` rows (each natural key once) and return their results."""
    if not accepted:
        return []
    with connection.cursor() as cursor:
        cursor.execute(STAGE_TABLE)
        with cursor.cursor.copy(
            f"COPY {STAGE} (idx, key, product_id, price_type_id, valid_from, amount, "
            "valid_to, erp_version, erp_changed_at) FROM STDIN"
        ) as copy:
            for index, key, natural in accepted:
                row = rows[index]
                stamp = row.stamp
                copy.write_row(
                    (
                        index,
                        key,
                        *natural,
                        row.amount,
                        row.valid_to,
                        stamp.version,
                        stamp.changed_at,
                    )
                )
        _read_held(cursor)
        return _write_stage(cursor, now=now, every_row=True).listed


def write_sent_prices(
    sent: str,
    *,
    source: str,
    now: dt.datetime,
    every_row: bool,
    ready: Callable[[], None] | None = None,
) -> Written | None:
    """Apply prices as the ERP sent them, already typed in the temporary table ``sent``
    (columns as ``SENT_COLUMNS``), when every row can apply as sent: each names a known
    product (by ERP id, else SKU) and price type, in the price type's currency if it names
    one, valid to no earlier than from, with an amount as stored (not negative, at most ten
    digits before the point and four after), and each price once. Returns what became of the rows
    (indexed as ``idx``; every row listed when ``every_row``), or None, having changed
    nothing, when a row cannot apply: the caller then applies the rows one by one, which
    says why. ``ready``, when given, is called once the rows are resolved and staged,
    before the feed's lock is taken and the prices held are read.
    """
    products = connection.ops.quote_name(Product._meta.db_table)
    types = connection.ops.quote_name(PriceType._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(STAGE_TABLE)
        # Rows naming an unknown product or price type drop out of the join; the count
        # says so. Nothing held is read yet: that waits for the feed's lock.
        cursor.execute(
            f"INSERT INTO {STAGE} (idx, key, product_id, price_type_id, valid_from, amount, "  # noqa: S608
            "valid_to, erp_version, erp_changed_at) "
            "SELECT s.idx, coalesce(s.product, s.sku) || '/' || s.price_type "
            "|| coalesce('@' || to_char(s.valid_from, 'YYYY-MM-DD'), ''), p.id, t.id, "
            "s.valid_from, s.amount, s.valid_to, s.erp_version, s.erp_changed_at "
            f"FROM {sent} AS s "
            f"JOIN {types} AS t ON t.code = s.price_type "
            "AND (s.currency IS NULL OR s.currency = t.currency) "
            # Two equality joins (each a hash join), not one join on "ERP id, else SKU".
            f"LEFT JOIN {products} AS by_id ON by_id.external_id = s.product "
            f"LEFT JOIN {products} AS by_sku ON s.product IS NULL AND by_sku.sku = s.sku "
            "CROSS JOIN LATERAL (SELECT coalesce(by_id.id, by_sku.id) AS id) AS p "
            "WHERE p.id IS NOT NULL AND (s.valid_to IS NULL OR s.valid_from IS NULL "
            "OR s.valid_to >= s.valid_from) "
            # An amount as stored: not negative, ten digits before the point, four after.
            f"AND s.amount >= 0 AND s.amount < {AMOUNT_LIMIT} AND s.amount = round(s.amount, 4)"
        )
        if not staged_as_sent(
            cursor, sent, STAGE, cursor.rowcount, "product_id, price_type_id, valid_from"
        ):
            return None
        if ready is not None:
            ready()
        _read_held(cursor)
        # Only creating a price takes the feed's lock (two messages must not both find a
        # price absent and both create it); updates are guarded by their stamps. Under the
        # lock the rows that found nothing look again: a chunk that created their price
        # meanwhile has committed, and it is found.
        cursor.execute(f"SELECT EXISTS (SELECT FROM {STAGE} WHERE held_id IS NULL)")  # noqa: S608
        if cursor.fetchone()[0]:
            serialise("prices")
            _read_held(cursor, "WHERE s.held_id IS NULL")
        written = _write_stage(cursor, now=now, every_row=every_row)
    summarise_counts(Price, written.counts, source, verb=AUDIT_VERB)
    return written


def _held(product: str, price_type: str) -> str:
    """The price a staged row ``s`` finds held (the first of several without a start date,
    which the unique constraint lets PostgreSQL keep, as the Python path reads it): its id,
    stamp and the row's outcome against it; no row when there is none."""
    prices = connection.ops.quote_name(Price._meta.db_table)
    return (
        f"SELECT h.id, h.erp_version, h.erp_changed_at, CASE WHEN NOT ({newer_sql('s.', 'h.')}) "  # noqa: S608
        f"THEN 's' WHEN {_differs('amount', 's.', 'h.')} OR {_differs('valid_to', 's.', 'h.')} "
        f"THEN 'u' ELSE 'n' END AS outcome FROM {prices} AS h WHERE h.product_id = {product} "
        f"AND h.price_type_id = {price_type} AND h.valid_from IS NOT DISTINCT FROM s.valid_from "
        "ORDER BY h.id LIMIT 1"
    )


def _read_held(cursor: Any, where: str = "") -> None:
    """Note on the staged rows (all, or those ``where`` picks) what each finds held."""
    cursor.execute(
        f"UPDATE {STAGE} AS s SET (held_id, held_erp_version, held_erp_changed_at, "  # noqa: S608
        f"outcome) = ({_held('s.product_id', 's.price_type_id')}) {where}"
    )


def _write_stage(cursor: Any, *, now: dt.datetime, every_row: bool) -> Written:
    """Write the rows in the stage, each classified by what it found held (``_read_held``):
    the new prices and the held ones whose stamp moved on. A row that found nothing creates
    its price."""
    prices = connection.ops.quote_name(Price._meta.db_table)
    cursor.execute(
        f"INSERT INTO {prices} (product_id, price_type_id, valid_from, amount, valid_to, "  # noqa: S608
        "erp_version, erp_changed_at, created_at, updated_at) "
        "SELECT product_id, price_type_id, valid_from, amount, valid_to, erp_version, "
        f"erp_changed_at, %(now)s, %(now)s FROM {STAGE} WHERE held_id IS NULL ORDER BY idx",
        {"now": now},
    )
    # Held prices whose stamp moved on: their figures (or only the newer stamp), guarded
    # against a newer change written meanwhile; the rows that lost to one are answered.
    cursor.execute(
        f"WITH written AS (UPDATE {prices} AS p SET amount = s.amount, "  # noqa: S608
        "valid_to = s.valid_to, erp_version = s.erp_version, "
        f"erp_changed_at = s.erp_changed_at, updated_at = %(now)s FROM {STAGE} AS s "
        f"WHERE p.id = s.held_id AND s.outcome IN ('n', 'u') AND {newer_sql('s.', 'p.')} "
        f"RETURNING s.idx) SELECT idx FROM {STAGE} WHERE outcome IN ('n', 'u') "
        "AND idx NOT IN (SELECT idx FROM written)",
        {"now": now},
    )
    lost = {index for (index,) in cursor.fetchall()}
    written = Written()
    # The latest change applied: not that of a row which lost to a newer one.
    cursor.execute(
        "SELECT outcome, count(*), max(erp_changed_at) FILTER (WHERE NOT idx = ANY(%s)) "  # noqa: S608
        f"FROM {STAGE} GROUP BY outcome",
        [list(lost)],
    )
    for code, count, latest in cursor.fetchall():
        kind = _OUTCOMES.get(code, Outcome.CREATED)
        written.counts[kind] += count
        if (
            kind.applied
            and latest
            and (written.latest_change_at is None or latest > written.latest_change_at)
        ):
            written.latest_change_at = latest
    cursor.execute(
        f"SELECT idx, key, outcome, held_erp_version, held_erp_changed_at FROM {STAGE} "  # noqa: S608
        "WHERE %s OR outcome IN ('s', 'n') OR idx = ANY(%s) ORDER BY idx",
        [every_row, list(lost)],
    )
    for index, key, code, version, changed_at in cursor.fetchall():
        kind = _OUTCOMES.get(code, Outcome.CREATED)
        if index in lost:
            # A newer change was written between the read and the guarded update.
            written.counts[kind] -= 1
            written.counts[Outcome.STALE] += 1
            written.listed.append(RowResult.stale(index, key, None))
        elif kind is Outcome.STALE:
            written.listed.append(RowResult.stale(index, key, held_stamp(version, changed_at)))
        else:
            written.listed.append(RowResult(index, kind, key))
    cursor.execute(f"DROP TABLE {STAGE}")
    return written
