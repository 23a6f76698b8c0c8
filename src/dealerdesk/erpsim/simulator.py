"""The simulator put together: the HTTP server in its threads, and one loop that moves the
ERP's life on and sends what it has to say to the portal."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from dealerdesk.erpsim import books
from dealerdesk.erpsim.config import SimConfig
from dealerdesk.erpsim.invoice import render_invoice
from dealerdesk.erpsim.lifecycle import InvoiceRenderer, Lifecycle
from dealerdesk.erpsim.portal import Courier, PortalClient, default_backoff
from dealerdesk.erpsim.server import ErpServer
from dealerdesk.erpsim.state import Clock, ErpState
from dealerdesk.erpsim.webhooks import WebhookReceiver

log = logging.getLogger("erpsim")


class Simulator:
    """One simulated ERP: ``start()`` it, ``stop()`` it; tests turn ``step()`` by hand."""

    def __init__(
        self,
        config: SimConfig,
        *,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        render: InvoiceRenderer = render_invoice,
        backoff: Callable[[int], float] = default_backoff,
        tick_seconds: float = 0.5,
    ) -> None:
        self.config = config
        self.state = ErpState(config, clock)
        self._written = ""
        if config.books is not None:
            if books.restore(self.state, config.books):
                log.info(
                    "books read from %s: %d orders, %d messages to send",
                    config.books,
                    len(self.state.orders),
                    len(self.state.outbox),
                )
            self.state.commit = self._save
        self.server = ErpServer(
            (config.listen_host, config.listen_port),
            self.state,
            WebhookReceiver(self.state, config.webhook_secret),
        )
        self.portal = PortalClient(config.portal_url, config.client_id, config.client_secret)
        self.lifecycle = Lifecycle(self.state, config, rng=rng, render=render)
        self.courier = Courier(self.state, self.portal, backoff)
        self.tick_seconds = tick_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return self.server.url

    def start(self, *, run_loop: bool = True) -> None:
        """Serve HTTP and, unless a caller turns the loop by hand with ``step()``, run it."""
        self._threads = [
            threading.Thread(
                target=self.server.serve_forever,
                kwargs={"poll_interval": 0.1},  # how soon stop() is noticed
                name="erpsim-http",
                daemon=True,
            )
        ]
        if run_loop:
            self._threads.append(
                threading.Thread(target=self._loop, name="erpsim-life", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        log.info(
            "ERP simulator listening on %s (webhooks at %s/webhooks), portal %s, speed %s",
            self.url,
            self.url,
            self.config.portal_url,
            self.config.speed,
        )

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self.portal.close()
        with self.state.locked():
            self.state.commit()
        waiting = len(self.state.outbox)
        if waiting:
            log.warning("stopped with %d messages not yet taken by the portal", waiting)
        log.info("ERP simulator stopped")

    def step(self) -> None:
        """One turn of the loop: take the due steps, then send. A down ERP does neither;
        back up, it catches up on the steps that fell due meanwhile."""
        if self.state.is_down():
            return
        self.lifecycle.tick()
        self.courier.flush()
        with self.state.locked():
            self.state.commit()

    def _save(self) -> None:
        """Write the books when they changed (called under the state's lock)."""
        path = self.config.books
        text = books.text_of(self.state)
        if path is not None and text != self._written:
            books.write(path, text)
            self._written = text

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.step()
            except Exception:  # the ERP keeps running; the message stays for the next turn
                log.exception("the lifecycle loop failed; carrying on")
