"""The simulator's HTTP face: ``POST /webhooks`` for the portal, ``GET /status`` and
``POST /control/down|up`` for a person or a test."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dealerdesk.erpsim.state import ErpState
from dealerdesk.erpsim.webhooks import Reply, WebhookReceiver

log = logging.getLogger("erpsim.http")

MAX_BODY = 5 * 1024 * 1024  # a webhook of an order with a thousand lines is well under this


class ErpServer(ThreadingHTTPServer):
    """A thread per request; the state's lock keeps them from stepping on each other."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], state: ErpState, receiver: WebhookReceiver
    ) -> None:
        super().__init__(address, ErpRequestHandler)
        self.state = state
        self.receiver = receiver

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class ErpRequestHandler(BaseHTTPRequestHandler):
    server: ErpServer
    protocol_version = "HTTP/1.1"
    server_version = "DealerdeskErpSimulator/1"

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/status":
            self._reply(Reply(200, self.server.state.snapshot()))
        else:
            self._reply(Reply(404, {"error": f"No such page: GET {self.path}"}))

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self._body()
        if body is None:
            return
        if path == "/webhooks":
            self._reply(self.server.receiver.handle(dict(self.headers.items()), body))
        elif path == "/control/down":
            self._reply(self._down(body))
        elif path == "/control/up":
            self.server.state.come_up()
            log.warning("the ERP is up again")
            self._reply(Reply(200, {"up": True}))
        else:
            self._reply(Reply(404, {"error": f"No such endpoint: POST {path}"}))

    def _down(self, body: bytes) -> Reply:
        seconds: Any = None
        if body.strip():
            try:
                seconds = json.loads(body).get("seconds")
            except (ValueError, AttributeError):
                return Reply(400, {"error": 'The body must be JSON like {"seconds": 30}.'})
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0
        ):
            return Reply(400, {"error": "seconds: a number above 0 is required."})
        self.server.state.go_down(seconds)
        log.warning(
            "the ERP is down %s", f"for {seconds} s" if seconds else "until POST /control/up"
        )
        return Reply(200, {"up": False, "seconds": seconds})

    def _body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            if self.headers.get("Transfer-Encoding"):
                self._reply(Reply(411, {"error": "Send a Content-Length."}))
                return None
            return b""
        if not length_text.isdigit():
            self._reply(Reply(400, {"error": "Content-Length is not a number."}))
            return None
        length = int(length_text)
        if length > MAX_BODY:
            self.close_connection = True
            self._reply(Reply(413, {"error": f"The body is over {MAX_BODY} bytes."}))
            return None
        return self.rfile.read(length)

    def _reply(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = code.value if isinstance(code, HTTPStatus) else code
        log.debug("%s %s → %s", self.command, self.path, status)
