"""The dealer's orders as spreadsheets: the history (as searched and filtered) and one
order's lines, as CSV or XLSX. Everyone of the company may export, viewers and accountants
included: it is what they can read on the pages anyway."""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import IO, cast

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from dealerdesk.ordering import exports
from dealerdesk.web.portal.access import dealer_required
from dealerdesk.web.portal.views.orders import dealer_order, filtered_orders

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_BLOCK = 64 * 1024


@dealer_required
def orders_csv(request: HttpRequest) -> HttpResponse:
    """The history as CSV, streamed while the orders are read."""
    found, _ = filtered_orders(request)
    response = StreamingHttpResponse(_streamed(request, exports.orders_csv(found)), CSV)
    return _attachment(response, f"orders-{timezone.localdate():%Y-%m-%d}.csv")


@dealer_required
def orders_xlsx(request: HttpRequest) -> HttpResponse:
    """The history as XLSX. A workbook is a ZIP written at the end, so it is built in a
    temporary file (not in memory) and then streamed from there."""
    found, _ = filtered_orders(request)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _FileBlocks or below
    try:
        exports.orders_xlsx(found, spool)
        size = spool.tell()
    except BaseException:
        spool.close()
        raise
    response = StreamingHttpResponse(_streamed(request, _FileBlocks(spool)), XLSX)
    response["Content-Length"] = str(size)
    return _attachment(response, f"orders-{timezone.localdate():%Y-%m-%d}.xlsx")


@dealer_required
def order_lines_csv(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    response = HttpResponse(exports.lines_csv(found), CSV)
    return _attachment(response, f"order-{found.number}.csv")


@dealer_required
def order_lines_xlsx(request: HttpRequest, number: str) -> HttpResponse:
    found = dealer_order(request, number)
    buffer = io.BytesIO()  # one order has at most a thousand lines
    exports.lines_xlsx(found, buffer)
    response = HttpResponse(buffer.getvalue(), XLSX)
    return _attachment(response, f"order-{found.number}.xlsx")


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    # ``access.ViewFunc`` promises an HttpResponse; a streaming one is served the same way.
    return cast(HttpResponse, response)


class _FileBlocks:
    """A file in blocks. Django closes a response's content when the response is done;
    that closes the file, read to the end or not."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        file.seek(0)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        block = self._file.read(FILE_BLOCK)
        if not block:
            self.close()
            raise StopIteration
        return block

    def close(self) -> None:
        self._file.close()


def _streamed(
    request: HttpRequest, chunks: Iterator[bytes]
) -> Iterator[bytes] | AsyncIterator[bytes]:
    """The chunks in the form the server streams: under ASGI (uvicorn in production) Django
    reads a plain iterator into one list before sending a byte, so there it gets an async
    one; under WSGI and the test client a plain one."""
    if isinstance(request, ASGIRequest):
        return _OneAtATime(chunks)
    return chunks


class _OneAtATime:
    """A plain iterator served as an async one, a chunk per step. Each step runs on the
    thread the view ran on (thread-sensitive), which holds the database connection and the
    open cursor the orders are read through."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._step = sync_to_async(_next_or_none, thread_sensitive=True)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._step(self._chunks)
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    def close(self) -> None:
        """Called by Django as the response closes: a download given up half-way closes the
        cursor or the file behind it."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def _next_or_none(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)
