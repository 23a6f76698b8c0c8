"""Staff change the quantities of an order the ERP has not accepted yet.

``adjust_order`` is one transaction: the order row locked, every new quantity checked by
the product's rules, the order's reservation moved to match (a raise must fit the stock
unless the line is a backorder), line and order amounts recomputed at the prices the
dealer was quoted, and the change written to the timeline, the audit log, the ERP's outbox
(once the order has gone there) and the buyer's mailbox. Any refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from dealerdesk.core import audit, outbox
from dealerdesk.core.mail import send_email_on_commit
from dealerdesk.core.models import AuditAction
from dealerdesk.core.money import Money, round_money
from dealerdesk.inventory.availability import format_quantity
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.services import ReservationChange, change_reservation
from dealerdesk.ordering.choices import CANCELLABLE, OrderStatus
from dealerdesk.ordering.errors import (
    LINE_MESSAGES,
    LineError,
    LineProblem,
    OrderingError,
    OrderingErrorCode,
)
from dealerdesk.ordering.invoice import format_amount
from dealerdesk.ordering.models import Order, OrderEvent, OrderLine
from dealerdesk.ordering.rules import backorders_allowed, quantity_problem
from dealerdesk.ordering.services import dealer_recipients, order_payload
from dealerdesk.pricing.engine import HUNDRED, PricedLine, line_totals

# Until the ERP accepts an order, its quantities may change (the same window as cancelling).
ADJUSTABLE = CANCELLABLE
ZERO = Decimal(0)


@dataclass(frozen=True)
class AdjustedLineError(LineError):
    """A line whose new quantity was refused; ``index`` is its position on the order and
    ``line_id`` the order line, so a form can show the message next to it."""

    line_id: int


@dataclass(frozen=True)
class QuantityChange:
    """One line's quantity before and after; 0 after means the line was dropped."""

    line: OrderLine
    before: Decimal
    after: Decimal

    @property
    def dropped(self) -> bool:
        return self.after == 0

    def __str__(self) -> str:
        text = f"{self.line.sku}: {format_quantity(self.before)} → {format_quantity(self.after)}"
        return f"{text} (dropped)" if self.dropped else text


def is_adjustable(order: Order) -> bool:
    return order.status in ADJUSTABLE


def adjust_order(
    order: Order,
    changes: Mapping[int, Decimal],
    *,
    by: Any,
    reason: str,
    source: str = "back office",
) -> Order:
    """Set the quantities of ``order``'s lines (line id → new quantity; 0 drops the line).

    Prices stay as quoted: each line keeps its unit price and VAT rate, only the amounts
    follow the quantity. Raises ``OrderingError`` when the order is past the ERP's
    acceptance, a line is not the order's, a quantity breaks the product's rules or is short
    of stock (``lines`` names each such line), every line would go, nothing changes, or no
    reason is given; nothing is written then. A held order stays held.
    """
    reason = reason.strip()[:2000]
    if not reason:
        raise OrderingError(OrderingErrorCode.REASON_REQUIRED)
    with transaction.atomic():
        # of=("self",): on PostgreSQL lock only the order, not the company and contract rows.
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("company", "contract", "placed_by")
            .get(pk=order.pk)
        )
        if not is_adjustable(locked):
            raise OrderingError(OrderingErrorCode.NOT_ADJUSTABLE)
        lines = list(locked.lines.select_related("product").order_by("number"))
        wanted = _wanted(lines, changes)
        _reserve(locked, lines, wanted, by, source)
        totals_before = _totals(locked)
        kept = _apply(locked, lines, wanted)
        _record(locked, wanted, kept, totals_before, by=by, reason=reason, source=source)
    return locked


def _wanted(lines: Sequence[OrderLine], changes: Mapping[int, Decimal]) -> list[QuantityChange]:
    """The lines whose quantity changes, each new quantity checked; all problems at once."""
    by_id = {line.pk: line for line in lines}
    if set(changes) - set(by_id):
        raise OrderingError(OrderingErrorCode.UNKNOWN_LINES)
    wanted: list[QuantityChange] = []
    problems: list[LineError] = []
    for index, line in enumerate(lines):
        if line.pk not in changes:
            continue
        quantity = _decimal(changes[line.pk])
        if quantity.is_finite() and quantity == line.quantity:
            continue
        if not (quantity.is_finite() and quantity == 0):
            found = quantity_problem(line.product, quantity)
            if found is not None and found[0] == LineProblem.NOT_POSITIVE:
                found = (found[0], "The quantity must be 0 (to drop the line) or more.")
            if found is not None:
                problems.append(AdjustedLineError(index, line.product_id, *found, line_id=line.pk))
                continue
        wanted.append(QuantityChange(line, line.quantity, quantity if quantity else ZERO))
    if problems:
        raise OrderingError(
            OrderingErrorCode.LINES_INVALID,
            tuple(problems),
            message=_naming(lines, problems, "Some quantities cannot be set"),
        )
    if not wanted:
        raise OrderingError(OrderingErrorCode.NOTHING_CHANGED)
    dropped = {change.line.pk for change in wanted if change.dropped}
    if all(line.pk in dropped for line in lines):
        raise OrderingError(OrderingErrorCode.ALL_LINES_DROPPED)
    return wanted


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return Decimal("NaN")  # quantity_problem refuses it as "must be more than zero"


def _naming(lines: Sequence[OrderLine], problems: Sequence[LineError], lead: str) -> str:
    """One sentence naming every refused line: "… CAB-001 (line 1): Sold in packs of 6."."""
    detail = "; ".join(
        f"{lines[p.index].sku} (line {lines[p.index].number}): {p.message}" for p in problems
    )
    return f"{lead}: {detail}"


def _reserve(
    order: Order,
    lines: Sequence[OrderLine],
    wanted: Sequence[QuantityChange],
    by: Any,
    source: str,
) -> None:
    """Move the reservation under the order's number by each line's difference."""
    try:
        change_reservation(
            [
                ReservationChange(
                    change.line.product_id,
                    change.line.warehouse_id,
                    change.after - change.before,
                    # a backorder only while backorders are taken
                    change.line.backorder and backorders_allowed(),
                )
                for change in wanted
            ],
            reference=order.number or "",
            actor=by,
            source=source,
        )
    except InventoryError as error:
        if error.code != InventoryErrorCode.INSUFFICIENT_STOCK:
            raise
        short = {(s.product_id, s.warehouse_id): s for s in error.shortages}
        position = {line.pk: index for index, line in enumerate(lines)}
        problems: list[LineError] = []
        for change in wanted:
            shortage = short.get((change.line.product_id, change.line.warehouse_id))
            if shortage is None or change.after <= change.before:
                continue
            # Staff see exact figures: no display policy here, unlike the dealer's checkout.
            message = LINE_MESSAGES[LineProblem.SHORT].format(
                available=format_quantity(shortage.available), warehouse=shortage.warehouse_code
            )
            problems.append(
                AdjustedLineError(
                    position[change.line.pk],
                    change.line.product_id,
                    LineProblem.SHORT,
                    f"{message} Raising it needs {format_quantity(shortage.asked)} more.",
                    line_id=change.line.pk,
                )
            )
        raise OrderingError(
            OrderingErrorCode.INSUFFICIENT_STOCK,
            tuple(problems),
            message=_naming(lines, problems, "Not enough stock"),
        ) from error


def _amounts(line: OrderLine, quantity: Decimal, currency: str) -> PricedLine:
    """The line's amounts at its quoted unit price and VAT rate, rounded as pricing does."""
    net = round_money(line.unit_price * quantity, currency)
    vat = round_money(net.amount * line.vat_rate / HUNDRED, currency)
    return PricedLine(
        product_id=line.product_id,
        quantity=quantity,
        currency=currency,
        priced=True,
        unit_price=Money(line.unit_price, currency),
        vat_rate=line.vat_rate,
        line_net=net,
        line_vat=vat,
        line_gross=net + vat,
    )


def _apply(
    order: Order, lines: Sequence[OrderLine], wanted: Sequence[QuantityChange]
) -> list[OrderLine]:
    """Write the new quantities and amounts, drop the zeroed lines; returns the lines kept.

    A dropped line is deleted (the timeline and the audit log keep what it was); the others
    keep their numbers, so the ERP matches them as before.
    """
    new = {change.line.pk: change.after for change in wanted}
    currency = order.currency
    updated: list[OrderLine] = []
    priced: list[PricedLine] = []
    for line in lines:
        quantity = new.get(line.pk, line.quantity)
        if quantity == 0:
            continue
        amounts = _amounts(line, quantity, currency)
        priced.append(amounts)
        if line.pk in new:
            line.quantity = quantity
            line.line_net = amounts.line_net.amount if amounts.line_net else ZERO
            line.line_vat = amounts.line_vat.amount if amounts.line_vat else ZERO
            line.line_gross = amounts.line_gross.amount if amounts.line_gross else ZERO
            updated.append(line)
    dropped = [change.line.pk for change in wanted if change.dropped]
    if dropped:
        OrderLine.objects.filter(pk__in=dropped).delete()
    if updated:
        OrderLine.objects.bulk_update(updated, ["quantity", "line_net", "line_vat", "line_gross"])
    # The order's totals are the sums of its lines' own rounded amounts, as at placement.
    net, vat, gross = line_totals(priced, currency)
    order.total_net, order.total_vat, order.total_gross = net.amount, vat.amount, gross.amount
    order.save(update_fields=["total_net", "total_vat", "total_gross", "updated_at"])
    # Read back as stored, so the ERP and the e-mail get the figures the order holds.
    return list(order.lines.select_related("product").order_by("number"))


def _totals(order: Order) -> dict[str, str]:
    """The order's totals as the audit log keeps them, to the currency's minor unit."""
    return {
        name: str(round_money(getattr(order, name), order.currency).amount)
        for name in ("total_net", "total_vat", "total_gross")
    }


def _record(
    order: Order,
    wanted: Sequence[QuantityChange],
    kept: Sequence[OrderLine],
    totals_before: dict[str, str],
    *,
    by: Any,
    reason: str,
    source: str,
) -> None:
    """Timeline, audit, the ERP's outbox (when it has the order) and the buyer's e-mail."""
    listed = "; ".join(str(change) for change in wanted)
    OrderEvent.objects.create(
        order=order, status=order.status, actor=by, note=f"{listed} — reason: {reason}"
    )
    before: dict[str, Any] = dict(totals_before)
    after: dict[str, Any] = {**_totals(order), "reason": reason}
    for change in wanted:
        key = f"line {change.line.number} {change.line.sku}"
        before[key] = format_quantity(change.before)
        after[key] = format_quantity(change.after)
    audit.record(
        actor=by,
        instance=order,
        action=AuditAction.UPDATE,
        verb="changed the quantities",
        before=before,
        after=after,
        company_id=order.company_id,
        source=source,
    )
    if order.status != OrderStatus.AWAITING_APPROVAL:
        # A held order has not reached the ERP: it gets the changed order on approval.
        outbox.enqueue(
            "order.changed",
            f"order:{order.number}",
            {**order_payload(order, kept), "reason": reason},
            order.company_id,
        )
    _notify(order, wanted, kept, reason)


def _notify(
    order: Order, wanted: Sequence[QuantityChange], kept: Sequence[OrderLine], reason: str
) -> None:
    """E-mail the dealer (``dealer_recipients``) once the change has committed."""
    recipients = sorted(set(dealer_recipients(order)))
    if not recipients:
        return
    send_email_on_commit(
        recipients,
        f"Order {order.number} was changed — {format_amount(order.total_gross, order.currency)}",
        "ordering/email/order_changed.txt",
        {
            "order": order,
            "changes": wanted,
            "lines": kept,
            "reason": reason,
            "order_url": f"{settings.BASE_URL}{reverse('portal:order', args=[order.number])}",
            "supplier_name": settings.DEALERDESK_SUPPLIER_NAME,
        },
    )
