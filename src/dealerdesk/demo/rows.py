"""Plain multi-row INSERTs for the demo's biggest tables (prices, stock levels, breaks).

``bulk_create`` builds a model instance for every row and prepares every field of it through
the ORM: about 100 µs a row. For the quarter of a million price and stock rows of the large
scale that alone took over half a minute, nearly as long as the whole catalog. Here the
caller hands over the column values as the database takes them.

What ``bulk_create`` would have done for us, and the caller must therefore do itself:
``auto_now``/``auto_now_add`` times (pass them), defaults of omitted columns (there are
none at the database level: name every column), and adapting aware datetimes for the
backend (``db_datetime``). Decimals, dates, strings and ints are adapted by the driver (for
SQLite by the adapters Django registers). No signals are sent; the demo listens to none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Model

BATCH_ROWS = 5000  # rows handed to ``executemany`` at a time


def db_datetime(value: datetime) -> Any:
    """An aware datetime as the backend stores it (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (value tuples in the order of ``fields``) into ``model``'s table.

    PostgreSQL gets them through ``COPY … FROM STDIN`` (one stream, no statement per row);
    other databases through ``executemany`` of a one-row INSERT, in batches.
    """
    opts = model._meta
    quote = connection.ops.quote_name
    by_name = {field.name: field.column for field in opts.concrete_fields if field.column}
    columns = ", ".join(quote(by_name[name]) for name in fields)
    table = quote(opts.db_table)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only identifiers from the model's own metadata go into the statement text.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - as above
        for batch in _batches(rows, BATCH_ROWS):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
