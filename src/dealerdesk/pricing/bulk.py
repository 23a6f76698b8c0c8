"""Set-based writes for batch imports: insert many rows, update many rows guarded by the
ERP stamp, in a fixed number of statements.

On PostgreSQL rows travel by ``COPY`` (the fastest way in, several times faster than
multi-row INSERTs with bound parameters); updates are copied into a temporary table and
applied with one ``UPDATE … FROM``. On SQLite (one local writer) multi-row statements with
parameters do: ``bulk_create`` and ``UPDATE … FROM (VALUES …)``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from typing import Any, cast

from django.db import connection, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

# Rows per statement on SQLite: well under its limit of bound parameters (32,766).
STATEMENT_ROWS = 500


def field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of field ``name``."""
    return connection.ops.quote_name(field(model, name).column or name)


def any_of(model: type[models.Model], **wanted: Collection[Any]) -> Any:
    """A filter: rows whose field equals one of the given values, for any of the fields.

    PostgreSQL gets one array parameter per field (``= ANY(%s)``): thousands of ids bind and
    plan far faster than as many ``IN (%s, …)`` parameters. Elsewhere, ``__in``.
    """
    wanted = {name: values for name, values in wanted.items() if values}
    if connection.vendor != "postgresql":
        found = Q(pk__in=[])  # matches nothing: the start of an OR
        for name, values in wanted.items():
            found |= Q(**{f"{name}__in": values})
        return found
    if not wanted:
        return Q(pk__in=[])
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = " OR ".join(f"{table}.{column(model, name)} = ANY(%s)" for name in wanted)
    # Only quoted column names are interpolated; the values are array parameters.
    params = [list(values) for values in wanted.values()]
    return RawSQL(f"({sql})", params, BooleanField())  # noqa: S611


def insert(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert ``rows`` (values in the order of the field ``names``) and return their new
    primary keys, in order. JSON fields take Python data."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        made = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(made, batch_size=STATEMENT_ROWS)
        return [cast(int, row.pk) for row in made]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Ids drawn from the table's own sequence up front, so COPY can write them and the
        # caller knows them (COPY returns nothing).
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        _copy(
            cursor,
            table,
            model,
            ["id", *names],
            ([pk, *row] for pk, row in zip(ids, rows, strict=True)),
        )
    return ids


def update_newer(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]], now: dt.datetime
) -> set[int]:
    """Write ``rows`` (the primary key first, then the values of ``names``, which end with
    ``erp_version`` and ``erp_changed_at``) where the row's ERP stamp is newer than the one
    held: the WHERE clause re-checks it, so an older change never overwrites a newer one
    even if another writer got there first. Returns the primary keys actually updated."""
    if not rows:
        return set()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ["id", *names]
    if connection.vendor == "postgresql":
        source = "_dealerdesk_stage"
        value = {name: f"v.{quote(name)}" for name in columns}
    else:
        # VALUES columns are column1, column2, … in SQLite.
        value = {name: f"v.column{position}" for position, name in enumerate(columns, start=1)}
    assignments = ", ".join(f"{column(model, name)} = {value[name]}" for name in names)
    guard = (
        f"CASE WHEN {value['erp_version']} IS NOT NULL AND {table}.erp_version IS NOT NULL "
        f"THEN {value['erp_version']} > {table}.erp_version "
        f"WHEN {value['erp_changed_at']} IS NOT NULL AND {table}.erp_changed_at IS NOT NULL "
        f"THEN {value['erp_changed_at']} > {table}.erp_changed_at ELSE TRUE END"
    )
    stamp = field(model, "updated_at").get_db_prep_value(now, connection)
    # Only quoted names and placeholders are interpolated; every value is a parameter.
    template = (
        f"UPDATE {table} SET {assignments}, updated_at = %s FROM {{source}} AS v "  # noqa: S608
        f"WHERE {table}.id = {value['id']} AND {guard} RETURNING {table}.id"
    )
    updated: set[int] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            kinds = ", ".join(
                f"{quote(name)} {field(model, name).db_type(connection)}" for name in columns
            )
            # Dropped at once after use; ON COMMIT DROP covers a rolled-back savepoint, which
            # leaves nothing behind anyway.
            cursor.execute(f"CREATE TEMPORARY TABLE {source} ({kinds}) ON COMMIT DROP")
            _copy(cursor, source, model, columns, rows)
            cursor.execute(template.format(source=source), [stamp])
            updated.update(pk for (pk,) in cursor.fetchall())
            cursor.execute(f"DROP TABLE {source}")
            return updated
        fields = [field(model, name) for name in columns]
        for start in range(0, len(rows), STATEMENT_ROWS):
            batch = rows[start : start + STATEMENT_ROWS]
            marks = ", ".join(f"({', '.join(['%s'] * len(columns))})" for _ in batch)
            params = [
                each.get_db_prep_value(item, connection)
                for row in batch
                for each, item in zip(fields, row, strict=True)
            ]
            cursor.execute(template.format(source=f"(VALUES {marks})"), [stamp, *params])
            updated.update(pk for (pk,) in cursor.fetchall())
    return updated


def _copy(
    cursor: Any, table: str, model: type[models.Model], names: Sequence[str], rows: Any
) -> None:
    quote = connection.ops.quote_name
    json_at = [
        position
        for position, name in enumerate(names)
        if isinstance(model._meta.get_field(name), models.JSONField)
    ]
    columns = ", ".join(column(model, name) for name in names)
    with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            if json_at:
                row = list(row)
                for position in json_at:
                    if row[position] is not None:
                        row[position] = json.dumps(row[position])
            copy.write_row(row)
