"""Prices from the ERP written server-side on PostgreSQL: a chunk's checked rows are copied
once into a temporary table, and PostgreSQL classifies, inserts, updates and audits them in
three statements, without a Python object per price or per audit entry.

``pricing.sync.upsert_prices`` takes this way for a chunk whose rows name each price at most
once (several changes of one price in a chunk must apply one after the other, which its
Python path does). The rules are the same: a change not newer than the one held is stale,
the same figures again are unchanged but record the newer stamp, and the ``UPDATE``
re-checks the stamp against the row as it is then, so an older change never overwrites a
newer one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import connection

from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.core.sync import Outcome, RowResult
from dealerdesk.pricing.models import Price

if TYPE_CHECKING:
    from dealerdesk.pricing.sync import PriceInput

# (row index, key as the ERP names it, (product id, price type id, valid from))
Accepted = tuple[int, str, tuple[int, int, dt.date | None]]

STAGE = "_dealerdesk_price_stage"
AUDIT_VERB = "synced from the ERP"


def _newer(new: str, old: str) -> str:
    """``ErpStamp.is_newer_than`` in SQL: the sequence first, else the change time; a row
    that holds neither takes any change. ``new``/``old`` are column name prefixes."""
    return (
        f"CASE WHEN {new}erp_version IS NOT NULL AND {old}erp_version IS NOT NULL "
        f"THEN {new}erp_version > {old}erp_version "
        f"WHEN {new}erp_changed_at IS NOT NULL AND {old}erp_changed_at IS NOT NULL "
        f"THEN {new}erp_changed_at > {old}erp_changed_at ELSE TRUE END"
    )


def _differs(name: str, new: str, old: str) -> str:
    return f"{new}{name} IS DISTINCT FROM {old}{name}"


def write_prices(
    rows: Sequence[PriceInput], accepted: Sequence[Accepted], *, source: str, now: dt.datetime
) -> list[RowResult]:
    """Apply the ``accepted`` rows (each natural key once) and return their results."""
    if not accepted:
        return []
    quote = connection.ops.quote_name
    prices = quote(Price._meta.db_table)
    audit = quote(AuditEntry._meta.db_table)
    label = Price._meta.label_lower
    name = str(Price._meta.verbose_name)
    # Only quoted table names and fixed SQL are interpolated; every value is a parameter.
    audit_insert = (
        f"INSERT INTO {audit} (created_at, actor_repr, action, verb, object_type, object_id, "
        "object_repr, company_id, before, after, source) "
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (idx integer, product_id bigint, "
            "price_type_id bigint, valid_from date, amount numeric(14, 4), amount_sent text, "
            "valid_to date, erp_version bigint, erp_changed_at timestamptz, held_id bigint, "
            "held_amount numeric(14, 4), held_valid_to date, held_erp_version bigint, "
            "held_erp_changed_at timestamptz) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            f"COPY {STAGE} (idx, product_id, price_type_id, valid_from, amount, amount_sent, "
            "valid_to, erp_version, erp_changed_at) FROM STDIN"
        ) as copy:
            for index, _key, natural in accepted:
                row = rows[index]
                stamp = row.stamp
                copy.write_row(
                    (
                        index,
                        *natural,
                        row.amount,
                        str(row.amount),
                        row.valid_to,
                        stamp.version,
                        stamp.changed_at,
                    )
                )
        # What each row finds held: the first of several prices without a start date (the
        # unique constraint lets PostgreSQL keep them), as the Python path reads it.
        cursor.execute(
            f"UPDATE {STAGE} AS s SET (held_id, held_amount, held_valid_to, held_erp_version, "  # noqa: S608
            "held_erp_changed_at) = (SELECT p.id, p.amount, p.valid_to, p.erp_version, "
            f"p.erp_changed_at FROM {prices} AS p WHERE p.product_id = s.product_id "
            "AND p.price_type_id = s.price_type_id "
            "AND p.valid_from IS NOT DISTINCT FROM s.valid_from ORDER BY p.id LIMIT 1) "
            f"RETURNING s.idx, s.held_id IS NOT NULL, {_newer('s.', 's.held_')}, "
            f"NOT ({_differs('amount', 's.', 's.held_')} "
            f"OR {_differs('valid_to', 's.', 's.held_')}), "
            "s.held_erp_version, s.held_erp_changed_at"
        )
        found: dict[int, tuple[bool, bool, bool, int | None, dt.datetime | None]] = {
            index: tuple(rest) for index, *rest in cursor.fetchall()
        }
        # New prices, each with its audit entry; the stage joins back on the natural key,
        # which is unique in the chunk.
        same_price = "({t}.product_id, {t}.price_type_id, coalesce({t}.valid_from, '-infinity'))"
        cursor.execute(
            f"WITH made AS (INSERT INTO {prices} (product_id, price_type_id, valid_from, "  # noqa: S608
            "amount, valid_to, erp_version, erp_changed_at, created_at, updated_at) "
            "SELECT product_id, price_type_id, valid_from, amount, valid_to, erp_version, "
            f"erp_changed_at, %(now)s, %(now)s FROM {STAGE} WHERE held_id IS NULL ORDER BY idx "
            "RETURNING id, product_id, price_type_id, valid_from) "
            f"{audit_insert} SELECT %(now)s, 'system', %(create)s, %(verb)s, %(label)s, "
            "m.id::text, %(name)s || ' ' || m.id, NULL, NULL, "
            "jsonb_build_object('amount', s.amount_sent), %(source)s "
            f"FROM made AS m JOIN {STAGE} AS s "
            f"ON {same_price.format(t='s')} = {same_price.format(t='m')}",
            {
                "now": now,
                "create": AuditAction.CREATE,
                "verb": AUDIT_VERB,
                "label": label,
                "name": name,
                "source": source[:100],
            },
        )
        # Held prices whose stamp moved on: their figures (or only the newer stamp), guarded
        # against a newer change written meanwhile, and an audit entry where a figure changed.
        before = _changes("s.held_", "s.")
        after = _changes("s.", "s.held_", sent=True)
        cursor.execute(
            f"WITH changed AS (UPDATE {prices} AS p SET amount = s.amount, "  # noqa: S608
            "valid_to = s.valid_to, erp_version = s.erp_version, "
            f"erp_changed_at = s.erp_changed_at, updated_at = %(now)s FROM {STAGE} AS s "
            f"WHERE p.id = s.held_id AND {_newer('s.', 's.held_')} AND {_newer('s.', 'p.')} "
            "RETURNING s.idx, p.id, s.amount, s.valid_to, s.amount_sent, s.held_amount, "
            "s.held_valid_to), "
            f"audited AS ({audit_insert} SELECT %(now)s, 'system', %(update)s, %(verb)s, "
            f"%(label)s, s.id::text, %(name)s || ' ' || s.id, NULL, {before}, {after}, "
            f"%(source)s FROM changed AS s WHERE {_differs('amount', 's.', 's.held_')} "
            f"OR {_differs('valid_to', 's.', 's.held_')}) "
            "SELECT idx FROM changed",
            {
                "now": now,
                "update": AuditAction.UPDATE,
                "verb": AUDIT_VERB,
                "label": label,
                "name": name,
                "source": source[:100],
            },
        )
        written = {index for (index,) in cursor.fetchall()}
        cursor.execute(f"DROP TABLE {STAGE}")
    return [_result(index, key, found[index], written) for index, key, _natural in accepted]


def _changes(this: str, other: str, *, sent: bool = False) -> str:
    """The figures of ``this`` that differ from ``other``, as the audit's JSON object
    (amounts as text, dates ISO); ``sent``: the amount as the ERP wrote it."""
    amount = f"{this}amount_sent" if sent else f"{this}amount::text"
    return (
        f"(CASE WHEN {_differs('amount', this, other)} "
        f"THEN jsonb_build_object('amount', {amount}) ELSE '{{}}'::jsonb END "
        f"|| CASE WHEN {_differs('valid_to', this, other)} "
        f"THEN jsonb_build_object('valid_to', to_char({this}valid_to, 'YYYY-MM-DD')) "
        "ELSE '{}'::jsonb END)"
    )


def _result(
    index: int,
    key: str,
    found: tuple[bool, bool, bool, int | None, dt.datetime | None],
    written: set[int],
) -> RowResult:
    held, newer, same, version, changed_at = found
    if not held:
        return RowResult(index, Outcome.CREATED, key)
    if not newer:
        return RowResult.stale(index, key, version or changed_at)
    if index not in written:
        # A newer change was written between the read and the guarded update.
        return RowResult.stale(index, key, None)
    return RowResult(index, Outcome.UNCHANGED if same else Outcome.UPDATED, key)
