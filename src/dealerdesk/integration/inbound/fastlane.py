"""The fast lane of the bulk feeds on PostgreSQL: a chunk of validated rows goes to the
database as one COPY, and the domain's set-based writer resolves and applies them there.

A hundred thousand prices or stock levels a message is routine for an ERP. The ordinary way
judges each row in Python against what is stored (its product, its price type, the price it
finds held) and builds an object per row and per result. In the fast lane the rows, already
validated by the feed's row schema (on the pipeline's reading thread, while the database
works on the chunk before), are copied into a temporary table as they are, and the writer
(``pricing.sync_staged.write_sent_prices``, ``inventory.sync_staged.write_sent_levels``)
resolves their references and classifies and writes them in a few statements, answering
with counts and only the rows worth listing.

A writer takes a chunk only when every row can apply as sent; otherwise (an unknown product,
a price named twice in the chunk, a figure that would need rounding) it declines, nothing of
the attempt remains, and the chunk goes the ordinary way, which gives every row its exact
result and reason. The fast lane never has to explain a rejection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from typing import Any

from django.db import DataError, connection, transaction

from dealerdesk.core.sync import Written

SENT = "_dealerdesk_sent_rows"
# Memory for each sort and intermediate result of a chunk's statements (a chunk of 12,500
# rows needs a few MB per step; PostgreSQL's default is 4 MB).
BULK_WORK_MEM = "64MB"

# (the sent table, typed as the lane's columns; the message's source; its reference; the
# time; whether to list every row; what to call before the first stored record is read to
# be written, once the rows are staged) -> what became of the rows, or None when the writer
# declines the chunk.
Writer = Callable[[str, str, str, dt.datetime, bool, Callable[[], None]], "Written | None"]


@dataclass(frozen=True)
class Lane:
    """How a feed's rows take the fast lane: the attributes of a validated row to copy, in
    the order of ``columns`` (the writer's typed table, after the row's position ``idx``),
    and the writer; ``takes`` says whether a chunk's rows are for the lane at all.

    ``key`` names the record a row writes (a product's stock in a warehouse, say), or
    None when that cannot be told before the row is resolved (a product named by its SKU,
    which another row may name by its ERP id): chunks of a batch whose rows share no key
    may be written at the same time; others are written in order."""

    fields: tuple[str, ...]
    columns: str
    write: Writer
    takes: Callable[[Sequence[Any]], bool] | None = None  # None: every chunk
    key: Callable[[Any], Hashable | None] | None = None  # None: every chunk in order


@cache
def _types(columns: str) -> list[str]:
    """The PostgreSQL types of a table's ``columns`` ("name type, …")."""
    return [column.split()[1] for column in columns.split(",")]


def _go() -> None:
    """Nothing to wait for."""


class _Declined(Exception):
    """Rolls the attempt back: the chunk goes the ordinary way."""


def apply(
    lane: Lane,
    rows: Sequence[Any],
    positions: Sequence[int],
    *,
    source: str,
    reference: str,
    now: dt.datetime,
    every_row: bool,
    before_write: Callable[[], None] | None = None,
) -> Written | None:
    """Apply the validated ``rows`` (``positions``: each one's place in the batch) by the
    fast lane, or change nothing and return None. The rows listed are every row when
    ``every_row``, else those not applied. ``before_write``, when given, is called once the
    rows are in the database and before the writer reads a stored record to write it (a
    writer may resolve references first)."""
    if connection.vendor != "postgresql" or not rows or (lane.takes and not lane.takes(rows)):
        return None
    values = attrgetter(*lane.fields)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # The chunk's rows pass through a few sorts and intermediate results: in memory,
            # not in temporary files (for this transaction only).
            cursor.execute(f"SET LOCAL work_mem = '{BULK_WORK_MEM}'")
            cursor.execute(f"CREATE TEMPORARY TABLE {SENT} ({lane.columns}) ON COMMIT DROP")
            # COPY goes to the driver's own cursor: its errors are made Django's here.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {SENT} FROM STDIN") as copy,
            ):
                # Every value's type said once, not looked up value by value.
                copy.set_types(_types(lane.columns))
                for position, row in zip(positions, rows, strict=True):
                    copy.write_row((position, *values(row)))
            written = lane.write(SENT, source, reference, now, every_row, before_write or _go)
            if written is None:
                raise _Declined
            cursor.execute(f"DROP TABLE {SENT}")
            return written
    except (_Declined, DataError):
        # DataError: a figure the typed table cannot hold (the ordinary way says why).
        return None
