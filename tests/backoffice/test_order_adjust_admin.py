"""Adjusting an order's quantities in the back office: admins and the dealer's own manager,
only while the ERP has not accepted the order, refusals shown per line with nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.core.models import OutboxMessage
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order, OrderLine
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests.backoffice.conftest import bo

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def order(world):  # type: ignore[no-untyped-def]
    """Dealer A's placed order: 4 of CAB-001 and 2 of CAB-002 at 100.00, 10 of each in stock."""
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_a_child):
        Price.objects.create(product=product, price_type=base, amount=D(100))
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=D(10))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [
            OrderLineRequest(world.product_a.pk, D(4)),
            OrderLineRequest(world.product_a_child.pk, D(2)),
        ],
        submission_key="adjust-admin-1",
    ).order


def _form(order: Order, **quantities: int | str) -> dict[str, str]:
    """POST data: every line at its quantity unless given by SKU (CAB_001=...), a reason."""
    data = {"reason": "Dealer asked by phone"}
    for line in order.lines.all():
        given = quantities.get(line.sku.replace("-", "_"), line.quantity)
        data[f"line_{line.pk}"] = str(given)
    return data


def _quantities(order: Order) -> dict[str, Decimal]:
    return dict(OrderLine.objects.filter(order=order).values_list("sku", "quantity"))


@pytest.mark.parametrize("who", ["admin", "manager_a"])
def test_the_admin_and_the_dealers_manager_adjust_an_order(world, client_for, order, who):
    client = client_for(getattr(world, who).user)
    change = client.get(bo("ordering_order_change", order.pk)).content.decode()
    assert bo("ordering_order_adjust", order.pk) in change
    page = client.get(bo("ordering_order_adjust", order.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1. CAB-001 Cable NYM 3x1.5" in text
    assert "100.00 EUR a unit" in text

    response = client.post(
        bo("ordering_order_adjust", order.pk), _form(order, CAB_001=6, CAB_002=0), follow=True
    )

    assert response.redirect_chain[-1][0] == bo("ordering_order_change", order.pk)
    assert f"Order {order.number} changed: now 720.00 EUR." in response.content.decode()
    assert _quantities(order) == {"CAB-001": D(6)}
    assert StockLevel.objects.get(product=world.product_a).reserved == D(6)
    assert StockLevel.objects.get(product=world.product_a_child).reserved == 0
    assert OutboxMessage.objects.filter(topic="order.changed").count() == 1
    event = order.events.last()
    assert event.actor == getattr(world, who).user
    assert event.note.endswith("reason: Dealer asked by phone")


def test_another_managers_dealer_is_not_found(world, client_for, order):
    client = client_for(world.manager_b.user)

    page = client.get(bo("ordering_order_adjust", order.pk))
    post = client.post(bo("ordering_order_adjust", order.pk), _form(order, CAB_001=1))

    for response in (page, post):
        assert response.status_code == 302
        assert response.url == bo("index")  # as approve/reject: "does not exist"
    assert _quantities(order) == {"CAB-001": D(4), "CAB-002": D(2)}


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_people_outside_the_back_office_are_sent_to_sign_in(world, client, client_for, order, who):
    if who == "buyer":
        client = client_for(world.buyer_a.user)

    response = client.post(bo("ordering_order_adjust", order.pk), _form(order, CAB_001=1))

    assert response.status_code == 302
    assert "/login/" in response.url
    assert _quantities(order) == {"CAB-001": D(4), "CAB-002": D(2)}


def test_refusals_show_on_the_line_and_change_nothing(world, admin_client, order):
    url = bo("ordering_order_adjust", order.pk)
    line_a, line_b = order.lines.order_by("number")

    short = admin_client.post(url, _form(order, CAB_001=11))
    negative = admin_client.post(url, _form(order, CAB_002=-1))
    no_reason = admin_client.post(url, {**_form(order, CAB_001=1), "reason": " "})
    all_gone = admin_client.post(url, _form(order, CAB_001=0, CAB_002=0))
    same = admin_client.post(url, _form(order))

    assert short.status_code == 200
    [(field, [message])] = short.context["form"].errors.items()
    assert (field, message[:21]) == (f"line_{line_a.pk}", "Only 6 available in C")
    assert negative.context["form"].errors[f"line_{line_b.pk}"]
    assert "reason" in no_reason.context["form"].errors
    assert "cancel the order instead" in all_gone.content.decode()
    assert "No quantity was changed." in same.content.decode()
    assert _quantities(order) == {"CAB-001": D(4), "CAB-002": D(2)}
    assert StockLevel.objects.get(product=world.product_a).reserved == D(4)
    assert order.events.count() == 1
    assert not OutboxMessage.objects.filter(topic="order.changed").exists()


def test_a_bad_pack_multiple_is_shown_next_to_its_line(world, admin_client, order):
    world.product_a.pack_multiple = D(4)
    world.product_a.save()
    line_a = order.lines.get(sku="CAB-001")

    response = admin_client.post(bo("ordering_order_adjust", order.pk), _form(order, CAB_001=6))

    assert response.context["form"].errors[f"line_{line_a.pk}"] == [
        "Sold in packs of 4: order 4 or 8."
    ]
    assert _quantities(order)["CAB-001"] == D(4)


@pytest.mark.parametrize("status", [OrderStatus.ACCEPTED, OrderStatus.CANCELLED])
def test_only_orders_the_erp_has_not_accepted_are_offered(world, admin_client, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)

    change = admin_client.get(bo("ordering_order_change", order.pk)).content.decode()
    response = admin_client.post(
        bo("ordering_order_adjust", order.pk), _form(order, CAB_001=1), follow=True
    )

    assert bo("ordering_order_adjust", order.pk) not in change
    assert response.redirect_chain[-1][0] == bo("ordering_order_change", order.pk)
    assert "can no longer be changed" in response.content.decode()
    assert _quantities(order) == {"CAB-001": D(4), "CAB-002": D(2)}
