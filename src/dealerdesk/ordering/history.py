"""A dealer's past orders as something to order again: last month's orders in one touch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.ordering.cart import ReorderReport, RepeatedLine, repeat_lines
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order, OrderLine
from dealerdesk.pricing.models import Contract

# Orders that did not happen are not repeated.
NOT_REPEATED = (OrderStatus.CANCELLED, OrderStatus.REJECTED)


@dataclass(frozen=True)
class MonthOfOrders:
    first_day: dt.date
    orders: list[Order]
    lines: list[RepeatedLine]  # merged per product and warehouse
    currency: str  # of the latest order: the prices compared with today's

    @property
    def label(self) -> str:
        return f"{self.first_day:%B %Y}"


def _previous_month(today: dt.date) -> tuple[dt.datetime, dt.datetime, dt.date]:
    first_this = today.replace(day=1)
    first_last = (first_this - dt.timedelta(days=1)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first_last, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(first_this, dt.time.min, tzinfo=zone)
    return start, end, first_last


@dataclass(frozen=True)
class MonthSummary:
    """What the dashboard says about last month's orders, counted by the database."""

    first_day: dt.date
    orders: int
    products: int  # distinct product and warehouse pairs: the lines the cart would get

    @property
    def label(self) -> str:
        return f"{self.first_day:%B %Y}"


def _month_orders(company: Company, today: dt.date | None) -> tuple[QuerySet[Order], dt.date]:
    start, end, first_day = _previous_month(today or timezone.localdate())
    orders = Order.objects.filter(
        company=company, created_at__gte=start, created_at__lt=end
    ).exclude(status__in=NOT_REPEATED)
    return orders, first_day


def last_month_summary(company: Company, today: dt.date | None = None) -> MonthSummary | None:
    """How many orders and products last month holds (two counting queries, however many
    orders there were); None when there were none."""
    orders, first_day = _month_orders(company, today)
    count = orders.count()
    if not count:
        return None
    products = (
        OrderLine.objects.filter(order__in=orders.values("pk"))
        .values("product_id", "warehouse_id")
        .distinct()
        .count()
    )
    return MonthSummary(first_day, count, products)


def last_month(company: Company, today: dt.date | None = None) -> MonthOfOrders | None:
    """The orders the company placed in the previous calendar month (local time), their
    lines merged by product and warehouse; None when there were none."""
    found, first_day = _month_orders(company, today)
    orders = list(found.order_by("created_at", "id"))
    if not orders:
        return None
    latest = orders[-1]
    merged: dict[tuple[int, int], RepeatedLine] = {}
    rows = (
        OrderLine.objects.filter(order__in=orders)
        .select_related("order")
        .order_by("order__created_at", "order_id", "number")
    )
    for row in rows:
        key = (row.product_id, row.warehouse_id)
        # The price compared with today's is the latest one in the latest order's currency.
        price: Decimal | None = row.unit_price if row.order.currency == latest.currency else None
        earlier = merged.get(key)
        if earlier is not None:
            merged[key] = RepeatedLine(
                row.sku,
                row.product_id,
                row.warehouse_id,
                earlier.quantity + row.quantity,
                price if price is not None else earlier.unit_price,
            )
        else:
            merged[key] = RepeatedLine(
                row.sku, row.product_id, row.warehouse_id, row.quantity, price
            )
    return MonthOfOrders(first_day, orders, list(merged.values()), latest.currency)


def repeat_last_month(
    company: Company, user: Any, contract: Contract | None, today: dt.date | None = None
) -> tuple[MonthOfOrders | None, ReorderReport | None]:
    """Put last month's lines in the cart at today's prices, saying what changed."""
    month = last_month(company, today)
    if month is None:
        return None, None
    return month, repeat_lines(company, user, month.lines, contract, currency=month.currency)
