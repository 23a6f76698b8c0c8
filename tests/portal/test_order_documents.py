"""The order page says whether the order has reached the supplier's ERP, and the ERP's
invoice is the one the dealer downloads, from its own company's orders only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dealerdesk.core.models import OutboxMessage
from dealerdesk.core.sync import ErpStamp
from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import Delivery, WebhookEndpoint
from dealerdesk.ordering.choices import DocumentKind
from dealerdesk.ordering.erp import attach_document, mark_reached_erp
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import OrderLineRequest, place_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PDF = b"%PDF-1.4\n% ERP invoice INV-5\n%%EOF\n"
SUPPLIER = "Northwind Building Supply"
# Session, membership, company, the order, its lines, documents, delivery state, timeline, …
ORDER_PAGE_MAX_QUERIES = 16


@pytest.fixture
def order(world, shop) -> Order:  # type: ignore[no-untyped-def]
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="portal-doc-0001",
    ).order


def page(client, order: Order):  # type: ignore[no-untyped-def]
    return client.get(reverse("portal:order", args=[order.number]))


def attach(order: Order, number: str = "INV-5", kind: str = DocumentKind.INVOICE):  # type: ignore[no-untyped-def]
    return attach_document(
        order,
        kind=kind,
        number=number,
        issued_on=dt.date(2026, 5, 2),
        content=PDF,
        filename=f"{number}.pdf",
        stamp=ErpStamp(1),
        source="erp",
    )


def deliver(order: Order, status: str) -> Delivery:
    message = OutboxMessage.objects.get(key=f"order:{order.number}", topic="order.placed")
    endpoint = WebhookEndpoint.objects.create(
        name="ERP", url="http://127.0.0.1:9/hook", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )
    return Delivery.objects.create(message=message, endpoint=endpoint, status=status, attempts=2)


def test_a_placed_order_is_waiting_to_be_sent(world, client_for, order, settings) -> None:
    settings.DEALERDESK_SUPPLIER_NAME = SUPPLIER

    response = page(client_for(world.buyer_a.user), order)

    assert f"Waiting to be sent to {SUPPLIER}&#x27;s system" in response.content.decode()


def test_a_failed_delivery_says_it_is_retrying(world, client_for, order) -> None:
    deliver(order, DeliveryStatus.RETRYING)

    response = page(client_for(world.buyer_a.user), order)

    assert "Sending failed, retrying" in response.content.decode()


def test_a_dead_lettered_delivery_says_staff_will_resend(world, client_for, order) -> None:
    deliver(order, DeliveryStatus.DEAD)

    response = page(client_for(world.buyer_a.user), order)

    assert "their staff have been told and will resend it" in response.content.decode()


def test_an_order_the_erp_received_shows_its_number(world, client_for, order, settings) -> None:
    settings.DEALERDESK_SUPPLIER_NAME = SUPPLIER
    mark_reached_erp(order.number, erp_number="SO-123", source="webhook")

    response = page(client_for(world.buyer_a.user), order)

    assert f"Received by {SUPPLIER} as SO-123" in response.content.decode()


def test_the_erp_invoice_is_the_invoice_and_the_proforma_stays(world, client_for, order) -> None:
    document = attach(order)
    client = client_for(world.buyer_a.user)

    html = page(client, order).content.decode()

    invoice_url = reverse("portal:order_document", args=[order.number, document.pk])
    assert f'href="{invoice_url}?download=1"' in html
    assert "Invoice INV-5 (PDF)" in html
    assert "Proforma" in html
    assert reverse("portal:order_proforma", args=[order.number]) in html
    download = client.get(f"{invoice_url}?download=1")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert 'attachment; filename="INV-5.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF


def test_without_an_erp_invoice_the_proforma_is_the_invoice(world, client_for, order) -> None:
    html = page(client_for(world.buyer_a.user), order).content.decode()

    assert "Invoice (PDF)" in html
    assert 'id="invoice-download"' not in html


def test_another_dealer_gets_404_for_the_document(world, client_for, order) -> None:
    document = attach(order)

    response = client_for(world.buyer_b.user).get(
        reverse("portal:order_document", args=[order.number, document.pk])
    )

    assert response.status_code == 404


def test_a_document_of_another_order_is_404_under_this_one(world, client_for, order) -> None:
    second = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="portal-doc-0003",
    ).order
    document = attach(second)

    response = client_for(world.buyer_a.user).get(
        reverse("portal:order_document", args=[order.number, document.pk])
    )

    assert response.status_code == 404


def test_the_page_queries_do_not_grow_with_documents(
    world, client_for, order, django_assert_num_queries, django_assert_max_num_queries
) -> None:
    client = client_for(world.buyer_a.user)
    attach(order)
    page(client, order)  # warm the session and caches
    with django_assert_max_num_queries(ORDER_PAGE_MAX_QUERIES) as one:
        assert page(client, order).status_code == 200
    attach(order, "DN-1", DocumentKind.DELIVERY_NOTE)
    attach(order, "CN-1", DocumentKind.CREDIT_NOTE)

    with django_assert_num_queries(len(one)):
        html = page(client, order).content.decode()

    assert "Delivery note DN-1" in html
    assert "Credit note CN-1" in html
