"""Many buyers at once on PostgreSQL: no oversell, no deadlock shown to anyone, every order
all-or-nothing, and one order per submission however often it arrives."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering.errors import OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import Order, OrderLine
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import Price
from tests import factories as f
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_only"),
]

D = Decimal


def test_100_buyers_racing_for_10_hot_products_never_oversell(world, shop):
    hot = [f.ProductFactory(category=world.cat_a) for _ in range(10)]
    for product in hot:
        Price.objects.create(product=product, price_type=shop.base, amount=D(5))
        StockLevel.objects.create(product=product, warehouse=shop.depot, on_hand=D(12))
    rng = random.Random(7)
    baskets = [
        [OrderLineRequest(p.pk, D(rng.randint(1, 3))) for p in rng.sample(hot, 5)]
        for _ in range(100)
    ]

    results = race(
        [
            lambda n=n, basket=basket: place_order(  # type: ignore[misc]
                world.company_a, world.buyer_a.user, basket, submission_key=f"race-{n:04d}"
            )
            for n, basket in enumerate(baskets)
        ]
    )

    # every buyer got an order or a clear shortage, nothing else (no deadlock, no 500)
    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, OrderingError)]
    assert len(placed) + len(refused) == 100, [r for r in results if isinstance(r, Exception)]
    assert all(r.code == OrderingErrorCode.INSUFFICIENT_STOCK for r in refused)
    assert placed, "some orders must get through"
    # no oversell, and what is reserved is exactly what the placed orders hold
    for level in StockLevel.objects.filter(product__in=hot):
        assert level.reserved <= level.on_hand
        ordered = OrderLine.objects.filter(product=level.product_id).aggregate(q=Sum("quantity"))
        assert level.reserved == (ordered["q"] or 0)
    # all-or-nothing: every order has all five of its lines
    assert Order.objects.count() == len(placed)
    assert all(order.lines.count() == 5 for order in Order.objects.all())


def test_one_submission_sent_eight_times_at_once_is_one_order(world, shop):
    basket = [OrderLineRequest(world.product_a.pk, D(2))]

    results = race(
        [
            lambda: place_order(  # type: ignore[misc]
                world.company_a, world.buyer_a.user, basket, submission_key="double-click-1"
            )
            for _ in range(8)
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.order.pk for r in results}) == 1
    assert sum(1 for r in results if r.created) == 1
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(product=world.product_a).reserved == D(2)


def test_orders_placed_at_once_cannot_slip_over_the_credit_limit_together(world, shop):
    from dealerdesk.accounts.choices import CreditPolicy

    company = world.company_a
    company.credit_limit = D(500)  # one order of 2 x 144 gross fits, two do not
    company.credit_policy = CreditPolicy.BLOCK
    company.save()

    results = race(
        [
            lambda n=n: place_order(  # type: ignore[misc]
                company,
                world.buyer_a.user,
                [OrderLineRequest(world.product_a.pk, D(2))],
                submission_key=f"credit-race-{n}",
            )
            for n in range(6)
        ]
    )

    placed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, OrderingError)]
    assert len(placed) == 1
    assert len(refused) == 5
    assert all(r.code == OrderingErrorCode.OVER_CREDIT_LIMIT for r in refused)
