from __future__ import annotations

from django.db import models


class OrderStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    PLACED = "placed", "Placed"
    SENT_TO_ERP = "sent_to_erp", "Sent to the ERP"
    ACCEPTED = "accepted", "Accepted"
    INVOICED = "invoiced", "Invoiced"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REJECTED = "rejected", "Rejected"


# A dealer may cancel until the ERP has accepted the order.
CANCELLABLE = frozenset(
    {OrderStatus.AWAITING_APPROVAL, OrderStatus.PLACED, OrderStatus.SENT_TO_ERP}
)
# Orders whose goods are still held or owed: they count against the credit limit.
OPEN = frozenset(
    {
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.PLACED,
        OrderStatus.SENT_TO_ERP,
        OrderStatus.ACCEPTED,
    }
)

# Statuses only the ERP gives an order: it has the order.
KNOWN_TO_ERP = frozenset(
    {
        OrderStatus.SENT_TO_ERP,
        OrderStatus.ACCEPTED,
        OrderStatus.INVOICED,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    }
)


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", "Pickup at a warehouse"
    SUPPLIER = "supplier", "Supplier's own transport"
    CARRIER = "carrier", "Carrier"
    DROPSHIP = "dropship", "Dropship to another address"


# Orders a proforma invoice is offered for: placed and not cancelled, rejected or held.
PAYABLE = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.SENT_TO_ERP,
        OrderStatus.ACCEPTED,
        OrderStatus.INVOICED,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    }
)


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    DELIVERY_NOTE = "delivery_note", "Delivery note"
    CREDIT_NOTE = "credit_note", "Credit note"
