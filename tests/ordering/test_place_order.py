"""Placing an order: all lines or none, re-priced and re-checked, reserved, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import StockDisplayPolicy
from dealerdesk.core.models import AuditEntry, OutboxMessage
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.errors import LineProblem, OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import (
    OrderLineRequest,
    cancel_order,
    place_order,
)
from dealerdesk.pricing.models import Contract, CustomerPrice
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal
KEY = "submission-0001"


def _reserved(product, depot) -> Decimal:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(product=product, warehouse=depot).reserved


def test_an_order_is_priced_reserved_numbered_and_reported(world, shop):
    buyer = world.buyer_a.user
    CustomerPrice.objects.create(company=world.company_a, product=world.product_a, amount=D(100))

    placed = place_order(
        world.company_a,
        buyer,
        [
            OrderLineRequest(world.product_a.pk, D(3)),
            OrderLineRequest(world.product_a_child.pk, D(2)),
        ],
        submission_key=KEY,
        po_number=" PO-77 ",
    )

    order = placed.order
    assert placed.created
    assert order.number == f"DD-{order.pk:07d}"
    assert order.status == OrderStatus.PLACED
    assert order.po_number == "PO-77"
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines.all()] == [
        ("CAB-001", D(3), D("100.0000")),
        ("CAB-002", D(2), D("80.0000")),
    ]
    assert (order.total_net, order.total_vat, order.total_gross) == (
        D("460.00"),
        D("92.00"),
        D("552.00"),
    )
    assert _reserved(world.product_a, shop.depot) == D(3)
    assert "customer price for Alpha Electric 100.00" in order.lines.first().explanation
    [message] = OutboxMessage.objects.filter(topic="order.placed")
    assert message.payload["number"] == order.number
    assert message.payload["totals"]["gross"] == "552.00"
    assert list(order.events.values_list("status", flat=True)) == [OrderStatus.PLACED]
    assert AuditEntry.objects.filter(object_id=str(order.pk), verb="placed an order").exists()


def test_the_same_submission_twice_is_one_order(world, shop):
    lines = [OrderLineRequest(world.product_a.pk, D(2))]
    first = place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)
    second = place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)

    assert second.order.pk == first.order.pk
    assert not second.created
    assert Order.objects.count() == 1
    assert _reserved(world.product_a, shop.depot) == D(2)


def test_a_short_line_fails_the_whole_order_and_says_which(world, shop):
    lines = [
        OrderLineRequest(world.product_a.pk, D(2)),
        OrderLineRequest(world.product_a_child.pk, D(11)),
    ]
    with pytest.raises(OrderingError) as caught:
        place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)

    assert caught.value.code == OrderingErrorCode.INSUFFICIENT_STOCK
    [line] = caught.value.lines
    assert (line.index, line.problem) == (1, LineProblem.SHORT)
    assert line.message == "Only 10 available in C."
    assert Order.objects.count() == 0
    assert _reserved(world.product_a, shop.depot) == D(0)
    assert not OutboxMessage.objects.exists()


def test_a_backorder_line_may_exceed_the_stock(world, shop):
    lines = [OrderLineRequest(world.product_a.pk, D(15), backorder=True)]
    placed = place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)
    assert placed.order.lines.get().backorder
    assert _reserved(world.product_a, shop.depot) == D(15)


def test_a_banded_dealer_is_not_told_the_exact_shortfall(world, shop):
    world.company_a.stock_display_policy = StockDisplayPolicy.BANDED
    world.company_a.save()
    StockLevel.objects.filter(product=world.product_a).update(on_hand=437)
    with pytest.raises(OrderingError) as caught:
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(500))],
            submission_key=KEY,
        )
    assert "437" not in caught.value.lines[0].message
    assert ">100" in caught.value.lines[0].message


def test_every_bad_line_is_named_at_once_and_nothing_is_saved(world, shop):
    world.product_a_child.pack_multiple = D(5)
    world.product_a_child.min_quantity = D(10)
    world.product_a_child.save()
    retired = f.ProductFactory(category=world.cat_a, is_active=False)
    unpriced = f.ProductFactory(category=world.cat_a)
    closed = Warehouse.objects.create(code="X", name="Bravo's")
    lines = [
        OrderLineRequest(world.product_b.pk, D(1)),  # another dealer's catalog
        OrderLineRequest(retired.pk, D(1)),
        OrderLineRequest(world.product_a_child.pk, D(5)),  # below the minimum
        OrderLineRequest(world.product_a_child.pk, D(12)),  # not a pack multiple
        OrderLineRequest(world.product_a.pk, D(-1)),
        OrderLineRequest(unpriced.pk, D(1)),
        OrderLineRequest(world.product_a.pk, D(1), warehouse_id=closed.pk),
        OrderLineRequest(world.product_a.pk, D(1)),  # fine
    ]
    with pytest.raises(OrderingError) as caught:
        place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)

    assert caught.value.code == OrderingErrorCode.LINES_INVALID
    assert [(e.index, e.problem) for e in caught.value.lines] == [
        (0, LineProblem.NOT_IN_CATALOG),
        (1, LineProblem.INACTIVE),
        (2, LineProblem.BELOW_MINIMUM),
        (3, LineProblem.NOT_PACK_MULTIPLE),
        (4, LineProblem.NOT_POSITIVE),
        (5, LineProblem.NO_PRICE),
        (6, LineProblem.WAREHOUSE_NOT_ALLOWED),
    ]
    assert caught.value.lines[3].message == "Sold in packs of 5: order 10 or 15."
    assert world.product_b.name not in " ".join(e.message for e in caught.value.lines)
    assert Order.objects.count() == 0


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "has space!", "ünïcode-key"])
def test_a_missing_or_odd_submission_key_is_refused(world, shop, key):
    with pytest.raises(OrderingError) as caught:
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(1))],
            submission_key=key,
        )
    assert caught.value.code == OrderingErrorCode.BAD_SUBMISSION_KEY


def test_another_companys_contract_cannot_be_used(world, shop):
    other = Contract.objects.create(company=world.company_b, name="Bravo terms")
    with pytest.raises(OrderingError) as caught:
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(1))],
            submission_key=KEY,
            contract_id=other.pk,
        )
    assert caught.value.code == OrderingErrorCode.CONTRACT_NOT_AVAILABLE


def test_an_empty_or_huge_order_is_refused(world, shop):
    with pytest.raises(OrderingError) as empty:
        place_order(world.company_a, world.buyer_a.user, [], submission_key=KEY)
    lines = [OrderLineRequest(world.product_a.pk, D(1))] * 1001
    with pytest.raises(OrderingError) as huge:
        place_order(world.company_a, world.buyer_a.user, lines, submission_key=KEY)
    assert (empty.value.code, huge.value.code) == (
        OrderingErrorCode.EMPTY,
        OrderingErrorCode.TOO_MANY_LINES,
    )


def test_a_manager_places_an_order_for_the_dealer(world, shop):
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(1))],
        submission_key=KEY,
        on_behalf_by=world.manager_a.user,
        source="back office",
    )
    event = placed.order.events.get()
    assert placed.order.on_behalf_by == world.manager_a.user
    assert event.actor == world.manager_a.user
    assert "for Alpha Electric" in event.note
    assert AuditEntry.objects.filter(
        object_id=str(placed.order.pk), actor=world.manager_a.user
    ).exists()


def test_cancelling_releases_the_stock_once(world, shop):
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(4))],
        submission_key=KEY,
    )
    cancel_order(placed.order, actor=world.buyer_a.user, reason="ordered twice")
    cancel_order(placed.order, actor=world.buyer_a.user)

    order = Order.objects.get()
    assert order.status == OrderStatus.CANCELLED
    assert _reserved(world.product_a, shop.depot) == D(0)
    assert OutboxMessage.objects.filter(topic="order.cancelled").count() == 1
    assert [e.status for e in order.events.all()] == [OrderStatus.PLACED, OrderStatus.CANCELLED]


def test_an_order_the_erp_accepted_cannot_be_cancelled_here(world, shop):
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(4))],
        submission_key=KEY,
    )
    Order.objects.filter(pk=placed.order.pk).update(status=OrderStatus.ACCEPTED)
    with pytest.raises(OrderingError) as caught:
        cancel_order(placed.order, actor=world.buyer_a.user)
    assert caught.value.code == OrderingErrorCode.NOT_CANCELLABLE
    assert _reserved(world.product_a, shop.depot) == D(4)


def test_placing_an_order_checks_rights_in_the_database_not_a_cache(world, shop):
    # given a dealer whose scope, warehouses and contract are cached by a page view
    from dealerdesk.catalog.models import CatalogAssignment
    from dealerdesk.catalog.queries import scope_for_company
    from dealerdesk.inventory.queries import warehouses_for
    from dealerdesk.pricing.queries import contracts_for

    assert scope_for_company(world.company_a).products().filter(pk=world.product_a.pk).exists()
    assert warehouses_for(world.company_a)
    assert contracts_for(world.company_a)
    # when rights are withdrawn by a write that another process's cache has not seen
    CatalogAssignment.objects.filter(customer_group=world.company_a.customer_group).update(
        category=world.cat_b
    )
    # then the order is refused all the same
    with pytest.raises(OrderingError) as caught:
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(1))],
            submission_key=KEY,
        )
    assert caught.value.lines[0].problem == LineProblem.NOT_IN_CATALOG
    Contract.objects.filter(company=world.company_a).update(is_active=False)
    with pytest.raises(OrderingError) as no_contract:
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_b.pk, D(1))],
            submission_key=KEY,
        )
    assert no_contract.value.code == OrderingErrorCode.CONTRACT_NOT_AVAILABLE


def test_the_buyer_and_the_manager_get_the_confirmation(
    world, shop, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        placed = place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(2))],
            submission_key=KEY,
            po_number="PO-9",
        )

    [mail] = mailoutbox
    assert sorted(mail.to) == sorted([world.buyer_a.user.email, world.manager_a.user.email])
    assert mail.subject == f"Order {placed.order.number} is placed — 288.00 EUR"
    assert "1. CAB-001 Cable NYM 3x1.5 — 2 \u00d7 120.00 EUR = 240.00 EUR" in mail.body
    assert "Your PO: PO-9" in mail.body
    assert f"/portal/orders/{placed.order.number}/" in mail.body


def test_a_refused_order_sends_no_mail(world, shop, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OrderingError):
        place_order(
            world.company_a,
            world.buyer_a.user,
            [OrderLineRequest(world.product_a.pk, D(99))],
            submission_key=KEY,
        )
    assert mailoutbox == []
