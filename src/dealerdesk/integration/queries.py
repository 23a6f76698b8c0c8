"""Reads of the integration domain shaped for pages: has an order reached the ERP yet?"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import Delivery
from dealerdesk.ordering.choices import KNOWN_TO_ERP, OrderStatus
from dealerdesk.ordering.models import Order


class ErpDelivery(StrEnum):
    HELD = "held"  # waiting for approval: not sent on purpose
    WAITING = "waiting"
    RETRYING = "retrying"
    FAILED = "failed"  # every attempt failed; the supplier's staff resend it
    RECEIVED = "received"


@dataclass(frozen=True)
class ErpDeliveryState:
    """Where an order is on its way to the supplier's ERP, in words for the dealer."""

    state: ErpDelivery
    message: str
    erp_number: str = ""
    attempts: int = 0


def erp_delivery_state(order: Order) -> ErpDeliveryState | None:
    """The order's way to the ERP (at most one query); None for an order that will not go
    there (cancelled or rejected before the ERP had it)."""
    supplier = settings.DEALERDESK_SUPPLIER_NAME
    if order.erp_number:
        return ErpDeliveryState(
            ErpDelivery.RECEIVED, f"Received by {supplier} as {order.erp_number}", order.erp_number
        )
    if order.status in KNOWN_TO_ERP:
        return ErpDeliveryState(ErpDelivery.RECEIVED, f"Received by {supplier}")
    if order.status == OrderStatus.AWAITING_APPROVAL:
        return ErpDeliveryState(
            ErpDelivery.HELD, f"Sent to {supplier}'s system once your manager approves it"
        )
    if order.status != OrderStatus.PLACED:
        return None
    deliveries = list(
        Delivery.objects.filter(
            message__key=f"order:{order.number}", message__topic="order.placed"
        ).values_list("status", "attempts")
    )
    statuses = {status for status, _ in deliveries}
    attempts = max((count for _, count in deliveries), default=0)
    if DeliveryStatus.DELIVERED in statuses:
        return ErpDeliveryState(ErpDelivery.RECEIVED, f"Received by {supplier}", "", attempts)
    if DeliveryStatus.DEAD in statuses:
        return ErpDeliveryState(
            ErpDelivery.FAILED,
            f"Sending to {supplier}'s system failed; their staff have been told and will resend it",
            "",
            attempts,
        )
    if DeliveryStatus.RETRYING in statuses:
        return ErpDeliveryState(ErpDelivery.RETRYING, "Sending failed, retrying", "", attempts)
    return ErpDeliveryState(ErpDelivery.WAITING, f"Waiting to be sent to {supplier}'s system")
