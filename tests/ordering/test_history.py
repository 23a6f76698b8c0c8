""" "Repeat last month's order": the previous calendar month's orders, merged, to the cart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerdesk.ordering.history import last_month, last_month_summary, repeat_last_month
from dealerdesk.ordering.models import CartLine, Order
from dealerdesk.ordering.services import OrderLineRequest, cancel_order, place_order
from dealerdesk.pricing.models import Price

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = dt.date(2026, 11, 23)


def _order(world, shop, key, when, *lines):  # type: ignore[no-untyped-def]
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(product.pk, D(quantity), shop.depot.pk) for product, quantity in lines],
        submission_key=f"history-{key:04d}",
        notify=False,
    )
    moment = dt.datetime.combine(when, dt.time(12), tzinfo=timezone.get_current_timezone())
    Order.objects.filter(pk=placed.order.pk).update(created_at=moment)
    return placed.order


def test_only_last_months_orders_are_merged(world, shop):
    a, child = world.product_a, world.product_a_child
    _order(world, shop, 1, dt.date(2026, 10, 1), (a, 1), (child, 5))
    _order(world, shop, 2, dt.date(2026, 10, 31), (a, 2))
    _order(world, shop, 3, dt.date(2026, 9, 30), (a, 4))  # the month before
    _order(world, shop, 4, dt.date(2026, 11, 2), (a, 3))  # this month
    cancelled = _order(world, shop, 5, dt.date(2026, 10, 15), (child, 5))
    cancel_order(cancelled, actor=None)

    month = last_month(world.company_a, TODAY)

    assert month is not None
    assert month.label == "October 2026"
    assert len(month.orders) == 2
    assert {(line.sku, line.quantity) for line in month.lines} == {("CAB-001", 3), ("CAB-002", 5)}
    summary = last_month_summary(world.company_a, TODAY)
    assert summary is not None
    assert (summary.label, summary.orders, summary.products) == ("October 2026", 2, 2)


def test_january_looks_at_december_of_the_year_before(world, shop):
    _order(world, shop, 1, dt.date(2025, 12, 31), (world.product_a, 1))

    month = last_month(world.company_a, dt.date(2026, 1, 5))

    assert month is not None
    assert month.label == "December 2025"


def test_no_orders_last_month_means_nothing_to_repeat(world, shop):
    _order(world, shop, 1, dt.date(2026, 11, 2), (world.product_a, 1))

    assert last_month(world.company_a, TODAY) is None
    assert last_month_summary(world.company_a, TODAY) is None
    assert repeat_last_month(world.company_a, world.buyer_a.user, shop.contract, TODAY) == (
        None,
        None,
    )


def test_repeating_fills_the_cart_at_todays_prices_and_says_what_changed(world, shop):
    _order(world, shop, 1, dt.date(2026, 10, 5), (world.product_a, 2))
    Price.objects.filter(product=world.product_a).update(amount=D("130"))

    month, report = repeat_last_month(world.company_a, world.buyer_a.user, shop.contract, TODAY)

    assert month is not None
    assert report is not None
    assert report.added == ["CAB-001"]
    assert report.repriced == [("CAB-001", D("120"), D("130.00"))]
    line = CartLine.objects.get()
    assert (line.product, line.quantity) == (world.product_a, D(2))


def test_another_companys_orders_are_never_repeated(world, shop):
    _order(world, shop, 1, dt.date(2026, 10, 5), (world.product_a, 2))

    assert last_month(world.company_b, TODAY) is None
