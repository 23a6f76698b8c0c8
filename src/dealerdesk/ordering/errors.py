"""Error codes of ordering, each with the message a person reads, and per-line problems."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderingErrorCode(StrEnum):
    EMPTY = "empty"
    LINES_INVALID = "lines_invalid"
    INSUFFICIENT_STOCK = "insufficient_stock"
    CONTRACT_NOT_AVAILABLE = "contract_not_available"
    BAD_SUBMISSION_KEY = "bad_submission_key"
    NOT_CANCELLABLE = "not_cancellable"
    TOO_MANY_LINES = "too_many_lines"
    OVER_CREDIT_LIMIT = "over_credit_limit"
    NOT_AWAITING_APPROVAL = "not_awaiting_approval"
    NOT_ADJUSTABLE = "not_adjustable"
    UNKNOWN_LINES = "unknown_lines"
    NOTHING_CHANGED = "nothing_changed"
    ALL_LINES_DROPPED = "all_lines_dropped"
    REASON_REQUIRED = "reason_required"
    DELIVERY_NOT_POSSIBLE = "delivery_not_possible"
    NOT_YOUR_DEALER = "not_your_dealer"


MESSAGES: dict[OrderingErrorCode, str] = {
    OrderingErrorCode.EMPTY: "There is nothing to order.",
    OrderingErrorCode.LINES_INVALID: "Some lines cannot be ordered as they are.",
    OrderingErrorCode.INSUFFICIENT_STOCK: "Not enough stock for some lines.",
    OrderingErrorCode.CONTRACT_NOT_AVAILABLE: "That contract is not one of your current ones.",
    OrderingErrorCode.BAD_SUBMISSION_KEY: "The order form has expired; please submit it again.",
    OrderingErrorCode.NOT_CANCELLABLE: "The order can no longer be cancelled here: the ERP has "
    "accepted it. Ask your manager.",
    OrderingErrorCode.TOO_MANY_LINES: "An order can have at most 1,000 lines.",
    OrderingErrorCode.OVER_CREDIT_LIMIT: "This order would take you over your credit limit; "
    "pay open invoices or ask your manager.",
    OrderingErrorCode.NOT_AWAITING_APPROVAL: "This order is not waiting for approval.",
    OrderingErrorCode.NOT_ADJUSTABLE: "The quantities of this order can no longer be changed "
    "here: the ERP has accepted it, or it was cancelled or rejected.",
    OrderingErrorCode.UNKNOWN_LINES: "Some of those lines are not on this order.",
    OrderingErrorCode.NOTHING_CHANGED: "No quantity was changed.",
    OrderingErrorCode.ALL_LINES_DROPPED: "An order keeps at least one line: cancel the order "
    "instead of dropping every line.",
    OrderingErrorCode.REASON_REQUIRED: "Give a reason for the change; the dealer reads it.",
    OrderingErrorCode.DELIVERY_NOT_POSSIBLE: "That delivery is not offered; choose another.",
    OrderingErrorCode.NOT_YOUR_DEALER: "You no longer look after this dealer, so you cannot "
    "order for it.",
}


class LineProblem(StrEnum):
    NOT_IN_CATALOG = "not_in_catalog"
    INACTIVE = "inactive"
    NOT_POSITIVE = "not_positive"
    BELOW_MINIMUM = "below_minimum"
    NOT_PACK_MULTIPLE = "not_pack_multiple"
    TOO_LARGE = "too_large"
    NO_PRICE = "no_price"
    WAREHOUSE_NOT_ALLOWED = "warehouse_not_allowed"
    SHORT = "short"
    BACKORDER_NOT_ALLOWED = "backorder_not_allowed"


LINE_MESSAGES: dict[LineProblem, str] = {
    LineProblem.NOT_IN_CATALOG: "This product is not in your catalog.",
    LineProblem.INACTIVE: "This product is no longer sold.",
    LineProblem.NOT_POSITIVE: "The quantity must be more than zero.",
    LineProblem.BELOW_MINIMUM: "Below the minimum order quantity of {minimum}.",
    LineProblem.NOT_PACK_MULTIPLE: "Sold in packs of {pack}: order {choices}.",
    LineProblem.TOO_LARGE: "The quantity is too large.",
    LineProblem.NO_PRICE: "There is no price for you yet; ask your manager.",
    LineProblem.WAREHOUSE_NOT_ALLOWED: "You cannot order from that warehouse.",
    LineProblem.SHORT: "Only {available} available in {warehouse}.",
    LineProblem.BACKORDER_NOT_ALLOWED: "Backorders are not taken: order what is in stock.",
}


def gone(retired: bool) -> LineProblem:
    """Why a product the dealer asks for is not in its catalog now: retired, or not (or no
    longer) in the catalog."""
    return LineProblem.INACTIVE if retired else LineProblem.NOT_IN_CATALOG


@dataclass(frozen=True)
class LineError:
    """What is wrong with one line; ``index`` is its position in what was submitted."""

    index: int
    product_id: int | None
    problem: LineProblem
    message: str


class OrderingError(Exception):
    """A rule of ordering said no; ``lines`` names every line at fault at once."""

    def __init__(
        self,
        code: OrderingErrorCode,
        lines: tuple[LineError, ...] = (),
        message: str | None = None,
    ) -> None:
        self.code = code
        self.lines = lines
        self.message = message or MESSAGES[code]
        super().__init__(self.message)
