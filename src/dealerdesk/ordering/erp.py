"""What the ERP says about an order: it has received it, its status, its documents.

Once the ERP has an order it is the system of record for the order's status: a status it
sends is applied as sent, ordered by the ERP's change sequence (or time) so that an older
message never overwrites a newer one. Every change leaves a timeline event and an audit
entry; statuses that end the order's claim on stock release its reservation.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.text import get_valid_filename

from dealerdesk.core import audit
from dealerdesk.core.mail import send_email_on_commit
from dealerdesk.core.models import AuditAction
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult
from dealerdesk.core.text import printable
from dealerdesk.inventory.services import release_reservation
from dealerdesk.ordering.choices import DocumentKind, OrderStatus
from dealerdesk.ordering.models import Order, OrderDocument, OrderEvent
from dealerdesk.ordering.services import dealer_recipients

logger = logging.getLogger(__name__)

# The statuses the ERP may send.
ERP_STATUSES = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.INVOICED,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
    }
)
# The order no longer holds stock: the goods left, or never will.
RELEASES_STOCK = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REJECTED}
)
# The dealer hears of these by e-mail; the others show on the order's page.
TOLD_BY_EMAIL = frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REJECTED})
MAX_NOTE = 2000
PDF_MAGIC = b"%PDF-"


# --- the ERP has the order --------------------------------------------------------------------


def mark_reached_erp(order_number: str, *, erp_number: str = "", source: str) -> None:
    """The ERP has received the order (it answered the webhook with 2xx, or acknowledged a
    pulled event): PLACED becomes SENT_TO_ERP, or ACCEPTED when an ERP number comes with it.

    Idempotent, and never moves an order backwards: an order further along keeps its status
    (it only learns an ERP number it did not have), a cancelled one stays cancelled. An
    unknown number changes nothing.
    """
    erp_number = printable(erp_number).strip()[:64]
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(number=order_number).first()
        if order is None:
            logger.warning("The ERP received order %s, which does not exist here", order_number)
            return
        before = {"status": order.status, "erp_number": order.erp_number}
        if order.status == OrderStatus.PLACED:
            order.status = OrderStatus.ACCEPTED if erp_number else OrderStatus.SENT_TO_ERP
        elif order.status == OrderStatus.SENT_TO_ERP and erp_number:
            order.status = OrderStatus.ACCEPTED
        if erp_number and not order.erp_number and order.status != OrderStatus.AWAITING_APPROVAL:
            order.erp_number = erp_number
        after = {"status": order.status, "erp_number": order.erp_number}
        if after == before:
            return
        order.save(update_fields=["status", "erp_number", "updated_at"])
        if order.status != before["status"]:
            note = f"{settings.DEALERDESK_SUPPLIER_NAME} received it"
            OrderEvent.objects.create(
                order=order,
                status=order.status,
                note=f"{note} as {order.erp_number}" if order.erp_number else note,
            )
        audit.record(
            actor=None,
            instance=order,
            verb="the ERP received the order",
            before=before,
            after=after,
            company_id=order.company_id,
            source=source,
        )


# --- statuses from the ERP --------------------------------------------------------------------


@dataclass(frozen=True)
class OrderStatusChange:
    """The ERP's status of an order named by its portal number or its ERP number."""

    index: int
    status: str
    stamp: ErpStamp
    order: str = ""
    erp_number: str = ""
    note: str = ""


def apply_order_statuses(rows: Sequence[OrderStatusChange], *, source: str) -> list[RowResult]:
    """Apply the ERP's order statuses, one result per row in the order given.

    A status older than the one the order holds (``ErpStamp.is_newer_than`` against
    ``Order.erp_version`` / ``erp_changed_at``) is stale; an unknown order or status is
    rejected. Shipped, delivered, cancelled and rejected release the order's stock
    reservation; shipped, cancelled and rejected are e-mailed to the dealer once this commits.
    Several rows of one order apply in order.
    """
    results: dict[int, RowResult] = {}
    with transaction.atomic():
        orders = _orders_of(rows)
        for position, row in enumerate(rows):
            results[position] = _apply_status(row, orders, source)
    return [results[position] for position in range(len(rows))]


def _orders_of(rows: Sequence[OrderStatusChange]) -> dict[tuple[str, str], list[Order]]:
    """The batch's orders by ("order", number) and ("erp", ERP number), locked in
    primary-key order (one query)."""
    numbers = {row.order for row in rows if row.order}
    erp_numbers = {row.erp_number for row in rows if row.erp_number and not row.order}
    if not numbers and not erp_numbers:
        return {}
    found: dict[tuple[str, str], list[Order]] = {}
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("company", "placed_by", "on_behalf_by")
        .filter(Q(number__in=numbers) | Q(erp_number__in=erp_numbers))
        .order_by("pk")
    )
    for order in locked:
        if order.number in numbers:
            found.setdefault(("order", order.number), []).append(order)
        if order.erp_number in erp_numbers:
            found.setdefault(("erp", order.erp_number), []).append(order)
    return found


def _apply_status(
    row: OrderStatusChange, orders: dict[tuple[str, str], list[Order]], source: str
) -> RowResult:
    key = row.order or row.erp_number
    if not key:
        return RowResult.rejected(
            row.index, key, "order", "required", "Name the order by its number or ERP number."
        )
    if row.status not in ERP_STATUSES:
        allowed = ", ".join(sorted(ERP_STATUSES))
        return RowResult.rejected(
            row.index,
            key,
            "status",
            "unknown_status",
            f"{row.status!r} is not a status the ERP can send; use one of {allowed}.",
        )
    matches = orders.get(("order", row.order) if row.order else ("erp", row.erp_number), [])
    if not matches:
        field, label = ("order", "number") if row.order else ("erp_number", "ERP number")
        return RowResult.rejected(
            row.index, key, field, "unknown_order", f"No order has the {label} {key!r}."
        )
    if len(matches) > 1:
        return RowResult.rejected(
            row.index,
            key,
            "erp_number",
            "ambiguous_order",
            f"{len(matches)} orders have the ERP number {key!r}; name the order by its number.",
        )
    order = matches[0]
    if stale := RowResult.stale_against(row.index, key, row.stamp, order):
        return stale
    erp_number = printable(row.erp_number).strip()[:64]
    note = printable(row.note).strip()[:MAX_NOTE]
    before = {"status": order.status, "erp_number": order.erp_number}
    if row.stamp.version is not None:
        order.erp_version = row.stamp.version
    if row.stamp.changed_at is not None:
        order.erp_changed_at = row.stamp.changed_at
    order.status = row.status
    if erp_number:
        order.erp_number = erp_number
    after = {"status": order.status, "erp_number": order.erp_number}
    # The sequence moves on even when the status is the one held.
    order.save(
        update_fields=["status", "erp_number", "erp_version", "erp_changed_at", "updated_at"]
    )
    if after == before:
        return RowResult(row.index, Outcome.UNCHANGED, key)
    if order.status != before["status"]:
        OrderEvent.objects.create(order=order, status=order.status, note=note)
        if order.status in RELEASES_STOCK and order.number:
            release_reservation(reference=order.number, source=source)
        if order.status in TOLD_BY_EMAIL:
            _tell_dealer(order, note)
    audit.record(
        actor=None,
        instance=order,
        verb="the ERP changed the order",
        before=before,
        after=after,
        company_id=order.company_id,
        source=source,
    )
    return RowResult(row.index, Outcome.UPDATED, key)


def _tell_dealer(order: Order, note: str) -> None:
    recipients = sorted(set(dealer_recipients(order)))
    if not recipients:
        return
    send_email_on_commit(
        recipients,
        f"Order {order.number} is {order.get_status_display().lower()}",
        "ordering/email/order_status.txt",
        {
            "order": order,
            "note": note,
            "released": order.status in {OrderStatus.CANCELLED, OrderStatus.REJECTED},
            "order_url": f"{settings.BASE_URL}{reverse('portal:order', args=[order.number])}",
            "supplier_name": settings.DEALERDESK_SUPPLIER_NAME,
        },
    )


# --- documents from the ERP -------------------------------------------------------------------


class DocumentError(Exception):
    """A document the ERP sent cannot be kept; ``field`` and ``code`` say which part and why."""

    def __init__(self, code: str, field: str, message: str) -> None:
        self.code = code
        self.field = field
        self.message = message
        super().__init__(message)


def document_max_bytes() -> int:
    return int(getattr(settings, "DEALERDESK_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def attach_document(
    order: Order,
    *,
    kind: str,
    number: str,
    issued_on: date | None,
    content: bytes,
    filename: str,
    stamp: ErpStamp,
    source: str,
) -> OrderDocument:
    """Keep a PDF the ERP issued for ``order`` (its invoice, a delivery note, a credit note).

    The same kind and number again replaces the file only when its stamp is newer than the
    stored one's; otherwise the stored document is returned as it is. Raises
    ``DocumentError`` for a kind that does not exist, a missing number, a file that is not a
    PDF or is over ``DEALERDESK_DOCUMENT_MAX_BYTES``; nothing is written then.
    """
    number = printable(number).strip()
    if kind not in DocumentKind.values:
        kinds = ", ".join(DocumentKind.values)
        raise DocumentError("invalid_kind", "kind", f"{kind!r} is not a document kind: {kinds}.")
    if not number:
        raise DocumentError("required", "number", "Give the ERP's number of the document.")
    if len(number) > 64:
        raise DocumentError("too_long", "number", "A document number has at most 64 characters.")
    if len(content) > document_max_bytes():
        limit = document_max_bytes() // (1024 * 1024)
        raise DocumentError("too_large", "file", f"A document may be at most {limit} MB.")
    if not content.startswith(PDF_MAGIC):
        raise DocumentError("not_pdf", "file", "The file is not a PDF (it must begin with %PDF-).")
    name = _file_name(filename, kind, number)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        document = (
            OrderDocument.objects.select_for_update()
            .filter(order=locked, kind=kind, number=number)
            .first()
        )
        if document is not None and not stamp.is_newer_than(
            document.erp_version, document.erp_changed_at
        ):
            return document
        created = document is None
        if document is None:
            document = OrderDocument(order=locked, kind=kind, number=number)
            before = None
        else:
            before = audit.snapshot(document, DOCUMENT_FIELDS)
            old_file, storage = document.file.name, document.file.storage
            if old_file:
                # The replaced file goes only once the new one is committed in its place.
                transaction.on_commit(lambda: storage.delete(old_file))
        document.issued_on = issued_on
        document.filename = name
        document.sha256 = digest
        document.size = len(content)
        document.erp_version = stamp.version
        document.erp_changed_at = stamp.changed_at
        document.file.save(_stored_name(locked, kind, number), ContentFile(content), save=False)
        document.save()
        if created:
            label = DocumentKind(kind).label
            OrderEvent.objects.create(
                order=locked, status=locked.status, note=f"{label} {number} from the ERP"
            )
        audit.record(
            actor=None,
            instance=document,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            verb="the ERP sent a document" if created else "the ERP replaced a document",
            before=before,
            after=audit.snapshot(document, DOCUMENT_FIELDS),
            company_id=locked.company_id,
            source=source,
        )
    return document


DOCUMENT_FIELDS = ("kind", "number", "issued_on", "filename", "sha256", "size", "erp_version")


def _file_name(filename: str, kind: str, number: str) -> str:
    """The name the dealer's download gets: the ERP's, made safe, always ending in .pdf."""
    base = get_valid_filename(os.path.basename(printable(filename or "").replace("\\", "/")))
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    if not stem:
        stem = get_valid_filename(f"{kind}-{number}") or kind
    return f"{stem[:140]}.pdf"


def _stored_name(order: Order, kind: str, number: str) -> str:
    return get_valid_filename(f"{order.number}-{kind}-{number}.pdf") or f"{kind}.pdf"
