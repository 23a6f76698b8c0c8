"""Nothing is lost and nothing is applied twice: the ERP goes down while orders are placed,
and a worker is killed in the middle of a delivery. Real worker processes on PostgreSQL,
a real HTTP ERP on 127.0.0.1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.core.models import OutboxMessage
from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import Delivery, WebhookEndpoint
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import OrderLineRequest, place_order
from tests.integration.erp_server import running_erp, wait_until
from tests.integration.worker_process import worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Quick retries, and a circuit that opens and closes within the test.
WORKER_ENV = {
    "DEALERDESK_WEBHOOK_BACKOFF": "1,1,1",
    "DEALERDESK_CIRCUIT_FAILURES": "4",
    "DEALERDESK_CIRCUIT_SECONDS": "2",
}


@pytest.fixture
def erp():  # type: ignore[no-untyped-def]
    with running_erp() as server:
        yield server


@pytest.fixture(autouse=True)
def _queued_tasks(settings):  # type: ignore[no-untyped-def]
    """Orders placed here queue their delivery for the worker process, as in production."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "imports"],
        }
    }


def order(world, key: str) -> Order:  # type: ignore[no-untyped-def]
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key=key,
        notify=False,
    ).order


def delivered() -> int:
    return Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count()


def test_orders_placed_while_the_erp_is_down_are_delivered_once_when_it_is_back(
    postgres_only, world, shop, delivery_options, erp, tmp_path
):
    WebhookEndpoint.objects.create(
        name="ERP", url=erp.url, secret=erp.secret, timeout_seconds=2, max_attempts=100
    )
    erp.go_down()

    with worker_process(tmp_path / "worker.log", **WORKER_ENV):
        orders = [order(world, f"while-down-{n:04d}") for n in range(3)]
        wait_until(lambda: len(erp.requests) >= 6, 20)  # the worker keeps trying
        assert delivered() == 0

        erp.come_back()
        wait_until(lambda: delivered() == 3, 25)

    ids = [str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True)]
    assert len(ids) == 3
    assert all(erp.times_applied(webhook_id) == 1 for webhook_id in ids)
    assert erp.bad_signatures == 0
    assert sum(d.attempts for d in Delivery.objects.all()) > 3  # retried, and recorded
    for placed in orders:
        placed.refresh_from_db()
        assert placed.status == OrderStatus.ACCEPTED
        assert placed.erp_number.startswith("SO-")


def test_an_event_in_flight_when_the_worker_is_killed_is_delivered_after_a_restart(
    postgres_only, world, shop, delivery_options, erp, tmp_path
):
    # The lease covers connecting and waiting for the answer (2 s each) and a margin of
    # 5 s: a restarted worker takes the delivery over about 9 s after the first claimed it.
    WebhookEndpoint.objects.create(name="ERP", url=erp.url, secret=erp.secret, timeout_seconds=2)
    erp.slow(1.5)
    log = tmp_path / "worker.log"

    with worker_process(log, **WORKER_ENV) as first:
        placed = order(world, "killed-worker-0001")
        wait_until(lambda: erp.requests, 15)  # the ERP is working on it…
        first.kill()  # …and the worker dies (SIGKILL) before the answer comes
        first.wait(timeout=5)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.lease_until is not None

    erp.come_back()
    with worker_process(log, **WORKER_ENV):
        wait_until(lambda: delivered() == 1, 30)

    webhook_id = str(delivery.message_id)
    assert [r.webhook_id for r in erp.requests] == [webhook_id, webhook_id]
    assert erp.times_applied(webhook_id) == 1
    assert erp.duplicates[webhook_id] == 1
    delivery.refresh_from_db()
    [attempt] = delivery.attempt_log.all()  # the killed worker never wrote its attempt
    assert attempt.status_code == 200
    placed.refresh_from_db()
    assert placed.status == OrderStatus.ACCEPTED
