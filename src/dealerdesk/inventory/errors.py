"""Error codes of the inventory domain, each with the message a person reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class InventoryErrorCode(StrEnum):
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_STOCK = "unknown_stock"
    WAREHOUSE_NOT_ALLOWED = "warehouse_not_allowed"


MESSAGES: dict[InventoryErrorCode, str] = {
    InventoryErrorCode.INSUFFICIENT_STOCK: "Not enough stock for some lines.",
    InventoryErrorCode.INVALID_QUANTITY: "Stock quantities must be zero or more, and a reserved "
    "or released quantity must be more than zero.",
    InventoryErrorCode.UNKNOWN_STOCK: "There is no such product or warehouse.",
    InventoryErrorCode.WAREHOUSE_NOT_ALLOWED: "This company may not order from that warehouse.",
}


@dataclass(frozen=True)
class Shortage:
    """One line that could not be reserved.

    ``available`` is the exact figure: render it through the company's display strategy
    before a dealer sees it (a banded or hidden dealer must not learn it from an error).
    """

    product_id: int
    sku: str
    warehouse_id: int
    warehouse_code: str
    asked: Decimal
    available: Decimal

    def __str__(self) -> str:
        return (
            f"{self.sku} at {self.warehouse_code}: asked {self.asked}, available {self.available}"
        )


class InventoryError(Exception):
    """A rule of the inventory domain said no; ``str(error)`` is fit to show to staff.

    ``shortages`` lists every short line at once, so a dealer fixes the whole order in one go.
    """

    def __init__(
        self,
        code: InventoryErrorCode,
        message: str | None = None,
        shortages: tuple[Shortage, ...] = (),
    ) -> None:
        self.code = code
        self.shortages = shortages
        self.message = message or MESSAGES[code]
        if shortages and message is None:
            self.message = f"{self.message} " + "; ".join(str(s) for s in shortages)
        super().__init__(self.message)
