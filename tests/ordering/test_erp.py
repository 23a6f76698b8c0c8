"""What the ERP says about an order: it received it, its statuses, its documents."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering.choices import DocumentKind, OrderStatus
from dealerdesk.ordering.erp import (
    DocumentError,
    OrderStatusChange,
    apply_order_statuses,
    attach_document,
    mark_reached_erp,
)
from dealerdesk.ordering.models import Order, OrderDocument, OrderEvent
from dealerdesk.ordering.services import OrderLineRequest, cancel_order, place_order

pytestmark = pytest.mark.django_db

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def order(world, shop) -> Order:  # type: ignore[no-untyped-def]
    """4 of CAB-001 reserved in the depot (10 on hand)."""
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(4))],
        submission_key="erp-test-0001",
    )
    mail.outbox.clear()
    return placed.order


def reserved(world, shop) -> Decimal:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(product=world.product_a, warehouse=shop.depot).reserved


def status(order: Order, value: str, version: int | None, **kw) -> OrderStatusChange:  # type: ignore[no-untyped-def]
    return OrderStatusChange(
        index=kw.pop("index", 0),
        order=kw.pop("number", order.number),
        status=value,
        stamp=ErpStamp(version),
        **kw,
    )


# --- mark_reached_erp -------------------------------------------------------------------------


def test_reaching_the_erp_moves_a_placed_order_to_sent(order) -> None:
    mark_reached_erp(order.number, source="webhook")

    order.refresh_from_db()
    assert order.status == OrderStatus.SENT_TO_ERP
    assert order.events.last().status == OrderStatus.SENT_TO_ERP
    assert AuditEntry.objects.filter(verb="the ERP received the order").count() == 1


def test_an_erp_number_with_it_makes_the_order_accepted(order) -> None:
    mark_reached_erp(order.number, erp_number="SO-123", source="webhook")

    order.refresh_from_db()
    assert (order.status, order.erp_number) == (OrderStatus.ACCEPTED, "SO-123")
    assert "SO-123" in order.events.last().note


def test_reaching_the_erp_twice_changes_nothing_the_second_time(order) -> None:
    mark_reached_erp(order.number, erp_number="SO-123", source="webhook")
    events, audits = OrderEvent.objects.count(), AuditEntry.objects.count()

    mark_reached_erp(order.number, erp_number="SO-123", source="webhook")
    mark_reached_erp(order.number, source="pull")

    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    assert (OrderEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)


def test_reaching_the_erp_never_moves_an_order_backwards(order) -> None:
    apply_order_statuses([status(order, "shipped", 5)], source="erp")

    mark_reached_erp(order.number, erp_number="SO-9", source="webhook")

    order.refresh_from_db()
    assert (order.status, order.erp_number) == (OrderStatus.SHIPPED, "SO-9")


def test_a_cancelled_order_stays_cancelled(order, world) -> None:
    cancel_order(order, actor=world.buyer_a.user)

    mark_reached_erp(order.number, erp_number="SO-1", source="webhook")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_an_unknown_order_number_changes_nothing(order) -> None:
    mark_reached_erp("DD-9999999", source="webhook")

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


# --- apply_order_statuses ---------------------------------------------------------------------


def test_a_status_is_applied_with_timeline_and_audit(order) -> None:
    results = apply_order_statuses(
        [status(order, "accepted", 3, erp_number="SO-7", note="Confirmed by phone")],
        source="erp message m1",
    )

    assert [r.outcome for r in results] == [Outcome.UPDATED]
    order.refresh_from_db()
    assert (order.status, order.erp_number, order.erp_version) == ("accepted", "SO-7", 3)
    event = order.events.last()
    assert (event.status, event.note) == ("accepted", "Confirmed by phone")
    entry = AuditEntry.objects.get(verb="the ERP changed the order")
    assert entry.before == {"status": "placed", "erp_number": ""}
    assert entry.source == "erp message m1"
    assert mail.outbox == []  # accepted shows on the page; no e-mail


def test_an_older_status_is_stale_and_changes_nothing(order) -> None:
    apply_order_statuses([status(order, "invoiced", 8)], source="erp")

    results = apply_order_statuses([status(order, "accepted", 7)], source="erp")

    assert results[0].outcome == Outcome.STALE
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED


def test_statuses_ordered_by_time_when_there_is_no_sequence(order) -> None:
    noon = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    later = OrderStatusChange(
        index=0, order=order.number, status="paid", stamp=ErpStamp(None, noon)
    )
    earlier = OrderStatusChange(
        index=1,
        order=order.number,
        status="invoiced",
        stamp=ErpStamp(None, noon - dt.timedelta(hours=1)),
    )

    results = apply_order_statuses([later, earlier], source="erp")

    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.STALE]
    order.refresh_from_db()
    assert (order.status, order.erp_changed_at) == (OrderStatus.PAID, noon)


def test_the_same_status_again_is_unchanged(order) -> None:
    apply_order_statuses([status(order, "accepted", 1)], source="erp")

    results = apply_order_statuses([status(order, "accepted", 2)], source="erp")

    assert results[0].outcome == Outcome.UNCHANGED
    order.refresh_from_db()
    assert order.erp_version == 2
    assert order.events.filter(status="accepted").count() == 1


def test_an_order_is_found_by_its_erp_number(order) -> None:
    mark_reached_erp(order.number, erp_number="SO-55", source="webhook")

    results = apply_order_statuses(
        [OrderStatusChange(index=0, erp_number="SO-55", status="invoiced", stamp=ErpStamp(4))],
        source="erp",
    )

    assert results[0].outcome == Outcome.UPDATED
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED


def test_unknown_orders_and_statuses_are_rejected_with_a_reason(order) -> None:
    rows = [
        status(order, "accepted", 1, number="DD-0009999"),
        OrderStatusChange(index=1, erp_number="SO-NONE", status="paid", stamp=ErpStamp(1)),
        status(order, "lost", 1, index=2),
        OrderStatusChange(index=3, status="paid", stamp=ErpStamp(1)),
    ]

    results = apply_order_statuses(rows, source="erp")

    assert [(r.outcome, r.field, r.code) for r in results] == [
        (Outcome.REJECTED, "order", "unknown_order"),
        (Outcome.REJECTED, "erp_number", "unknown_order"),
        (Outcome.REJECTED, "status", "unknown_status"),
        (Outcome.REJECTED, "order", "required"),
    ]
    assert "DD-0009999" in results[0].message
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


@pytest.mark.parametrize("final", ["shipped", "delivered", "cancelled", "rejected"])
def test_an_order_that_ends_releases_its_stock(order, world, shop, final) -> None:
    assert reserved(world, shop) == D(4)

    apply_order_statuses([status(order, final, 2)], source="erp")

    assert reserved(world, shop) == D(0)


def test_accepted_and_invoiced_keep_the_stock_reserved(order, world, shop) -> None:
    apply_order_statuses(
        [status(order, "accepted", 1), status(order, "invoiced", 2, index=1)], source="erp"
    )

    assert reserved(world, shop) == D(4)


@pytest.mark.parametrize(
    ("final", "mailed"),
    [("shipped", True), ("cancelled", True), ("rejected", True), ("paid", False)],
)
def test_the_dealer_is_mailed_when_shipped_cancelled_or_rejected(
    order, world, final, mailed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        apply_order_statuses([status(order, final, 2, note="Truck 7")], source="erp")

    if not mailed:
        assert mail.outbox == []
        return
    [message] = mail.outbox
    assert message.to == [world.buyer_a.user.email]
    assert order.number in message.subject
    assert final in message.subject
    assert "Truck 7" in message.body


def test_a_rolled_back_batch_mails_nobody(order, django_capture_on_commit_callbacks) -> None:
    def failing_message() -> None:
        with transaction.atomic():
            apply_order_statuses([status(order, "shipped", 2)], source="erp")
            raise RuntimeError("the inbound message failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_message()

    assert mail.outbox == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


# --- attach_document --------------------------------------------------------------------------


def _attach(order: Order, content: bytes = PDF, version: int | None = 1, **kw):  # type: ignore[no-untyped-def]
    return attach_document(
        order,
        kind=kw.pop("kind", DocumentKind.INVOICE),
        number=kw.pop("number", "INV-1"),
        issued_on=dt.date(2026, 5, 2),
        content=content,
        filename=kw.pop("filename", "INV-1.pdf"),
        stamp=ErpStamp(version),
        source="erp",
    )


def test_a_document_is_kept_with_its_hash_and_audit(order) -> None:
    document = _attach(order)

    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (document.size, document.filename, document.erp_version) == (len(PDF), "INV-1.pdf", 1)
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    assert AuditEntry.objects.filter(verb="the ERP sent a document").count() == 1
    assert "INV-1" in order.events.last().note


def test_a_newer_document_replaces_the_file_and_an_older_one_does_not(
    order, django_capture_on_commit_callbacks
) -> None:
    first = _attach(order, version=2)
    old_name = first.file.name
    newer = PDF + b"% revised\n"

    with django_capture_on_commit_callbacks(execute=True):
        replaced = _attach(order, newer, version=3)
    stale = _attach(order, PDF + b"% old\n", version=1)

    assert OrderDocument.objects.count() == 1
    assert replaced.pk == first.pk == stale.pk
    assert stale.sha256 == hashlib.sha256(newer).hexdigest()
    assert stale.file.name != old_name
    assert not first.file.storage.exists(old_name)  # the replaced file is gone once committed
    with stale.file.open("rb") as handle:
        assert handle.read() == newer


@pytest.mark.parametrize(
    ("content", "kw", "code", "field"),
    [
        (b"<html>not a pdf</html>", {}, "not_pdf", "file"),
        (b"", {}, "not_pdf", "file"),
        (PDF, {"kind": "receipt"}, "invalid_kind", "kind"),
        (PDF, {"number": "  "}, "required", "number"),
    ],
)
def test_a_bad_document_is_refused_and_nothing_is_kept(order, content, kw, code, field) -> None:
    with pytest.raises(DocumentError) as caught:
        _attach(order, content, **kw)

    assert (caught.value.code, caught.value.field) == (code, field)
    assert not OrderDocument.objects.exists()


def test_a_document_over_the_limit_is_refused(order, settings) -> None:
    settings.DEALERDESK_DOCUMENT_MAX_BYTES = 100

    with pytest.raises(DocumentError) as caught:
        _attach(order, PDF + b"0" * 100)

    assert caught.value.code == "too_large"


def test_the_filename_is_made_safe_and_ends_in_pdf(order) -> None:
    document = _attach(order, filename="../../etc/passwd")

    assert document.filename == "passwd.pdf"
    assert ".." not in document.file.name
