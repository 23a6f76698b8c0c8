"""What the simulated ERP holds: its sales orders, the webhooks it has applied, the messages
it still has to send to the portal, and its counters.

One lock guards it all: the HTTP server's threads and the lifecycle loop share it, and the
check "have I applied this webhook-id?" must be atomic with applying it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from dealerdesk.erpsim.config import Product, SimConfig

Clock = Callable[[], float]  # seconds since the epoch, like time.time


class Stage(StrEnum):
    """Where a sales order is in the ERP. RECEIVED: booked, not yet confirmed to the portal."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    INVOICED = "invoiced"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# The walk every order takes; each step is due a configured time after the order arrived.
WALK = (Stage.ACCEPTED, Stage.INVOICED, Stage.SHIPPED, Stage.DELIVERED)


@dataclass
class OrderLine:
    number: int
    sku: str
    product_external_id: str | None
    warehouse_id: int | None
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal | None = None
    line_net: Decimal | None = None
    name: str = ""

    @property
    def net(self) -> Decimal:
        if self.line_net is not None:
            return self.line_net
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass
class SalesOrder:
    """The ERP's sales order for one portal order."""

    number: str  # the portal's order number, e.g. DD-0000123
    erp_number: str  # ours, e.g. SO-000123
    company: dict[str, Any]
    currency: str
    totals: dict[str, str]
    lines: list[OrderLine]
    received_at: float
    stage: Stage = Stage.RECEIVED
    invoice_number: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "erp_number": self.erp_number,
            "received_at": dt.datetime.fromtimestamp(self.received_at, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "stage": self.stage.value,
            "company": self.company.get("name", ""),
            "currency": self.currency,
            "totals": self.totals,
            "lines": len(self.lines),
            "invoice": self.invoice_number or None,
            "history": [{"stage": stage, "at": at} for stage, at in self.history],
        }


@dataclass
class Document:
    """A file for the documents endpoint: the form fields and the PDF."""

    fields: dict[str, str]
    filename: str
    content: bytes


@dataclass
class Outgoing:
    """A message for the portal. Its key is the Idempotency-Key: every retry sends the same
    one, so the portal applies the message once however often it arrives."""

    key: str
    path: str
    summary: str
    rows: list[dict[str, Any]] | None = None
    document: Document | None = None
    attempts: int = 0
    not_before: float = 0.0
    last_error: str = ""


@dataclass
class Counters:
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    bad_signatures: int = 0
    refused_while_down: int = 0
    rejected: int = 0
    ignored: int = 0


@dataclass
class CatalogItem:
    """A product the ERP reprices and restocks, with its current levels."""

    product: Product
    prices: dict[str, Decimal]
    stock: dict[str, Decimal]


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat(timespec="seconds")


class ErpState:
    """The simulated ERP's memory, shared by the HTTP threads and the lifecycle loop."""

    def __init__(self, config: SimConfig, clock: Clock = time.time) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.RLock()
        self.orders: dict[str, SalesOrder] = {}
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}  # webhook-id → the answer
        self.counters = Counters()
        self.outbox: deque[Outgoing] = deque()
        self.sent = 0
        self.refused: deque[dict[str, str]] = deque(maxlen=20)
        self.down_until: float | None = None
        self.down = False
        self.catalog: dict[str, CatalogItem] = {
            p.key: CatalogItem(p, dict(p.prices), dict(p.stock)) for p in config.products
        }
        self._sales_orders = 0
        self._invoices = 0
        self._version = 0
        # Called, under the lock, after a change the ERP must not forget (the books).
        self.commit: Callable[[], None] = lambda: None

    @contextmanager
    def locked(self) -> Iterator[ErpState]:
        with self._lock:
            yield self

    # --- numbering -----------------------------------------------------------------------------

    def next_erp_number(self) -> str:
        with self._lock:
            self._sales_orders += 1
            return f"SO-{self._sales_orders:06d}"

    def next_invoice_number(self) -> str:
        with self._lock:
            self._invoices += 1
            return f"INV-{self._invoices:06d}"

    def numbers(self) -> dict[str, int]:
        return {
            "sales_orders": self._sales_orders,
            "invoices": self._invoices,
            "version": self._version,
        }

    def set_numbers(self, *, sales_orders: int, invoices: int, version: int) -> None:
        with self._lock:
            self._sales_orders, self._invoices = int(sales_orders), int(invoices)
            self._version = int(version)

    def next_version(self) -> int:
        """The ERP's change sequence: increasing, and above any earlier run's (it starts from
        the clock in milliseconds), so a restarted simulator is never taken for stale."""
        with self._lock:
            self._version = max(self._version + 1, int(self.clock() * 1000))
            return self._version

    def stamp(self) -> dict[str, Any]:
        """``erp_version`` and ``erp_changed_at`` for a row changed now."""
        version = self.next_version()
        changed = dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)
        return {"erp_version": version, "erp_changed_at": changed.isoformat()}

    # --- up and down ---------------------------------------------------------------------------

    def go_down(self, seconds: float | None) -> None:
        with self._lock:
            self.down = True
            self.down_until = None if seconds is None else self.clock() + seconds

    def come_up(self) -> None:
        with self._lock:
            self.down = False
            self.down_until = None

    def is_down(self) -> bool:
        with self._lock:
            if self.down and self.down_until is not None and self.clock() >= self.down_until:
                self.come_up()
            return self.down

    # --- the outbox ----------------------------------------------------------------------------

    def send_later(self, path: str, summary: str, **content: Any) -> Outgoing:
        message = Outgoing(key=f"erpsim-{uuid.uuid4()}", path=path, summary=summary, **content)
        with self._lock:
            self.outbox.append(message)
        return message

    def snapshot(self) -> dict[str, Any]:
        """Everything ``GET /status`` shows."""
        with self._lock:
            down = self.is_down()
            until = (
                dt.datetime.fromtimestamp(self.down_until, tz=dt.UTC).isoformat()
                if down and self.down_until is not None
                else None
            )
            head = self.outbox[0] if self.outbox else None
            return {
                "up": not down,
                "down_until": until,
                "webhooks": vars(self.counters).copy(),
                "orders": [order.as_json() for order in self.orders.values()],
                "outbox": {
                    "waiting": len(self.outbox),
                    "sent": self.sent,
                    "refused": list(self.refused),
                    "next": None
                    if head is None
                    else {
                        "key": head.key,
                        "summary": head.summary,
                        "attempts": head.attempts,
                        "last_error": head.last_error,
                    },
                },
                "erp_version": self._version,
            }
