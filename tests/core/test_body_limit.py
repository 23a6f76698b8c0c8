"""Request bodies over the largest any endpoint reads are refused before Django spools them."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dealerdesk.web.ops.limits import BodyLimit


def _run(app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> list[dict]:
    sent: list[dict] = []
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> dict:
        return incoming.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/sync/prices", "headers": headers}
    # A loop of its own in a thread of its own: another test (a browser driver) may have left
    # an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


async def _reader(scope: Any, receive: Any, send: Any) -> None:
    """An application that reads the whole body, then answers 200 with its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_a_declared_length_over_the_cap_is_413_before_reading():
    sent = _run(BodyLimit(_reader, max_bytes=100), [(b"content-length", b"101")], [b"x" * 101])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "too_large"


def test_a_chunked_body_is_refused_when_it_passes_the_cap():
    sent = _run(BodyLimit(_reader, max_bytes=100), [], [b"x" * 60, b"x" * 60])
    assert sent[0]["status"] == 413


def test_a_body_within_the_cap_reaches_the_application():
    sent = _run(BodyLimit(_reader, max_bytes=100), [(b"content-length", b"100")], [b"x" * 100])
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"100"
