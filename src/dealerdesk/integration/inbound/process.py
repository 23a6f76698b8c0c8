"""Reading and applying a stored inbound message, chunk by chunk, with flat memory.

The body is read twice: :func:`inspect` walks it once to prove it is a well-formed
document and count its rows (nothing is applied from a malformed one), then
:func:`process` streams the rows again in chunks (of the feed's size), validates each chunk
against its feed's row schema in one call (row by row only for a chunk with a bad row, to
name each one) and lets the feed's domain service apply the valid rows, one transaction per
chunk (or one for the whole batch when it is all-or-nothing), saving progress in between.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, partial
from itertools import islice
from typing import IO, Any

import ijson
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from dealerdesk.core.audit import record
from dealerdesk.core.pipeline import Lanes, Turns, ahead
from dealerdesk.core.sync import Outcome, RowResult, Written
from dealerdesk.core.text import printable
from dealerdesk.integration.choices import InboundStatus, RowStatus
from dealerdesk.integration.inbound import fastlane
from dealerdesk.integration.inbound.errors import MessageRefused
from dealerdesk.integration.inbound.feeds import (
    FEEDS,
    TEXT_STORABLE,
    Feed,
    SyncRow,
    json_text_storable,
    row_key,
)
from dealerdesk.integration.models import InboundMessage

logger = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
# Batches up to this size report every row; larger ones only the rows not applied …
FULL_RESULT_ROWS = 1000
# … and at most this many of those.
RESULT_ROWS_CAP = 10_000
MAX_ERROR_CHARS = 300
# How many times a chunk is taken when PostgreSQL stops it in a deadlock (40P01) or a
# serialisation conflict (40001) with another transaction.
CHUNK_ATTEMPTS = 3
CONFLICTS = {"40P01", "40001"}
# Rows validated in one call (see ``_check``).
VALIDATE_ROWS = 1000
# Rows are flat objects with a few small lists; deeper documents are refused before the row
# reader (whose path strings grow with depth) sees them.
MAX_DEPTH = 32
# One decoder for every line: ``json.loads`` with options builds a new one per call, which
# costs more than parsing a short row.
_DECODER = json.JSONDecoder(parse_float=Decimal)


class _AtomicBatchRejected(Exception):
    """Rolls back an all-or-nothing batch in which a row was rejected."""


def inspect(message: InboundMessage) -> int:
    """Check that the stored body is one well-formed document and count its rows.

    Raises :class:`MessageRefused` (400: not JSON; 422: not the expected shape) naming the
    line or row at fault.
    """
    with message.body.open("rb") as stream:
        if message.content_type == NDJSON:
            return _count_ndjson_rows(stream)
        return _count_json_rows(stream)


def rows_of(message: InboundMessage) -> Iterator[Any]:
    """The rows of the stored body, one parsed object at a time (numbers as Decimal)."""
    with message.body.open("rb") as stream:
        if message.content_type == NDJSON:
            yield from _ndjson_rows(stream)
        else:
            yield from ijson.items(stream, "rows.item")


def _count_json_rows(stream: IO[bytes]) -> int:
    """Walk the document's events without building anything: the top level must be an
    object whose "rows" is an array of objects, nested at most ``MAX_DEPTH`` deep."""
    shape = 'The body must be a JSON object with a "rows" array of row objects.'
    rows = 0
    depth = 0
    found = False
    in_rows = False  # inside the "rows" array (depth 2)
    expect_rows = False  # the value of the top-level key "rows" comes next
    try:
        for event, value in ijson.basic_parse(stream):
            if expect_rows:
                expect_rows = False
                if event != "start_array":
                    raise MessageRefused(422, "rows_not_array", shape)
                found = in_rows = True
            elif in_rows and depth == 2 and event != "end_array":
                if event != "start_map":
                    raise MessageRefused(
                        422,
                        "row_not_object",
                        f"Row {rows} is not an object.",
                        [
                            {
                                "row": rows,
                                "field": None,
                                "code": "row_not_object",
                                "message": "Each row must be a JSON object.",
                            }
                        ],
                    )
                rows += 1
            elif depth == 0 and event != "start_map":
                raise MessageRefused(422, "not_an_object", shape)
            elif depth == 1 and event == "map_key":
                # A key with a dot would read as a path ("rows.item") to the row reader.
                if "." in value or (value == "rows" and found):
                    raise MessageRefused(
                        422, "unexpected_key", f"Unexpected top-level key {value!r}. {shape}"
                    )
                expect_rows = value == "rows"
            if event in {"start_map", "start_array"}:
                depth += 1
                if depth > MAX_DEPTH:
                    raise MessageRefused(
                        422,
                        "too_deep",
                        f"The document nests more than {MAX_DEPTH} levels deep.",
                    )
            elif event in {"end_map", "end_array"}:
                depth -= 1
                if depth == 1:
                    in_rows = False
    except ijson.JSONError as error:
        raise MessageRefused(
            400, "malformed_json", f"The body is not valid JSON: {_short(error)}"
        ) from error
    except UnicodeDecodeError as error:
        raise MessageRefused(400, "malformed_json", "The body is not UTF-8 text.") from error
    if not found:
        raise MessageRefused(422, "rows_missing", shape)
    return rows


def _ndjson_rows(stream: IO[bytes]) -> Iterator[Any]:
    row = 0
    for line_number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        yield _parse_line(line, line_number, row)
        row += 1


def _count_ndjson_rows(stream: IO[bytes]) -> int:
    """``_ndjson_rows`` counted, without keeping what it reads: a line the fast parser takes
    as an object is one; any other is read again by the row reader, which takes it (a lone
    surrogate escape, say) or says exactly why not."""
    rows = 0
    for line_number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            plain = isinstance(from_json(line), dict)
        except ValueError:
            plain = False
        if not plain:
            _parse_line(line, line_number, rows)
        rows += 1
    return rows


def _parse_line(line: bytes, line_number: int, row: int) -> Any:
    """One NDJSON line as a row object (numbers as Decimal), or the refusal naming it."""
    try:
        parsed = _DECODER.decode(line.decode())
    except RecursionError as error:
        raise MessageRefused(
            422, "too_deep", f"Line {line_number} nests too deep to be a row."
        ) from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
        raise MessageRefused(
            400,
            "malformed_json",
            f"Line {line_number} is not valid JSON: {_short(error)}",
            [{"row": row, "field": None, "code": "malformed_json", "message": _short(error)}],
        ) from error
    if not isinstance(parsed, dict):
        raise MessageRefused(
            422,
            "row_not_object",
            f"Line {line_number} (row {row}) is not a JSON object.",
            [
                {
                    "row": row,
                    "field": None,
                    "code": "row_not_object",
                    "message": "Each line must be one JSON object.",
                }
            ],
        )
    return parsed


def _short(error: Exception) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + "…"


def _storable(value: Any) -> Any:
    """A result entry that every database stores: what the ERP sent may hold NUL and other
    characters nobody types, which PostgreSQL refuses in JSON text."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _status(outcome: Outcome) -> RowStatus:
    if outcome.applied:
        return RowStatus.APPLIED
    return RowStatus.REJECTED if outcome == Outcome.REJECTED else RowStatus.UNCHANGED


def _entry(row: int, status: RowStatus, result: RowResult) -> dict[str, Any]:
    """A row's entry in the message's result."""
    entry = {"row": row, "status": str(status), "outcome": str(result.outcome)}
    entry.update(
        (name, value)
        for name in ("key", "field", "code", "message")
        if (value := getattr(result, name))
    )
    return entry


class Tally:
    """Counts and per-row results of a batch as it goes; keeps a bounded list of rows."""

    def __init__(self, total: int) -> None:
        self.every_row = total <= FULL_RESULT_ROWS
        self.counts = {RowStatus.APPLIED: 0, RowStatus.UNCHANGED: 0, RowStatus.REJECTED: 0}
        self.rows: list[dict[str, Any]] = []
        self.left_out = 0
        self.latest_change_at: dt.datetime | None = None

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def add(self, row: int, result: RowResult, changed_at: dt.datetime | None = None) -> None:
        status = _status(result.outcome)
        if status == RowStatus.APPLIED:
            self.saw_change(changed_at)
        self.counts[status] += 1
        if status == RowStatus.APPLIED and not self.every_row:
            return
        self.keep(_entry(row, status, result))

    def add_applied(self, applied: Applied) -> None:
        if isinstance(applied, Written):
            self.add_written(applied)
            return
        for row, result, changed_at in applied:
            self.add(row, result, changed_at)

    def reject_all_invalid(self, invalid: list[tuple[int, Any, ValidationError]]) -> None:
        for position, raw, error in invalid:
            self.reject_invalid(position, raw, error)

    def add_written(self, written: Written) -> None:
        """A chunk a set-based writer applied: its counts, and the rows it listed (every
        row when this batch reports every row, else those not applied)."""
        for outcome, count in written.counts.items():
            self.counts[_status(outcome)] += count
        for result in written.listed:
            status = _status(result.outcome)
            if self.every_row or status != RowStatus.APPLIED:
                self.keep(_entry(result.index, status, result))
        self.saw_change(written.latest_change_at)

    def saw_change(self, changed_at: dt.datetime | None) -> None:
        """Note the ERP's time of an applied change: the latest is the message's."""
        if changed_at and (self.latest_change_at is None or changed_at > self.latest_change_at):
            self.latest_change_at = changed_at

    def reject_invalid(self, row: int, raw: Any, error: ValidationError) -> None:
        errors = [
            {
                "row": row,
                "field": ".".join(str(part) for part in item["loc"])
                or (item.get("ctx") or {}).get("field"),
                "code": item["type"],
                "message": item["msg"],
            }
            for item in error.errors(include_url=False, include_input=False)
        ]
        first = errors[0]
        self.counts[RowStatus.REJECTED] += 1
        entry = {
            "row": row,
            "status": str(RowStatus.REJECTED),
            "outcome": str(Outcome.REJECTED),
            "key": row_key(raw),
            "field": first["field"],
            "code": first["code"],
            "message": first["message"],
            "errors": errors,
        }
        self.keep({name: value for name, value in entry.items() if value not in ("", None)})

    def keep(self, entry: dict[str, Any]) -> None:
        if len(self.rows) < RESULT_ROWS_CAP:
            self.rows.append(_storable(entry))
        else:
            self.left_out += 1

    def refuse_all(self, total: int) -> None:
        """An all-or-nothing batch with a rejected row: nothing was applied, and every row
        that was not at fault says why it was not applied either."""
        at_fault = {entry["row"] for entry in self.rows if entry["status"] == RowStatus.REJECTED}
        rejected = self.counts[RowStatus.REJECTED]
        notice = {
            "status": str(RowStatus.REJECTED),
            "outcome": str(Outcome.REJECTED),
            "code": "atomic_batch_rejected",
            "message": f"Not applied: {rejected} row(s) of this all-or-nothing batch were "
            "rejected.",
        }
        if self.every_row:
            by_row = {entry["row"]: entry for entry in self.rows}
            self.rows = [
                by_row[row] if row in at_fault else {"row": row, **notice} for row in range(total)
            ]
        else:
            self.rows = [entry for entry in self.rows if entry["row"] in at_fault]
            self.left_out = total - len(self.rows)
        self.counts = {RowStatus.APPLIED: 0, RowStatus.UNCHANGED: 0, RowStatus.REJECTED: total}
        self.latest_change_at = None


def process(message: InboundMessage) -> InboundMessage:
    """Apply a queued message and record its result; a message another process has taken
    already is left alone. Never raises for what the message holds: a failure of the whole
    message marks it failed with the reason."""
    now = timezone.now()
    claimed = InboundMessage.objects.filter(pk=message.pk, status=InboundStatus.QUEUED).update(
        status=InboundStatus.PROCESSING, started_at=now, progress_at=now, finished_at=None, error=""
    )
    message.refresh_from_db()
    if not claimed:
        return message
    feed = FEEDS[message.feed]
    try:
        if message.rows_total is None:
            message.rows_total = inspect(message)
            message.save(update_fields=["rows_total"])
        tally = _apply(message, feed)
    except MessageRefused as refused:
        mark_failed(message, refused.message, refused.as_dict())
    except Exception as error:
        # Whatever stops the whole message (a lost database connection, a full disk)
        # is recorded on it so the monitor shows it and staff can replay it.
        logger.exception("Inbound message %s failed", message.pk)
        mark_failed(message, f"{type(error).__name__}: {_short(error)}", None)
    else:
        message.status = InboundStatus.DONE
        message.finished_at = timezone.now()
        message.rows_done = tally.done
        message.applied = tally.counts[RowStatus.APPLIED]
        message.unchanged = tally.counts[RowStatus.UNCHANGED]
        message.rejected = tally.counts[RowStatus.REJECTED]
        message.latest_change_at = tally.latest_change_at
        message.result = {
            "rows": sorted(tally.rows, key=lambda entry: entry["row"]),
            "rows_left_out": tally.left_out,
        }
        message.save()
    return message


def _apply(message: InboundMessage, feed: Feed) -> Tally:
    total = message.rows_total or 0
    tally = Tally(total)
    source = f"ERP message {message.message_id}"[:100]
    # A body whose JSON cannot hold unstorable text (most do not) spares each row that check.
    with message.body.open("rb") as stream:
        context = {TEXT_STORABLE: True} if json_text_storable(stream) else None
    # The next chunk is read and validated (Python work) on a thread while the database
    # applies this one, so the two overlap instead of taking turns.
    chunks = ahead(_checked(feed, _chunks(rows_of(message), feed.chunk_rows), context))
    batch = _Batch(feed, source, message.message_id, tally.every_row)
    with closing(chunks):
        if not message.atomic:
            _apply_in_lanes(message, batch, chunks, tally)
            return tally
        try:
            with transaction.atomic():
                for chunk in chunks:
                    tally.reject_all_invalid(chunk.invalid)
                    if chunk.valid:
                        tally.add_applied(_apply_rows(batch, chunk))
                if tally.counts[RowStatus.REJECTED]:
                    raise _AtomicBatchRejected
        except _AtomicBatchRejected:
            tally.refuse_all(total)
    return tally


@dataclass(frozen=True)
class _Batch:
    """What every chunk of a batch is applied with."""

    feed: Feed
    source: str
    reference: str  # the message id
    every_row: bool  # whether each row's result is listed


def _apply_in_lanes(
    message: InboundMessage, batch: _Batch, chunks: Iterator[_Checked], tally: Tally
) -> None:
    """Apply the chunks of a batch that is not all-or-nothing, each in its own transaction,
    saving progress as they finish.

    The chunks go to the lanes by turns, so that one chunk is copied to the database and
    staged while another is written. A chunk writes once every earlier chunk that names a
    record it names has committed, so a record's changes apply in the order sent; chunks
    that name no record in common (a snapshot names each record once) are written at the
    same time. Results are counted in the order of the chunks."""
    turns = Turns()

    def count(applied: Applied) -> None:
        tally.add_applied(applied)
        save_progress()

    def save_progress() -> None:
        InboundMessage.objects.filter(pk=message.pk).update(
            progress_at=timezone.now(),
            rows_done=tally.done,
            applied=tally.counts[RowStatus.APPLIED],
            unchanged=tally.counts[RowStatus.UNCHANGED],
            rejected=tally.counts[RowStatus.REJECTED],
        )

    with closing(_lanes(batch.feed, message.rows_total or 0, count)) as lanes:
        step = 0
        for chunk in chunks:
            tally.reject_all_invalid(chunk.invalid)
            if not chunk.valid:
                save_progress()
                continue
            # With one lane the chunks are written one after the other anyway.
            turns.add(step, _records(batch.feed, chunk) if lanes.count > 1 else None)
            lanes.submit(partial(_apply_rows_in_turn, turns, step, batch, chunk))
            step += 1
        lanes.drain()


def _records(feed: Feed, chunk: _Checked) -> frozenset[Hashable] | None:
    """The records a chunk's valid rows name (``Lane.key``); None when they cannot all be
    told, or the feed does not say."""
    key = feed.lane.key if feed.lane is not None else None
    if key is None:
        return None
    records = frozenset(map(key, chunk.valid))
    return None if None in records else records


def _lanes(feed: Feed, rows: int, on_result: Callable[[Applied], None]) -> Lanes[Applied]:
    """The lanes a batch of ``rows`` rows of ``feed`` is applied in: on PostgreSQL,
    ``DEALERDESK_IMPORT_LANES`` for a feed with a fast lane and a batch of more than one
    chunk; else one. Each lane takes a database connection of its own from the pool, which
    cannot see a transaction the caller has open: inside one, the batch takes one lane, the
    caller's connection."""
    count = 1
    if (
        feed.lane is not None
        and rows > _first_chunk_rows(feed.chunk_rows)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    ):
        count = max(1, settings.DEALERDESK_IMPORT_LANES)
    return Lanes(count, on_result, on_start=_connect, on_exit=connections.close_all)


def _connect() -> None:
    """Connect the calling thread (a lane as it starts, while the first chunks are read and
    validated, rather than with its first chunk in hand)."""
    connection.ensure_connection()


def _apply_rows_in_turn(turns: Turns, step: int, batch: _Batch, chunk: _Checked) -> Applied:
    """``_apply_rows_again_on_conflict`` as step ``step`` of the batch: it writes once the
    earlier steps it shares a record with have committed, and lets the later ones that
    share one with it write once it has."""
    try:
        applied = _apply_rows_again_on_conflict(batch, chunk, partial(turns.wait, step))
    except BaseException:
        turns.failed(step)
        raise
    turns.done(step)
    return applied


def _apply_rows_again_on_conflict(
    batch: _Batch, chunk: _Checked, wait_turn: Callable[[], None]
) -> Applied:
    """``_apply_rows`` in its own transaction, taken again (up to ``CHUNK_ATTEMPTS`` in
    all) when PostgreSQL chose it as the one to stop in a deadlock or a serialisation
    conflict with another transaction, such as an order reserving the same stock: that is
    a matter of timing, not of the message, and the transaction left nothing."""
    for attempt in range(1, CHUNK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _apply_rows(batch, chunk, wait_turn)
        except OperationalError as error:
            code = getattr(error.__cause__, "sqlstate", None)
            if attempt == CHUNK_ATTEMPTS or code not in CONFLICTS:
                raise
            logger.warning(
                "Inbound message %s: a chunk met a conflict (%s), again", batch.reference, code
            )
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _chunks(rows: Iterator[Any], size: int) -> Iterator[tuple[Any, ...]]:
    """Chunks of ``size`` rows, the first a tenth of that: the database starts on it while
    the next, full chunk is read and validated."""
    first = _first_chunk_rows(size)
    while chunk := tuple(islice(rows, first or size)):
        first = 0
        yield chunk


def _first_chunk_rows(size: int) -> int:
    return max(1, size // 10)


@dataclass
class _Checked:
    """A chunk of rows validated against its feed's row schema: the valid rows with their
    positions in the batch, and the invalid ones with their errors."""

    valid: list[SyncRow]
    positions: range | list[int]
    invalid: list[tuple[int, Any, ValidationError]]


def _checked(
    feed: Feed, chunks: Iterator[tuple[Any, ...]], context: dict[str, Any] | None
) -> Iterator[_Checked]:
    offset = 0
    for chunk in chunks:
        yield _check(feed, chunk, offset, context)
        offset += len(chunk)


def _check(
    feed: Feed, chunk: tuple[Any, ...], offset: int, context: dict[str, Any] | None
) -> _Checked:
    schema = _chunk_schema(feed.row)
    checked = _Checked([], range(offset, offset + len(chunk)), [])
    for start in range(0, len(chunk), VALIDATE_ROWS):
        rows = chunk[start : start + VALIDATE_ROWS]
        try:
            # A slice of rows in one call: most are all valid, and one call costs far less
            # than one per row. The call holds the interpreter throughout, so it is kept
            # short: the thread applying the chunk before waits for it after each statement.
            checked.valid.extend(schema.validate_python(rows, context=context))
        except ValidationError:
            if isinstance(checked.positions, range):  # the rows so far were all valid
                checked.positions = list(range(offset, offset + start))
            for position, raw in enumerate(rows, start=offset + start):
                try:
                    checked.valid.append(feed.row.model_validate(raw, context=context))
                except ValidationError as error:
                    checked.invalid.append((position, raw, error))
                else:
                    checked.positions.append(position)
        else:
            if not isinstance(checked.positions, range):
                checked.positions.extend(range(offset + start, offset + start + len(rows)))
    return checked


# What became of rows applied together: the counts and listed rows of a set-based writer,
# or each row's result (by position) with the ERP time of its change.
Applied = Written | list[tuple[int, RowResult, dt.datetime | None]]


def _apply_rows(
    batch: _Batch, chunk: _Checked, wait_turn: Callable[[], None] | None = None
) -> Applied:
    """Apply a chunk's valid rows inside the caller's transaction; ``wait_turn``, when
    given, is called before anything is written."""
    feed, valid, positions = batch.feed, chunk.valid, chunk.positions
    if feed.lane is not None:
        written = fastlane.apply(
            feed.lane,
            valid,
            positions,
            source=batch.source,
            reference=batch.reference,
            now=timezone.now(),
            every_row=batch.every_row,
            before_write=wait_turn,
        )
        if written is not None:
            return written
    if wait_turn is not None:
        wait_turn()
    return [
        (positions[result.index], result, valid[result.index].erp_changed_at)
        for result in feed.apply(valid, batch.source, batch.reference)
    ]


@cache
def _chunk_schema(row: type[SyncRow]) -> TypeAdapter[list[SyncRow]]:
    """The validator of a whole chunk of ``row``s, built once per feed."""
    return TypeAdapter(list[row])  # type: ignore[valid-type]


def mark_failed(message: InboundMessage, error: str, refusal: dict[str, Any] | None) -> None:
    message.status = InboundStatus.FAILED
    message.finished_at = timezone.now()
    message.error = error
    message.result = {"refused": refusal} if refusal else None
    message.save()


@task(queue_name="imports")
def import_message(message_pk: int) -> None:
    """The import job of a large message: applies it, with progress on its row."""
    process(InboundMessage.objects.get(pk=message_pk))


def requeue_stalled(now: dt.datetime | None = None) -> int:
    """Queue again the messages whose import stopped getting further: the process applying
    them died (a worker killed mid-import, a web process gone during a small batch). The
    body is stored, so the import starts over; rows it had applied come back unchanged.
    Returns how many were queued; several workers may run this at once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.DEALERDESK_IMPORT_STALL_SECONDS)
    stalled = Q(status=InboundStatus.PROCESSING) & (
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, started_at__lt=cutoff)
    )
    queued = 0
    for pk in InboundMessage.objects.filter(stalled).values_list("pk", flat=True)[:100]:
        # Only the worker whose update takes the message queues it.
        if InboundMessage.objects.filter(stalled, pk=pk).update(status=InboundStatus.QUEUED):
            logger.warning("Inbound message %s stopped getting further: queued again", pk)
            import_message.enqueue(pk)
            queued += 1
    return queued


def schedule(message: InboundMessage) -> None:
    """Hand ``message`` to an import worker once the transaction that queued it commits
    (at once outside a transaction), so a worker never looks for a row not yet visible."""
    transaction.on_commit(lambda: import_message.enqueue(message.pk))


def replay(message: InboundMessage, by: Any) -> InboundMessage:
    """Queue the body of ``message`` again as a new message ``<original>:replay:<n>`` of the
    same client (for the sync monitor: after a failure, or to apply again after a fix)."""
    original = message.replay_of or message
    for _attempt in range(5):
        number = InboundMessage.objects.filter(Q(replay_of=original) | Q(pk=original.pk)).count()
        try:
            with transaction.atomic():
                again = InboundMessage.objects.create(
                    client=message.client,
                    message_id=f"{original.message_id[:80]}:replay:{number}",
                    feed=message.feed,
                    category=message.category,
                    atomic=message.atomic,
                    content_type=message.content_type,
                    body=message.body.name,  # a stored body never changes: share it
                    body_sha256=message.body_sha256,
                    body_bytes=message.body_bytes,
                    replay_of=original,
                )
                record(
                    actor=by,
                    instance=again,
                    verb="replayed",
                    after={"replay_of": message.message_id},
                    source="sync monitor",
                )
                schedule(again)
        except IntegrityError:
            continue  # another replay took this number meanwhile: count again
        return again
    raise RuntimeError(f"Could not number a replay of message {message.message_id}")


def answer(message: InboundMessage) -> dict[str, Any]:
    """What the API answers about a message: status, progress, counts and row results."""
    result = message.result or {}
    return {
        "message_id": message.message_id,
        "feed": message.feed,
        "status": message.status,
        "atomic": message.atomic,
        "total": message.rows_total,
        "rows_done": message.rows_done,
        "applied": message.applied,
        "unchanged": message.unchanged,
        "rejected": message.rejected,
        "rows": result.get("rows", []),
        "rows_left_out": result.get("rows_left_out", 0),
        "latest_change_at": message.latest_change_at,
        "received_at": message.received_at,
        "started_at": message.started_at,
        "finished_at": message.finished_at,
        "error": message.error,
    }
