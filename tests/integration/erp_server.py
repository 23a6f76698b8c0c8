"""A stand-in ERP that receives Dealerdesk's webhooks over real HTTP on 127.0.0.1.

It verifies every Standard Webhooks signature with the ``standardwebhooks`` library,
records every request, applies each ``webhook-id`` once (counting repeats as duplicates),
answers ``order.placed`` with an ERP order number, and can be switched to down (503 or
refusing connections), slow, or failing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from dealerdesk.integration.outbound.signing import new_secret


@dataclass
class Received:
    """One request as it arrived."""

    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ErpServer:
    """The ERP's webhook receiver; ``url`` is where to point a ``WebhookEndpoint``."""

    secret: str = field(default_factory=new_secret)
    mode: str = "up"  # up, down (503), failing (500)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    applied: dict[str, str] = field(default_factory=dict)  # webhook-id → ERP number ("")
    duplicates: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    port: int = 0
    _httpd: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/dealerdesk"

    def start(self) -> ErpServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def go_down(self, *, refuse: bool = False) -> None:
        """Answer 503, or (``refuse``) stop listening so connections are refused."""
        self.mode = "down"
        if refuse:
            self.stop()

    def come_back(self) -> None:
        """Listen again on the same port and answer normally, at once."""
        self.mode, self.delay = "up", 0.0
        if self._httpd is None:
            self.start()

    def fail(self) -> None:
        self.mode = "failing"

    def slow(self, seconds: float) -> None:
        self.delay = seconds

    def times_applied(self, webhook_id: str) -> int:
        """How many times the ERP acted on this message: once, or never."""
        return int(webhook_id in self.applied)

    def receive(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """What the ERP does with one request; the status and JSON answer."""
        with self._lock:
            self.requests.append(Received(headers, body, time.monotonic()))
        if self.mode == "down":
            return 503, {"error": "maintenance"}
        if self.mode == "failing":
            return 500, {"error": "internal error"}
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            with self._lock:
                self.bad_signatures += 1
            return 401, {"error": str(error)}
        if self.delay:
            time.sleep(self.delay)
        message_id = headers["webhook-id"]
        with self._lock:
            if message_id in self.applied:
                self.duplicates[message_id] += 1
            else:
                number = f"SO-{next(self._numbers)}" if event.get("type") == "order.placed" else ""
                self.applied[message_id] = number
            erp_number = self.applied[message_id]
        return 200, {"erp_number": erp_number} if erp_number else {"received": True}


def _handler_for(server: ErpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer = server.receive(headers, body)
            data = json.dumps(answer).encode()
            # The sender may have given up (timed out, or was killed) while the ERP worked.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``ErpServer.requests`` instead."""

    return Handler


@contextlib.contextmanager
def running_erp() -> Iterator[ErpServer]:
    """An ERP listening on a free port for the duration of the block."""
    server = ErpServer().start()
    try:
        yield server
    finally:
        server.stop()


def wait_until(condition: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` s pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {condition}")
        time.sleep(every)
