"""Placing and cancelling orders, and the cart.

``place_order`` is one transaction that re-validates and re-prices every line, reserves the
stock of every line or none (``inventory.services.reserve_stock``), writes the order with
its lines and timeline, and an outbox message for the ERP. A submission key makes it
idempotent: a double click, a retried POST or a flaky connection give exactly one order,
and the second call answers with the order the first one placed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dealerdesk.accounts.choices import CreditPolicy, MembershipRole
from dealerdesk.accounts.models import Company
from dealerdesk.accounts.queries import assisted_company
from dealerdesk.catalog.models import Product
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.core import audit, outbox
from dealerdesk.core.mail import send_email_on_commit
from dealerdesk.core.models import AuditAction
from dealerdesk.core.money import Money
from dealerdesk.inventory.availability import display_strategy_for
from dealerdesk.inventory.errors import InventoryError, InventoryErrorCode
from dealerdesk.inventory.models import Warehouse
from dealerdesk.inventory.queries import default_warehouse_for, warehouses_for
from dealerdesk.inventory.services import ReservationLine, release_reservation, reserve_stock
from dealerdesk.ordering.choices import CANCELLABLE, DeliveryMethod, OrderStatus
from dealerdesk.ordering.credit import credit_position, over_limit_message
from dealerdesk.ordering.delivery import NEEDS_ADDRESS, delivery_problem
from dealerdesk.ordering.errors import (
    LINE_MESSAGES,
    LineError,
    LineProblem,
    OrderingError,
    OrderingErrorCode,
    gone,
)
from dealerdesk.ordering.invoice import format_amount
from dealerdesk.ordering.models import DeliveryOption, Order, OrderEvent, OrderLine
from dealerdesk.ordering.rules import backorders_allowed, quantity_problem
from dealerdesk.pricing.engine import PricedLine, line_totals
from dealerdesk.pricing.models import Contract
from dealerdesk.pricing.queries import contract_for, price_lines

MAX_ORDER_LINES = 1000
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class OrderLineRequest:
    """One line as the dealer asks for it; no warehouse means the company's default one."""

    product_id: int
    quantity: Decimal
    warehouse_id: int | None = None
    backorder: bool = False


@dataclass(frozen=True)
class Delivery:
    """How the order travels: a configured option (its method, conditions and name), or
    a bare method when no option is named (API clients, the ERP)."""

    method: str = DeliveryMethod.PICKUP
    address: str = ""
    desired_date: date | None = None
    option_id: int | None = None


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool  # False: this submission had placed it already


def order_number(pk: int) -> str:
    return f"{settings.DEALERDESK_ORDER_PREFIX}{pk:07d}"


def place_order(
    company: Company,
    user: Any,
    lines: Sequence[OrderLineRequest],
    *,
    submission_key: str,
    contract_id: int | None = None,
    delivery: Delivery | None = None,
    po_number: str = "",
    comment: str = "",
    on_behalf_by: Any = None,
    source: str = "portal",
    notify: bool = True,
) -> PlacedOrder:
    """Place an order for ``company`` (by ``user``, or by a manager ``on_behalf_by`` it);
    with ``notify`` the buyer and the personal manager get it by e-mail.

    Raises ``OrderingError`` naming every line at fault (not in the catalog, quantity
    rules, no price, warehouse, short stock); nothing is written then.
    """
    if not SUBMISSION_KEY.match(submission_key or ""):
        raise OrderingError(OrderingErrorCode.BAD_SUBMISSION_KEY)
    already = _placed_by(company, submission_key)
    if already is not None:
        return PlacedOrder(already, created=False)
    if not lines:
        raise OrderingError(OrderingErrorCode.EMPTY)
    if len(lines) > MAX_ORDER_LINES:
        raise OrderingError(OrderingErrorCode.TOO_MANY_LINES)
    # What decides whether the dealer may order is read from the database, not a cache: with
    # per-process caches another process may not have seen a withdrawn right yet.
    contract = contract_for(company, contract_id, cached=False)
    if contract is None or (contract_id is not None and contract.pk != contract_id):
        raise OrderingError(OrderingErrorCode.CONTRACT_NOT_AVAILABLE)
    if on_behalf_by is not None and assisted_company(on_behalf_by, company.pk) is None:
        raise OrderingError(OrderingErrorCode.NOT_YOUR_DEALER)
    try:
        with transaction.atomic():
            if company.credit_limit is not None:
                # Orders of a dealer with a limit are placed one at a time (the credit check
                # must see the one before and the credit figures as they are now); a repeated
                # submission then finds its order here.
                company = Company.objects.select_for_update().get(pk=company.pk)
                already = _placed_by(company, submission_key)
                if already is not None:
                    return PlacedOrder(already, created=False)
            order = _place(
                company,
                user,
                contract,
                lines,
                submission_key=submission_key,
                delivery=delivery or Delivery(),
                po_number=po_number.strip()[:64],
                comment=comment.strip()[:2000],
                on_behalf_by=on_behalf_by,
                source=source,
                notify=notify,
            )
    except IntegrityError:
        # The same submission committed first in another request: answer with its order.
        already = _placed_by(company, submission_key)
        if already is None:
            raise
        return PlacedOrder(already, created=False)
    return PlacedOrder(order, created=True)


def _placed_by(company: Company, submission_key: str) -> Order | None:
    return Order.objects.filter(company=company, idempotency_key=submission_key).first()


@dataclass(frozen=True)
class _Checked:
    request: OrderLineRequest
    product: Product
    warehouse_id: int
    priced: PricedLine


def _place(
    company: Company,
    user: Any,
    contract: Contract,
    lines: Sequence[OrderLineRequest],
    *,
    submission_key: str,
    delivery: Delivery,
    po_number: str,
    comment: str,
    on_behalf_by: Any,
    source: str,
    notify: bool,
) -> Order:
    checked = _check_lines(company, contract, lines)
    net, vat, gross = line_totals([line.priced for line in checked], contract.currency)
    option = _delivery_option(delivery, contract, net.amount)
    status, credit_note = _credit(company, contract, gross.amount)
    # The order row first: its unique submission key makes a concurrent duplicate wait here
    # and fail, before it reserves anything.
    order = Order.objects.create(
        company=company,
        placed_by=user,
        on_behalf_by=on_behalf_by,
        contract=contract,
        currency=contract.currency,
        payment_terms_days=contract.payment_terms_days,
        status=status,
        credit_note=credit_note,
        po_number=po_number,
        comment=comment,
        delivery_method=option.method if option else delivery.method,
        delivery_option=option,
        delivery_name=option.name if option else "",
        delivery_address=delivery.address.strip()[:1000],
        desired_date=delivery.desired_date,
        total_net=net.amount,
        total_vat=vat.amount,
        total_gross=gross.amount,
        idempotency_key=submission_key,
    )
    order.number = order_number(order.pk)
    Order.objects.filter(pk=order.pk).update(number=order.number)
    _reserve(company, order, user, checked, source)
    rows = [_order_line(order, number, line) for number, line in enumerate(checked, start=1)]
    OrderLine.objects.bulk_create(rows)
    who = on_behalf_by or user
    notes = [f"placed by {on_behalf_by} for {company}" if on_behalf_by else "", credit_note]
    note = " · ".join(n for n in notes if n)
    OrderEvent.objects.create(order=order, status=status, actor=who, note=note)
    audit.record(
        actor=who,
        instance=order,
        action=AuditAction.CREATE,
        verb="placed an order" if on_behalf_by is None else "placed an order for the dealer",
        after={"number": order.number, "total_gross": str(order.total_gross)},
        company_id=company.pk,
        source=source,
    )
    if status == OrderStatus.PLACED:
        # An order held for approval reaches the ERP when a manager approves it.
        outbox.enqueue(
            "order.placed", f"order:{order.number}", order_payload(order, rows), company.pk
        )
    if notify:
        _confirm(order, rows, user)
    return order


def _delivery_option(delivery: Delivery, contract: Contract, net: Decimal) -> DeliveryOption | None:
    """The delivery option named, checked against the order: it is offered, the order
    reaches its minimum and the desired date is not before its earliest."""
    if delivery.option_id is None:
        return None
    option = DeliveryOption.objects.filter(pk=delivery.option_id).first()
    if option is None:
        raise OrderingError(OrderingErrorCode.DELIVERY_NOT_POSSIBLE)
    problem = delivery_problem(
        option, net, contract.currency, delivery.desired_date, timezone.localdate()
    )
    if problem is not None:
        raise OrderingError(OrderingErrorCode.DELIVERY_NOT_POSSIBLE, message=problem)
    if option.method in NEEDS_ADDRESS and not delivery.address.strip():
        raise OrderingError(
            OrderingErrorCode.DELIVERY_NOT_POSSIBLE,
            message=f"{option.name} needs a delivery address.",
        )
    return option


def _credit(company: Company, contract: Contract, gross: Decimal) -> tuple[str, str]:
    """The status a new order gets under the credit rules, and why if it is over.

    With a limit, ``place_order`` has locked and re-read the company row: two orders of one
    dealer placed at once are checked one after the other, so together they cannot slip over
    the limit.
    """
    if company.credit_limit is None:
        return OrderStatus.PLACED, ""
    position = credit_position(company)
    over = position.over_with(gross, contract.currency)
    if over is None:
        return OrderStatus.PLACED, ""
    message = over_limit_message(position, over)
    if position.policy == CreditPolicy.BLOCK:
        raise OrderingError(
            OrderingErrorCode.OVER_CREDIT_LIMIT,
            message=f"{message} Pay open invoices or ask your manager.",
        )
    if position.policy == CreditPolicy.APPROVAL:
        return OrderStatus.AWAITING_APPROVAL, f"{message} Waiting for your manager's approval."
    return OrderStatus.PLACED, message


def _confirm(order: Order, lines: Sequence[OrderLine], user: Any) -> None:
    """E-mail the buyer and the company's personal manager once the order has committed."""
    manager = order.company.personal_manager
    recipients = [*dealer_recipients(order, user), manager.user.email if manager else ""]
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return
    send_email_on_commit(
        recipients,
        f"Order {order.number} is placed — {format_amount(order.total_gross, order.currency)}",
        "ordering/email/order_placed.txt",
        {
            "order": order,
            "lines": lines,
            "order_url": f"{settings.BASE_URL}{reverse('portal:order', args=[order.number])}",
            "supplier_name": settings.DEALERDESK_SUPPLIER_NAME,
        },
    )


def dealer_recipients(order: Order, buyer: Any = None) -> list[str]:
    """Who at the dealer hears about an order: the buyer who placed it; for an order a
    manager placed for the dealer, also the dealer itself (its address, else its owners)."""
    buyer = buyer if buyer is not None else order.placed_by
    addresses = [getattr(buyer, "email", "")]
    if order.on_behalf_by_id is not None:
        company = order.company
        addresses += [company.email] if company.email else _owner_emails(company)
    return [address for address in addresses if address]


def _owner_emails(company: Company) -> list[str]:
    return list(
        company.memberships.filter(
            is_active=True, user__is_active=True, role=MembershipRole.OWNER
        ).values_list("user__email", flat=True)
    )


def _check_lines(
    company: Company, contract: Contract, lines: Sequence[OrderLineRequest]
) -> list[_Checked]:
    """Every line re-validated and re-priced now; all problems at once."""
    scope = scope_for_company(company, cached=False)
    ids = {line.product_id for line in lines}
    products = {p.pk: p for p in scope.products().filter(pk__in=ids)}
    retired = scope.retired(ids - set(products))
    warehouses = warehouses_for(company, cached=False)
    allowed = {w.pk for w in warehouses}
    default = default_warehouse_for(company, warehouses, cached=False)
    backorders = backorders_allowed()
    problems: list[LineError] = []
    valid: list[tuple[int, OrderLineRequest, Product, int]] = []
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None:
            problem = gone(line.product_id in retired)
            problems.append(LineError(index, line.product_id, problem, LINE_MESSAGES[problem]))
            continue
        found = quantity_problem(product, line.quantity)
        if found is not None:
            problems.append(LineError(index, product.pk, *found))
            continue
        if line.backorder and not backorders:
            problem = LineProblem.BACKORDER_NOT_ALLOWED
            problems.append(LineError(index, product.pk, problem, LINE_MESSAGES[problem]))
            continue
        warehouse_id = line.warehouse_id or (default.pk if default else None)
        if warehouse_id is None or warehouse_id not in allowed:
            problem = LineProblem.WAREHOUSE_NOT_ALLOWED
            problems.append(LineError(index, product.pk, problem, LINE_MESSAGES[problem]))
            continue
        valid.append((index, line, product, warehouse_id))
    priced = price_lines(
        company,
        contract,
        [(line.product_id, line.quantity) for _, line, _, _ in valid],
        loaded=list(products.values()),
    )
    checked: list[_Checked] = []
    for (index, line, product, warehouse_id), price in zip(valid, priced, strict=True):
        if not price.priced:
            problem = LineProblem.NO_PRICE
            problems.append(LineError(index, product.pk, problem, LINE_MESSAGES[problem]))
            continue
        checked.append(_Checked(line, product, warehouse_id, price))
    if problems:
        raise OrderingError(
            OrderingErrorCode.LINES_INVALID, tuple(sorted(problems, key=lambda e: e.index))
        )
    return checked


def _reserve(
    company: Company, order: Order, user: Any, checked: list[_Checked], source: str
) -> None:
    try:
        reserve_stock(
            [
                ReservationLine(
                    line.product.pk,
                    line.warehouse_id,
                    line.request.quantity,
                    line.request.backorder,
                )
                for line in checked
            ],
            reference=order.number or "",
            actor=user,
            company=company,
            source=source,
            checked=True,  # _check_lines read them in this transaction
        )
    except InventoryError as error:
        if error.code != InventoryErrorCode.INSUFFICIENT_STOCK:
            raise
        strategy = display_strategy_for(company)
        short = {(s.product_id, s.warehouse_id): s for s in error.shortages}
        problems = []
        for index, line in enumerate(checked):
            shortage = short.get((line.product.pk, line.warehouse_id))
            if shortage is None:
                continue
            shown = strategy.show(shortage.available)
            message = (
                LINE_MESSAGES[LineProblem.SHORT].format(
                    available=shown.label.lower() if shown.exact is None else shown.label,
                    warehouse=shortage.warehouse_code,
                )
                if strategy.shows_stock
                else f"Not enough stock in {shortage.warehouse_code}."
            )
            problems.append(LineError(index, line.product.pk, LineProblem.SHORT, message))
        raise OrderingError(OrderingErrorCode.INSUFFICIENT_STOCK, tuple(problems)) from error


def _order_line(order: Order, number: int, line: _Checked) -> OrderLine:
    priced = line.priced
    zero = Money(0, order.currency)
    return OrderLine(
        order=order,
        number=number,
        product=line.product,
        sku=line.product.sku,
        name=line.product.name,
        warehouse_id=line.warehouse_id,
        quantity=line.request.quantity,
        backorder=line.request.backorder,
        unit_price=(priced.unit_price or zero).amount,
        list_price=priced.list_price.amount if priced.list_price else None,
        discount_percent=priced.discount_percent,
        vat_rate=priced.vat_rate,
        line_net=(priced.line_net or zero).amount,
        line_vat=(priced.line_vat or zero).amount,
        line_gross=(priced.line_gross or zero).amount,
        promotion=priced.promotion or "",
        explanation=priced.explanation,
    )


def order_payload(order: Order, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """What the ERP receives about an order (the ``order.placed`` event): its own ids
    (external ids, warehouse codes) beside the portal's."""
    company = order.company
    warehouses = dict(
        Warehouse.objects.filter(pk__in={line.warehouse_id for line in lines}).values_list(
            "pk", "code"
        )
    )
    return {
        "number": order.number,
        "status": order.status,
        "company": {"id": company.pk, "external_id": company.external_id, "name": company.name},
        "contract": {"id": order.contract_id, "external_id": order.contract.external_id},
        "currency": order.currency,
        "po_number": order.po_number,
        "comment": order.comment,
        "delivery": {
            "method": order.delivery_method,
            "option": order.delivery_name,
            "address": order.delivery_address,
            "desired_date": order.desired_date,
        },
        "totals": {"net": order.total_net, "vat": order.total_vat, "gross": order.total_gross},
        "lines": [
            {
                "number": line.number,
                "sku": line.sku,
                "name": line.name,
                "product_external_id": line.product.external_id,
                "warehouse_id": line.warehouse_id,
                "warehouse_code": warehouses.get(line.warehouse_id, ""),
                "quantity": line.quantity,
                "backorder": line.backorder,
                "unit_price": line.unit_price,
                "vat_rate": line.vat_rate,
                "line_net": line.line_net,
            }
            for line in lines
        ],
    }


def cancel_order(order: Order, *, actor: Any, reason: str = "", source: str = "portal") -> Order:
    """Cancel an order the ERP has not accepted yet and give its stock back."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.CANCELLED:
            return locked
        if locked.status not in CANCELLABLE:
            raise OrderingError(OrderingErrorCode.NOT_CANCELLABLE)
        release_reservation(reference=locked.number or "", actor=actor, source=source)
        before = {"status": locked.status}
        reached_erp = locked.status != OrderStatus.AWAITING_APPROVAL
        locked.status = OrderStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(
            order=locked, status=OrderStatus.CANCELLED, actor=actor, note=reason.strip()[:2000]
        )
        audit.record(
            actor=actor,
            instance=locked,
            verb="cancelled the order",
            before=before,
            after={"status": locked.status},
            company_id=locked.company_id,
            source=source,
        )
        if reached_erp:  # a held order never went to the ERP
            outbox.enqueue(
                "order.cancelled",
                f"order:{locked.number}",
                {"number": locked.number, "reason": reason.strip()[:2000]},
                locked.company_id,
            )
    return locked


def approve_order(order: Order, *, by: Any, note: str = "", source: str = "back office") -> Order:
    """A manager lets an order held over the credit limit go to the ERP."""
    return _decide(order, by=by, approve=True, note=note, source=source)


def reject_order(order: Order, *, by: Any, reason: str, source: str = "back office") -> Order:
    """A manager refuses an order held for approval; its stock is released."""
    if not reason.strip():
        raise OrderingError(
            OrderingErrorCode.NOT_AWAITING_APPROVAL, message="Give the dealer a reason."
        )
    return _decide(order, by=by, approve=False, note=reason, source=source)


def _decide(order: Order, *, by: Any, approve: bool, note: str, source: str) -> Order:
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update().select_related("company", "contract").get(pk=order.pk)
        )
        if locked.status != OrderStatus.AWAITING_APPROVAL:
            raise OrderingError(OrderingErrorCode.NOT_AWAITING_APPROVAL)
        status = OrderStatus.PLACED if approve else OrderStatus.REJECTED
        if not approve:
            release_reservation(reference=locked.number or "", actor=by, source=source)
        before = {"status": locked.status}
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(order=locked, status=status, actor=by, note=note.strip()[:2000])
        audit.record(
            actor=by,
            instance=locked,
            verb="approved the order" if approve else "rejected the order",
            before=before,
            after={"status": status},
            company_id=locked.company_id,
            source=source,
        )
        if approve:
            lines = list(locked.lines.select_related("product"))
            outbox.enqueue(
                "order.placed",
                f"order:{locked.number}",
                order_payload(locked, lines),
                locked.company_id,
            )
    return locked
