"""The one outbound HTTP client of the portal (webhooks to the ERP, fetches by URL).

Every call has explicit timeouts, follows no redirects (a redirect is an answer to look
at, not an address to trust), reads at most ``MAX_BODY_BYTES`` of the answer, and never
raises for a network failure: a timeout or a refused connection comes back as a result
with ``error`` set, so callers record it as they record a bad status code.

Timing: the connection is made within ``connect_timeout``, the server then has ``timeout``
to start answering and ``timeout`` more to finish the body (no single wait for it is longer
than ``timeout``). ``longest_silence`` is how long a caller can wait on a server that has
stopped answering.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from dealerdesk import __version__

USER_AGENT = f"Dealerdesk/{__version__}"
# Enough for any answer a webhook receiver or an ERP gives about one event; a larger body
# is cut rather than held in memory.
MAX_BODY_BYTES = 64 * 1024
DEFAULT_CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class HttpResult:
    """What came back from one request: a status and body, or the error that stopped it."""

    status_code: int | None
    body: str
    duration_ms: int
    error: str = ""
    truncated: bool = False
    content: bytes = b""  # the body as received (up to the cap), for binary answers

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str,
    content: str | bytes,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> HttpResult:
    """POST ``content`` to ``url``; the whole exchange ends within about ``timeout`` s."""
    return request(
        "POST",
        url,
        content=content,
        headers=headers,
        timeout=timeout,
        connect_timeout=connect_timeout,
    )


def request(
    method: str,
    url: str,
    *,
    content: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    max_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """Send one request; network failures come back as ``HttpResult.error``. At most
    ``max_bytes`` of the answer are read (``truncated`` says the rest was cut)."""
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    limits = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
    started = time.monotonic()
    try:
        with (
            httpx.Client(follow_redirects=False, timeout=limits, trust_env=False) as client,
            client.stream(method, url, content=content, headers=sent_headers) as response,
        ):
            body, truncated = _read_capped(response, time.monotonic() + timeout, max_bytes)
            text = body.decode(response.encoding or "utf-8", errors="replace")
            return HttpResult(
                response.status_code, text, _ms_since(started), "", truncated, content=body
            )
    except httpx.TimeoutException as error:
        return _failed(started, f"timed out after {timeout:g} s ({type(error).__name__})")
    except _Deadline:
        return _failed(started, f"the answer's body took over {timeout:g} s")
    except httpx.ConnectError as error:
        return _failed(started, f"could not connect: {error}")
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return _failed(started, f"{type(error).__name__}: {error}")


def longest_silence(timeout: float, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> float:
    """Seconds a request can take when the server accepts it and then never answers."""
    return min(connect_timeout, timeout) + timeout


class _Deadline(Exception):
    """The server trickles its body past its deadline."""


def _read_capped(
    response: httpx.Response, deadline: float, limit: int = MAX_BODY_BYTES
) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body; the read timeout bounds each chunk, the deadline
    bounds them all."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise _Deadline
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _failed(started: float, error: str) -> HttpResult:
    return HttpResult(None, "", _ms_since(started), error)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
