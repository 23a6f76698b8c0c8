"""A simulator on a free port of 127.0.0.1 with a clock the test turns, and a small fake
portal (a real HTTP server) that records what the simulator sends and answers as told."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from dealerdesk.erpsim.config import SimConfig, parse
from dealerdesk.erpsim.simulator import Simulator

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
START = 1_800_000_000.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, Any]:
        """A multipart body as {field: text, or (filename, bytes) for a file}."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            filename = part.get_filename()
            fields[str(name)] = (filename, payload) if filename else payload.decode()
        return fields


@dataclass
class FakePortal:
    """Answers the token endpoint and every sync endpoint; ``script[path]`` holds statuses to
    answer next (then 200), in the API's error shape, or as an HTML page for ``"404 page"``."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    script: dict[str, deque[int | str]] = field(default_factory=lambda: defaultdict(deque))
    tokens: int = 0
    valid_tokens: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def sync(self, path_part: str = "/sync/") -> list[Received]:
        return [r for r in self.received if path_part in r.path]

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()


class _PortalHandler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        portal: FakePortal = self.server.portal
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        portal.received.append(Received("POST", self.path, headers, body))
        if self.path == "/api/v1/oauth/token":
            portal.tokens += 1
            token = f"token-{portal.tokens}"
            portal.valid_tokens.add(token)
            return self._answer(
                200,
                {"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": "x"},
            )
        if headers.get("authorization", "").removeprefix("Bearer ") not in portal.valid_tokens:
            return self._answer(401, {"code": "unauthorized", "message": "Bad token", "errors": []})
        scripted = portal.script[self.path]
        status = scripted.popleft() if scripted else 200
        if status == "404 page":  # a portal without this endpoint
            page = b"<!doctype html><title>Not found</title>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return None
        assert isinstance(status, int)
        if status >= 400:
            return self._answer(status, {"code": "scripted", "message": "as told", "errors": []})
        return self._answer(200, {"results": [{"row": 0, "status": "applied"}]})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PortalHandler)
    server.daemon_threads = True
    fake = FakePortal(server)
    server.portal = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


class Clock:
    """Wall time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def sim_config(portal_url: str, **overrides: Any) -> SimConfig:
    raw = {
        "portal_url": portal_url,
        "client_id": "erp-client",
        "client_secret": "erp-secret",
        "webhook_secret": SECRET,
        "listen": "127.0.0.1:0",
        "pace": {"accept": 1, "invoice": 10, "ship": 20, "deliver": 30, "market": 0},
        "warehouses": [{"code": "C", "id": 7}],
        "price_types": ["W"],
        "products": [
            {
                "product": "ERP-CAB-1",
                "sku": "CAB-001",
                "prices": {"W": "120.00"},
                "stock": {"C": "40"},
            },
            {"sku": "CAB-002", "prices": {"W": "80.00"}, "stock": {"C": "12"}},
        ],
        **overrides,
    }
    return parse(raw)


@pytest.fixture
def sim(portal: FakePortal, clock: Clock) -> Iterator[Simulator]:
    simulator = Simulator(sim_config(portal.url), clock=clock, backoff=lambda attempts: 5.0)
    simulator.start(run_loop=False)
    yield simulator
    simulator.stop()


def signed(
    event: dict[str, Any], *, webhook_id: str = "msg_1", secret: str = SECRET
) -> tuple[dict[str, str], bytes]:
    """Headers and body as the portal sends a webhook (signed now, in real time: the
    receiver checks the timestamp against the real clock)."""
    body = json.dumps(event)
    now = dt.datetime.now(tz=dt.UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, body),
        "content-type": "application/json",
    }
    return headers, body.encode()


def placed(number: str = "DD-0000123", **data: Any) -> dict[str, Any]:
    return {
        "type": "order.placed",
        "timestamp": "2027-01-15T10:00:00+00:00",
        "data": {
            "number": number,
            "company": {"id": 1, "external_id": "ERP-C-1", "name": "Alpha Electric"},
            "currency": "EUR",
            "totals": {"net": "440.00", "vat": "83.60", "gross": "523.60"},
            "lines": [
                {
                    "number": 1,
                    "sku": "CAB-001",
                    "product_external_id": "ERP-CAB-1",
                    "warehouse_id": 7,
                    "quantity": "3",
                    "unit_price": "120.0000",
                    "vat_rate": "19.00",
                    "line_net": "360.00",
                },
                {
                    "number": 2,
                    "sku": "TOOL-9",
                    "product_external_id": "ERP-TOOL-9",
                    "warehouse_id": 7,
                    "quantity": "1",
                    "unit_price": "80.0000",
                    "vat_rate": "19.00",
                    "line_net": "80.00",
                },
            ],
            **data,
        },
    }


def post_webhook(sim: Simulator, event: dict[str, Any], **kwargs: Any) -> httpx.Response:
    headers, body = signed(event, **kwargs)
    return httpx.post(f"{sim.url}/webhooks", content=body, headers=headers, timeout=5)
