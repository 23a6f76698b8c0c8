"""A cap on request bodies before Django reads them.

Django's ASGI handler spools a whole request body to a temporary file before any view runs,
so a view's own limit (the inbound sync's, an upload's) comes only after the bytes are on
disk. This wrapper refuses a body over the largest any endpoint accepts as it arrives: at
once when ``Content-Length`` says so, else when the bytes received pass the cap.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

Scope = Any
Message = Any
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

# Room for the multipart envelope around the largest file.
ENVELOPE = 1024 * 1024


def largest_body() -> int:
    """The largest body any endpoint reads: an ERP message, a document, an upload."""
    return ENVELOPE + max(
        settings.DEALERDESK_INBOUND_MAX_BYTES,
        settings.DEALERDESK_DOCUMENT_MAX_BYTES,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
        settings.PRODUCT_IMAGE_MAX_BYTES,
    )


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.max_bytes or largest_body()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _refuse(send, cap)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _refuse(send, cap)


async def _refuse(send: Send, cap: int) -> None:
    body = json.dumps(
        {
            "code": "too_large",
            "message": f"The request body is over {cap // (1024 * 1024)} MB, the most this "
            "server reads.",
            "errors": [],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
