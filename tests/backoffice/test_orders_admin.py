"""The back-office order queue: scoped to a manager's dealers, held orders approved or
rejected with a reason, nothing edited or deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import CreditPolicy
from dealerdesk.core.models import OutboxMessage
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests.backoffice.conftest import bo

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_b):
        Price.objects.create(product=product, price_type=base, amount=D(100))
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=D(50))
    for company in (world.company_a, world.company_b):
        Contract.objects.create(company=company, name="Prepayment", is_default=True)
    world.company_a.credit_limit = D(50)
    world.company_a.credit_policy = CreditPolicy.APPROVAL
    world.company_a.save()
    held = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(2))],
        submission_key="held-order-1",
    ).order
    other = place_order(
        world.company_b,
        world.buyer_b.user,
        [OrderLineRequest(world.product_b.pk, D(1))],
        submission_key="other-order-1",
    ).order
    return held, other


def test_a_manager_sees_only_the_orders_of_their_dealers(world, manager_client, orders):
    held, other = orders
    page = manager_client.get(bo("ordering_order_changelist")).content.decode()
    assert held.number in page
    assert other.number not in page
    response = manager_client.get(bo("ordering_order_change", other.pk))
    assert response.status_code == 302  # to the index, saying it does not exist
    assert manager_client.post(bo("ordering_order_approve", other.pk)).status_code == 302
    other.refresh_from_db()
    assert other.status == OrderStatus.PLACED  # untouched


def test_a_held_order_is_approved_and_goes_to_the_erp(world, manager_client, orders):
    held, _ = orders
    assert held.status == OrderStatus.AWAITING_APPROVAL
    assert "Approve" in manager_client.get(bo("ordering_order_changelist")).content.decode()

    response = manager_client.post(bo("ordering_order_approve", held.pk), {"note": "Paid"})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == OrderStatus.PLACED
    assert OutboxMessage.objects.filter(topic="order.placed", key=f"order:{held.number}").exists()


def test_rejecting_needs_a_reason_and_releases_the_stock(world, admin_client, orders):
    held, _ = orders
    empty = admin_client.post(bo("ordering_order_reject", held.pk), {"note": ""})
    assert empty.status_code == 200
    assert "Give the dealer a reason." in empty.content.decode()

    admin_client.post(bo("ordering_order_reject", held.pk), {"note": "Overdue invoices"})

    held.refresh_from_db()
    assert held.status == OrderStatus.REJECTED
    assert StockLevel.objects.get(product=world.product_a).reserved == 0
    assert held.events.last().note == "Overdue invoices"


def test_orders_are_not_added_or_deleted_here(world, admin_client, orders):
    held, _ = orders
    assert admin_client.get(bo("ordering_order_add")).status_code == 403
    assert admin_client.post(bo("ordering_order_delete", held.pk)).status_code == 403
    assert Order.objects.filter(pk=held.pk).exists()


def test_a_decided_order_cannot_be_decided_again(world, admin_client, orders):
    _, other = orders
    response = admin_client.post(bo("ordering_order_approve", other.pk), {"note": ""}, follow=True)
    assert "not waiting for approval" in response.content.decode()
