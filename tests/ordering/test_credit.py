"""An order over the dealer's credit limit: warned, held for approval, or refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import CreditPolicy
from dealerdesk.core.models import OutboxMessage
from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.credit import credit_position
from dealerdesk.ordering.errors import OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import (
    OrderLineRequest,
    approve_order,
    cancel_order,
    place_order,
    reject_order,
)

pytestmark = pytest.mark.django_db

D = Decimal


def _limit(world, limit, policy, balance="0"):  # type: ignore[no-untyped-def]
    company = world.company_a
    company.credit_limit = D(limit)
    company.balance = D(balance)
    company.credit_policy = policy
    company.save()
    return company


def _order(world, quantity, key):  # type: ignore[no-untyped-def]
    # product_a costs 120 net, 144 gross a piece
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, D(quantity))],
        submission_key=key,
    ).order


def test_without_a_limit_anything_goes(world, shop):
    assert _order(world, 5, "credit-0001").status == OrderStatus.PLACED


def test_within_the_limit_the_order_is_placed(world, shop):
    _limit(world, "500", CreditPolicy.BLOCK, balance="200")
    order = _order(world, 2, "credit-0001")  # 200 owed + 288 = 488
    assert order.status == OrderStatus.PLACED
    assert order.credit_note == ""


def test_over_the_limit_with_warn_is_placed_and_says_so(world, shop):
    _limit(world, "500", CreditPolicy.WARN, balance="300")
    order = _order(world, 2, "credit-0001")  # 300 + 288 = 588
    assert order.status == OrderStatus.PLACED
    assert "88.00 EUR over your credit limit of 500.00 EUR" in order.credit_note
    assert order.credit_note in order.events.get().note
    assert OutboxMessage.objects.filter(topic="order.placed").count() == 1


def test_over_the_limit_with_block_is_refused_and_nothing_saved(world, shop):
    _limit(world, "500", CreditPolicy.BLOCK, balance="300")
    with pytest.raises(OrderingError) as caught:
        _order(world, 2, "credit-0001")
    assert caught.value.code == OrderingErrorCode.OVER_CREDIT_LIMIT
    assert "88.00 EUR over your credit limit" in caught.value.message
    assert not Order.objects.exists()
    assert StockLevel.objects.get(product=world.product_a).reserved == 0


def test_open_orders_count_cancelled_ones_do_not(world, shop):
    _limit(world, "500", CreditPolicy.BLOCK)
    first = _order(world, 2, "credit-0001")  # 288 on order
    assert credit_position(world.company_a).on_order == D("288.00")
    with pytest.raises(OrderingError):
        _order(world, 2, "credit-0002")  # 288 + 288 > 500
    cancel_order(first, actor=world.buyer_a.user)
    assert _order(world, 2, "credit-0003").status == OrderStatus.PLACED


def test_held_for_approval_then_approved_goes_to_the_erp(world, shop):
    _limit(world, "100", CreditPolicy.APPROVAL)
    order = _order(world, 1, "credit-0001")
    assert order.status == OrderStatus.AWAITING_APPROVAL
    assert StockLevel.objects.get(product=world.product_a).reserved == 1  # held meanwhile
    assert not OutboxMessage.objects.filter(topic="order.placed").exists()

    approve_order(order, by=world.manager_a.user, note="paid by phone")

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert OutboxMessage.objects.filter(topic="order.placed").count() == 1
    assert [e.status for e in order.events.all()] == [
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.PLACED,
    ]


def test_held_for_approval_then_rejected_releases_the_stock(world, shop):
    _limit(world, "100", CreditPolicy.APPROVAL)
    order = _order(world, 1, "credit-0001")
    with pytest.raises(OrderingError):
        reject_order(order, by=world.manager_a.user, reason="  ")

    reject_order(order, by=world.manager_a.user, reason="Overdue invoices")

    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    assert StockLevel.objects.get(product=world.product_a).reserved == 0
    with pytest.raises(OrderingError) as again:
        approve_order(order, by=world.manager_a.user)
    assert again.value.code == OrderingErrorCode.NOT_AWAITING_APPROVAL


def test_the_supplier_default_applies_when_the_dealer_has_none(world, shop, settings):
    settings.DEALERDESK_CREDIT_POLICY = "block"
    _limit(world, "100", CreditPolicy.DEFAULT)
    with pytest.raises(OrderingError):
        _order(world, 1, "credit-0001")


def test_the_credit_position_is_in_the_currency_unit(world, shop):
    _limit(world, "25000", CreditPolicy.WARN, balance="8420.50")
    _order(world, 3, "credit-0001")  # 432.00 gross
    position = credit_position(world.company_a)
    assert str(position.on_order) == "432.00"
    assert str(position.available) == "16147.50"
