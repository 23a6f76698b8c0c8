"""Receiving the portal's webhooks: verify the Standard Webhooks signature, apply each
webhook-id once, and answer an order with its ERP number.

A duplicate (the portal retrying after a lost answer) gets the first answer again and
changes nothing. While the ERP is down every webhook is answered 503, so the portal retries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dealerdesk.erpsim.config import Product
from dealerdesk.erpsim.state import CatalogItem, ErpState, OrderLine, SalesOrder, Stage, iso

log = logging.getLogger("erpsim.webhooks")


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class PayloadError(ValueError):
    """The event's data is not what its type promises."""


class WebhookReceiver:
    """The ERP's side of the order webhooks, over the shared state."""

    def __init__(self, state: ErpState, secret: str) -> None:
        self.state = state
        self.verifier = Webhook(secret)

    def handle(self, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one POST to /webhooks."""
        state = self.state
        webhook_id = _header(headers, "webhook-id")
        with state.locked():
            state.counters.received += 1
            if state.is_down():
                state.counters.refused_while_down += 1
                log.warning("webhook %s refused: the ERP is down (503)", webhook_id or "?")
                return Reply(
                    503, {"error": "The ERP is down for maintenance."}, {"Retry-After": "5"}
                )
            try:
                self.verifier.verify(body, dict(headers), json_parse=False)
            except WebhookVerificationError as error:
                state.counters.bad_signatures += 1
                log.warning("webhook %s refused: %s (401)", webhook_id or "?", error)
                return Reply(401, {"error": f"Signature not accepted: {error}"})
            if webhook_id in state.answers:
                state.counters.duplicates += 1
                status, answer = state.answers[webhook_id]
                log.info("webhook %s again: already applied, answered as before", webhook_id)
                return Reply(status, answer)
            try:
                answer = self._apply(_parse(body))
            except PayloadError as error:
                state.counters.rejected += 1
                log.error("webhook %s rejected: %s (422)", webhook_id, error)
                return Reply(422, {"error": str(error)})
            state.answers[webhook_id] = (200, answer)
            state.commit()  # on the books before the portal hears "applied"
            return Reply(200, answer)

    def _apply(self, event: Any) -> dict[str, Any]:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise PayloadError("The body must be a JSON object with a type.")
        data = event.get("data")
        if not isinstance(data, dict):
            raise PayloadError("data: an object is required.")
        kind = event["type"]
        if kind == "order.placed":
            return self._placed(data)
        if kind == "order.changed":
            return self._changed(data)
        if kind == "order.cancelled":
            return self._cancelled(data)
        self.state.counters.ignored += 1
        log.info("webhook of type %s: nothing for the ERP to do", kind)
        return {"ignored": kind}

    def _placed(self, data: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        number = _order_number(data)
        known = state.orders.get(number)
        if known is not None:  # the same order sent as another event: one sales order
            state.counters.applied += 1
            return {"erp_number": known.erp_number}
        lines = _lines(data)
        company = data.get("company")
        order = SalesOrder(
            number=number,
            erp_number=state.next_erp_number(),
            company=company if isinstance(company, dict) else {},
            currency=str(data.get("currency") or ""),
            totals=_totals(data),
            lines=lines,
            received_at=state.clock(),
        )
        state.orders[number] = order
        self._learn(lines)
        state.counters.applied += 1
        log.info(
            "order %s booked as %s: %d lines, %s %s",
            number,
            order.erp_number,
            len(lines),
            order.totals.get("gross", "?"),
            order.currency,
        )
        return {"erp_number": order.erp_number}

    def _changed(self, data: dict[str, Any]) -> dict[str, Any]:
        number = _order_number(data)
        order = self.state.orders.get(number)
        if order is None:
            return self._placed(data)
        self.state.counters.applied += 1
        if order.stage not in (Stage.RECEIVED, Stage.ACCEPTED):
            log.warning("order %s changed after it was %s: kept as it is", number, order.stage)
            return {"erp_number": order.erp_number, "applied": False, "stage": order.stage}
        order.lines = _lines(data)
        order.totals = _totals(data)
        log.info("order %s (%s) changed: %d lines", number, order.erp_number, len(order.lines))
        return {"erp_number": order.erp_number}

    def _cancelled(self, data: dict[str, Any]) -> dict[str, Any]:
        number = _order_number(data)
        order = self.state.orders.get(number)
        self.state.counters.applied += 1
        if order is None:
            log.info("order %s cancelled before the ERP booked it", number)
            return {"cancelled": number}
        if order.stage in (Stage.SHIPPED, Stage.DELIVERED):
            log.warning("order %s cancelled after it was %s: kept", number, order.stage)
            return {"erp_number": order.erp_number, "applied": False, "stage": order.stage}
        order.stage = Stage.CANCELLED
        order.history.append((Stage.CANCELLED.value, iso(self.state.clock())))
        log.info("order %s (%s) cancelled", number, order.erp_number)
        return {"erp_number": order.erp_number, "cancelled": number}

    def _learn(self, lines: list[OrderLine]) -> None:
        """Products ordered become products the ERP restocks."""
        for line in lines:
            key = line.product_external_id or line.sku
            if key and key not in self.state.catalog:
                product = Product(external_id=line.product_external_id, sku=line.sku or None)
                self.state.catalog[key] = CatalogItem(product, {}, {})


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as error:  # UnicodeDecodeError is one too
        raise PayloadError(f"The body is not JSON: {error}") from error


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def _order_number(data: dict[str, Any]) -> str:
    number = data.get("number")
    if not isinstance(number, str) or not number.strip():
        raise PayloadError("data.number: the order number is required.")
    return number.strip()


def _totals(data: dict[str, Any]) -> dict[str, str]:
    totals = data.get("totals")
    if not isinstance(totals, dict):
        return {}
    return {str(key): str(value) for key, value in totals.items()}


def _lines(data: dict[str, Any]) -> list[OrderLine]:
    raw = data.get("lines")
    if not isinstance(raw, list) or not raw:
        raise PayloadError("data.lines: at least one line is required.")
    lines = []
    for index, item in enumerate(raw):
        where = f"data.lines[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(f"{where}: an object is required.")
        warehouse = item.get("warehouse_id")
        lines.append(
            OrderLine(
                number=item["number"] if isinstance(item.get("number"), int) else index + 1,
                sku=str(item.get("sku") or ""),
                product_external_id=item.get("product_external_id") or None,
                warehouse_id=warehouse if isinstance(warehouse, int) else None,
                quantity=_decimal(item.get("quantity"), f"{where}.quantity"),
                unit_price=_decimal(item.get("unit_price"), f"{where}.unit_price"),
                vat_rate=_optional_decimal(item.get("vat_rate"), f"{where}.vat_rate"),
                line_net=_optional_decimal(item.get("line_net"), f"{where}.line_net"),
                name=str(item.get("name") or ""),
            )
        )
    return lines


def _decimal(value: Any, where: str) -> Decimal:
    try:
        if isinstance(value, bool) or value is None:
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise PayloadError(f"{where}: {value!r} is not an exact decimal number.") from error
    if not amount.is_finite():
        raise PayloadError(f"{where}: {value!r} is not a finite number.")
    return amount


def _optional_decimal(value: Any, where: str) -> Decimal | None:
    return None if value is None else _decimal(value, where)
