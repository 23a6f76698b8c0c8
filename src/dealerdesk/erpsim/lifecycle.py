"""The ERP's life over time: each sales order is confirmed, invoiced (with the invoice PDF),
shipped and delivered, and every so often prices and stock levels move.

``tick()`` only decides and writes messages to the outbox; the courier sends them. So the
ERP keeps working while the portal is away, and everything it decided arrives later, in
order.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from decimal import Decimal

from dealerdesk.erpsim.config import Pace, SimConfig, Supplier
from dealerdesk.erpsim.invoice import render_invoice
from dealerdesk.erpsim.state import WALK, CatalogItem, Document, ErpState, SalesOrder, Stage, iso

log = logging.getLogger("erpsim.lifecycle")

STATUSES_PATH = "/api/v1/sync/order-statuses"
PRICES_PATH = "/api/v1/sync/prices"
STOCK_PATH = "/api/v1/sync/stock"

InvoiceRenderer = Callable[[SalesOrder, Supplier, dt.date], bytes]


def documents_path(number: str) -> str:
    return f"/api/v1/sync/orders/{number}/documents"


class Lifecycle:
    """Decides, turn by turn, what the ERP does next and queues what it tells the portal."""

    def __init__(
        self,
        state: ErpState,
        config: SimConfig,
        *,
        rng: random.Random | None = None,
        render: InvoiceRenderer = render_invoice,
    ) -> None:
        self.state = state
        self.config = config
        self.pace: Pace = config.timing
        self.rng = rng or random.Random()  # noqa: S311 (a simulation, not a secret)
        self.render = render
        self.next_market_at = state.clock() + self.pace.market

    def tick(self) -> None:
        """Take the steps that are due. Decided under the lock; the invoice PDFs are rendered
        outside it, so that webhooks are not kept waiting."""
        now = self.state.clock()
        with self.state.locked():
            steps = [
                (order, stage)
                for order in list(self.state.orders.values())
                for stage in self._due_steps(order, now)
            ]
            market = self.pace.market > 0 and now >= self.next_market_at
            if market:
                self.next_market_at = now + self.pace.market
        for order, stage in steps:
            self._take(order, stage)
        if market:
            self.market_round()

    # --- orders --------------------------------------------------------------------------------

    def due(self, order: SalesOrder, stage: Stage) -> float:
        delays = {
            Stage.ACCEPTED: self.pace.accept,
            Stage.INVOICED: self.pace.invoice,
            Stage.SHIPPED: self.pace.ship,
            Stage.DELIVERED: self.pace.deliver,
        }
        return order.received_at + delays[stage]

    def _due_steps(self, order: SalesOrder, now: float) -> list[Stage]:
        """Every step that is due, in order (a slow tick may owe several); the order moves on
        at once."""
        steps = []
        while order.stage not in (Stage.DELIVERED, Stage.CANCELLED):
            following = WALK[WALK.index(order.stage) + 1] if order.stage in WALK else WALK[0]
            if now < self.due(order, following):
                break
            order.stage = following
            order.history.append((following.value, iso(now)))
            steps.append(following)
        return steps

    def _take(self, order: SalesOrder, stage: Stage) -> None:
        if order.stage is Stage.CANCELLED:  # cancelled since the step was decided
            return
        if stage is Stage.INVOICED:
            self._invoice(order)
        if stage is Stage.SHIPPED:
            self._ship(order)
        self._status(order, stage)

    def _status(self, order: SalesOrder, stage: Stage) -> None:
        row = {
            "order": order.number,
            "status": stage.value,
            "erp_number": order.erp_number,
            "note": _NOTES[stage].format(order=order),
            **self.state.stamp(),
        }
        self.state.send_later(
            STATUSES_PATH, f"order {order.number} ({order.erp_number}) {stage.value}", rows=[row]
        )
        log.info("order %s (%s) is %s", order.number, order.erp_number, stage.value)

    def _invoice(self, order: SalesOrder) -> None:
        with self.state.locked():
            order.invoice_number = self.state.next_invoice_number()
        issued_on = dt.datetime.fromtimestamp(self.state.clock(), tz=dt.UTC).date()
        pdf = self.render(order, self.config.supplier, issued_on)
        stamp = self.state.stamp()
        self.state.send_later(
            documents_path(order.number),
            f"invoice {order.invoice_number} for {order.number}",
            document=Document(
                fields={
                    "kind": "invoice",
                    "number": order.invoice_number,
                    "issued_on": issued_on.isoformat(),
                    "erp_version": str(stamp["erp_version"]),
                },
                filename=f"{order.invoice_number}.pdf",
                content=pdf,
            ),
        )
        log.info(
            "invoice %s issued for %s (%d bytes)", order.invoice_number, order.number, len(pdf)
        )

    def _ship(self, order: SalesOrder) -> None:
        """Goods leave the warehouse: the ERP reports the stock that is left."""
        codes = {w.portal_id: w.code for w in self.config.warehouses if w.portal_id is not None}
        with self.state.locked():
            rows = self._take_from_stock(order, codes)
        if rows:
            self.state.send_later(
                STOCK_PATH, f"stock after shipping {order.erp_number} ({len(rows)} rows)", rows=rows
            )

    def _take_from_stock(self, order: SalesOrder, codes: dict[int, str]) -> list[dict[str, object]]:
        rows = []
        for line in order.lines:
            stock = self.state.catalog.get(line.product_external_id or line.sku)
            code = codes.get(line.warehouse_id) if line.warehouse_id is not None else None
            if stock is None or code is None or code not in stock.stock:
                continue  # a level the ERP does not track here: nothing to report
            stock.stock[code] = max(stock.stock[code] - line.quantity, Decimal(0))
            rows.append(self._stock_row(stock, code))
        return rows

    # --- prices and stock ----------------------------------------------------------------------

    def market_round(self) -> None:
        """A few prices move by up to 5 %, a few stock levels are sold down or restocked."""
        with self.state.locked():
            self._market_round()

    def _market_round(self) -> None:
        catalog = list(self.state.catalog.values())
        count = self.config.changes_per_round
        priced = [s for s in catalog if s.prices]
        price_rows = []
        for stock in self.rng.sample(priced, min(count, len(priced))):
            code = self.rng.choice(sorted(stock.prices))
            factor = Decimal(self.rng.randint(95, 105)) / 100
            stock.prices[code] = _move(stock.prices[code], factor)
            price_rows.append(
                {
                    **stock.product.reference(),
                    "price_type": code,
                    "amount": str(stock.prices[code]),
                    "valid_from": None,
                    **self.state.stamp(),
                }
            )
        stock_rows = []
        warehouses = [w.code for w in self.config.warehouses]
        for stock in self.rng.sample(catalog, min(count, len(catalog))):
            codes = sorted(stock.stock) or warehouses
            if not codes:
                continue
            code = self.rng.choice(codes)
            level = stock.stock.get(code)
            if level is None or self.rng.random() < 0.3:
                level = Decimal(self.rng.randint(20, 400))  # a delivery from the factory
            else:
                level = max(level - self.rng.randint(1, 25), Decimal(0))
            stock.stock[code] = level
            stock_rows.append(self._stock_row(stock, code))
        if price_rows:
            self.state.send_later(PRICES_PATH, f"{len(price_rows)} price changes", rows=price_rows)
        if stock_rows:
            self.state.send_later(STOCK_PATH, f"{len(stock_rows)} stock levels", rows=stock_rows)
        if price_rows or stock_rows:
            log.info(
                "market: %d prices and %d stock levels changed", len(price_rows), len(stock_rows)
            )

    def _stock_row(self, stock: CatalogItem, code: str) -> dict[str, object]:
        return {
            **stock.product.reference(),
            "warehouse": code,
            "on_hand": f"{stock.stock[code].normalize():f}",
            **self.state.stamp(),
        }


_NOTES = {
    Stage.ACCEPTED: "Booked as sales order {order.erp_number}",
    Stage.INVOICED: "Invoice {order.invoice_number} issued",
    Stage.SHIPPED: "Shipped",
    Stage.DELIVERED: "Delivered",
}


def _move(amount: Decimal, factor: Decimal) -> Decimal:
    """The amount times the factor, kept to its own decimal places (a price per metre has
    four), never below the smallest step."""
    places = min(int(amount.as_tuple().exponent), -2)
    step = Decimal(1).scaleb(places)
    return max((amount * factor).quantize(step), step)
