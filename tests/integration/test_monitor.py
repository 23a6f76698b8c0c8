"""The sync monitor's figures, its SLA alerts, and the Prometheus metrics built on them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dealerdesk.core.models import OutboxMessage
from dealerdesk.integration import monitor
from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.models import InboundMessage, SyncAlert, SyncCategory
from dealerdesk.ordering.services import OrderLineRequest, place_order

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def _message(client, category: str, *, status: str, finished_ago: dt.timedelta, rejected=0):
    finished = timezone.now() - finished_ago
    message = InboundMessage.objects.create(
        client=client,
        message_id=f"m-{next(_numbers)}",
        feed=category,
        category=category,
        status=status,
        content_type="application/json",
        body=ContentFile(b"{}", "m.json"),
        body_sha256="0" * 64,
        finished_at=finished,
        rejected=rejected,
    )
    InboundMessage.objects.filter(pk=message.pk).update(received_at=finished)
    return message


def _row(code: str) -> monitor.CategoryHealth:
    return next(row for row in monitor.health() if row.code == code)


def test_every_category_has_a_row_with_its_cadence(erp):
    codes = [row.code for row in monitor.health()]
    assert codes == ["products", "prices", "stock", "customers", "orders_out", "order_statuses"]
    assert _row("products").cadence == "Daily"


def test_lag_is_the_time_since_the_last_successful_message(erp):
    _message(erp.client, "stock", status=InboundStatus.DONE, finished_ago=dt.timedelta(minutes=20))
    _message(erp.client, "stock", status=InboundStatus.FAILED, finished_ago=dt.timedelta(minutes=1))
    _message(
        erp.client,
        "stock",
        status=InboundStatus.DONE,
        rejected=2,
        finished_ago=dt.timedelta(minutes=30),
    )

    row = _row("stock")

    assert 19 * 60 < row.lag_seconds < 21 * 60
    assert row.messages_hour == 3
    assert row.failed_day == 2  # the failed one and the one with rejected rows
    assert row.error_rate == pytest.approx(2 / 3)
    assert row.breached  # the default SLA for stock is 15 minutes
    assert not _row("prices").breached  # no SLA


def test_an_sla_breach_raises_one_alert_by_mail_and_webhook_event_then_clears(
    erp, world, mailoutbox, django_capture_on_commit_callbacks
):
    _message(erp.client, "stock", status=InboundStatus.DONE, finished_ago=dt.timedelta(minutes=40))

    with django_capture_on_commit_callbacks(execute=True):
        raised = monitor.check_alerts()
        again = monitor.check_alerts()

    assert [alert.category for alert in raised] == ["stock"]
    assert again == []
    assert SyncAlert.objects.filter(cleared_at__isnull=True).count() == 1
    [mail] = mailoutbox
    assert world.admin.user.email in mail.to
    assert "Stock: last synced 40 min ago (SLA 15 min)" in mail.subject
    event = OutboxMessage.objects.get(topic="sync.alert")
    assert event.payload["category"] == "stock"
    assert _row("stock").red

    _message(erp.client, "stock", status=InboundStatus.DONE, finished_ago=dt.timedelta(minutes=1))
    monitor.check_alerts()

    assert SyncAlert.objects.get().cleared_at is not None
    assert not _row("stock").red


def test_orders_out_lag_is_the_oldest_order_the_erp_has_not_accepted(world, shop):
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="order-lag-1",
    ).order
    type(placed).objects.filter(pk=placed.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=9)
    )

    row = _row("orders_out")

    assert 8 * 60 < row.lag_seconds < 10 * 60
    assert row.breached  # default SLA: accepted within 5 minutes
    SyncCategory.objects.filter(code="orders_out").update(sla_minutes=None)
    assert not _row("orders_out").breached


def test_metrics_show_lag_queue_depth_and_request_latency(client, erp):
    _message(erp.client, "prices", status=InboundStatus.DONE, finished_ago=dt.timedelta(minutes=2))
    client.get("/healthz")

    body = client.get("/metrics").content.decode()

    assert 'dealerdesk_sync_lag_seconds{category="prices"}' in body
    assert 'dealerdesk_queue_depth{queue="deliveries_pending"} 0.0' in body
    assert 'dealerdesk_request_seconds_count{method="GET",route="healthz",status="2xx"}' in body
    assert "dealerdesk_workers_alive" in body


def test_metrics_ask_for_the_token_when_one_is_set(client, settings):
    settings.DEALERDESK_METRICS_TOKEN = "s3cret-metrics"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics").status_code == 200
