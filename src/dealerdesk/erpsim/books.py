"""The ERP's books on disk: sales orders, the webhook-ids applied, the messages not yet
taken by the portal and the numbering, so that a restarted simulator neither applies a
webhook twice nor forgets what it still has to send, nor numbers SO-000001 again.

Written whole to a temporary file and renamed over the old one, so a crash leaves either
the old books or the new.
"""

from __future__ import annotations

import base64
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from dealerdesk.erpsim.config import ConfigError, Product
from dealerdesk.erpsim.state import (
    CatalogItem,
    Counters,
    Document,
    ErpState,
    OrderLine,
    Outgoing,
    SalesOrder,
    Stage,
)

VERSION = 1


def dump(state: ErpState) -> dict[str, Any]:
    with state.locked():
        return {
            "version": VERSION,
            "numbers": state.numbers(),
            "counters": vars(state.counters).copy(),
            "sent": state.sent,
            "refused": list(state.refused),
            "answers": {key: list(answer) for key, answer in state.answers.items()},
            "orders": [_order(order) for order in state.orders.values()],
            "outbox": [_outgoing(message) for message in state.outbox],
            "catalog": [_item(item) for item in state.catalog.values()],
        }


def text_of(state: ErpState) -> str:
    return json.dumps(dump(state), sort_keys=True)


def write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(partial, path)


def restore(state: ErpState, path: Path) -> bool:
    """Load the books into ``state``; False when there are none yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path} cannot be read ({error}); remove it to start afresh.") from error
    try:
        _restore(state, data)
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        raise ConfigError(
            f"{path} is not the simulator's books ({type(error).__name__}: {error}); "
            "remove it to start afresh."
        ) from error
    return True


def _restore(state: ErpState, data: dict[str, Any]) -> None:
    if data.get("version") != VERSION:
        raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
    with state.locked():
        state.set_numbers(**data["numbers"])
        state.counters = Counters(**data["counters"])
        state.sent = int(data["sent"])
        state.refused.extend(data["refused"])
        state.answers = {
            key: (int(status), body) for key, (status, body) in data["answers"].items()
        }
        state.orders = {order["number"]: _sales_order(order) for order in data["orders"]}
        state.outbox.extend(_message(message) for message in data["outbox"])
        for raw in data["catalog"]:
            item = _catalog_item(raw)
            state.catalog[item.product.key] = item


def _order(order: SalesOrder) -> dict[str, Any]:
    return {
        "number": order.number,
        "erp_number": order.erp_number,
        "company": order.company,
        "currency": order.currency,
        "totals": order.totals,
        "received_at": order.received_at,
        "stage": order.stage.value,
        "invoice_number": order.invoice_number,
        "history": order.history,
        "lines": [
            {
                "number": line.number,
                "sku": line.sku,
                "product_external_id": line.product_external_id,
                "warehouse_id": line.warehouse_id,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "vat_rate": _text(line.vat_rate),
                "line_net": _text(line.line_net),
                "name": line.name,
            }
            for line in order.lines
        ],
    }


def _sales_order(raw: dict[str, Any]) -> SalesOrder:
    return SalesOrder(
        number=raw["number"],
        erp_number=raw["erp_number"],
        company=dict(raw["company"]),
        currency=raw["currency"],
        totals=dict(raw["totals"]),
        received_at=float(raw["received_at"]),
        stage=Stage(raw["stage"]),
        invoice_number=raw["invoice_number"],
        history=[(stage, at) for stage, at in raw["history"]],
        lines=[
            OrderLine(
                number=int(line["number"]),
                sku=line["sku"],
                product_external_id=line["product_external_id"],
                warehouse_id=line["warehouse_id"],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                vat_rate=_decimal(line["vat_rate"]),
                line_net=_decimal(line["line_net"]),
                name=line["name"],
            )
            for line in raw["lines"]
        ],
    )


def _outgoing(message: Outgoing) -> dict[str, Any]:
    document = message.document
    return {
        "key": message.key,
        "path": message.path,
        "summary": message.summary,
        "rows": message.rows,
        "document": None
        if document is None
        else {
            "fields": document.fields,
            "filename": document.filename,
            "content": base64.b64encode(document.content).decode(),
        },
        "attempts": message.attempts,
        "last_error": message.last_error,
    }


def _message(raw: dict[str, Any]) -> Outgoing:
    document = raw["document"]
    return Outgoing(
        key=raw["key"],
        path=raw["path"],
        summary=raw["summary"],
        rows=raw["rows"],
        document=None
        if document is None
        else Document(
            fields=dict(document["fields"]),
            filename=document["filename"],
            content=base64.b64decode(document["content"]),
        ),
        attempts=int(raw["attempts"]),
        last_error=raw["last_error"],
    )


def _item(item: CatalogItem) -> dict[str, Any]:
    return {
        "product": item.product.external_id,
        "sku": item.product.sku,
        "name": item.product.name,
        "prices": {code: str(amount) for code, amount in item.prices.items()},
        "stock": {code: str(level) for code, level in item.stock.items()},
    }


def _catalog_item(raw: dict[str, Any]) -> CatalogItem:
    prices = {code: Decimal(amount) for code, amount in raw["prices"].items()}
    stock = {code: Decimal(level) for code, level in raw["stock"].items()}
    product = Product(external_id=raw["product"], sku=raw["sku"], name=raw["name"])
    return CatalogItem(product, prices, stock)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
