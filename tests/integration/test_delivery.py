"""Webhook delivery to a real HTTP ERP on 127.0.0.1: signed, recorded, retried on a backoff
schedule, dead-lettered, held back by the circuit breaker and by a pause."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from dealerdesk.core import http, outbox
from dealerdesk.core.models import AuditEntry, OutboxMessage
from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import Delivery, DeliveryAttempt, WebhookEndpoint
from dealerdesk.integration.outbound.delivery import (
    claim_due,
    deliver_due,
    fan_out,
    pause_endpoint,
    replay,
    resume_endpoint,
    retry_now,
)
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.services import OrderLineRequest, place_order
from tests.integration.erp_server import running_erp

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp():  # type: ignore[no-untyped-def]
    with running_erp() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Time moves on when the test says so (kept under the five minutes a Standard Webhooks
    receiver tolerates between signing and receiving)."""
    real_now = timezone.now
    moved = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + moved.offset)
    return moved


@pytest.fixture(autouse=True)
def _schedule(settings):  # type: ignore[no-untyped-def]
    settings.DEALERDESK_WEBHOOK_BACKOFF = [5, 30]
    settings.DEALERDESK_WEBHOOK_CIRCUIT_FAILURES = 5
    settings.DEALERDESK_WEBHOOK_CIRCUIT_SECONDS = 60


def endpoint_for(erp, **fields) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    fields.setdefault("name", "ERP")
    fields.setdefault("timeout_seconds", 2)
    return WebhookEndpoint.objects.create(url=erp.url, secret=erp.secret, **fields)


def event(topic: str = "order.cancelled", number: str = "DD-0000009") -> OutboxMessage:
    return outbox.enqueue(topic, f"order:{number}", {"number": number, "total": Decimal("1.50")})


def test_an_event_is_posted_signed_once_and_every_attempt_recorded(erp):
    endpoint = endpoint_for(erp)
    message = event()

    run = deliver_due(10)

    assert (run.fanned_out, run.delivered) == (1, 1)
    assert erp.bad_signatures == 0
    [request] = erp.requests
    assert request.webhook_id == str(message.pk)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("Dealerdesk/")
    assert request.json() == {
        "type": "order.cancelled",
        "timestamp": message.created_at.isoformat(),
        "data": {"number": "DD-0000009", "total": "1.50"},
    }
    assert b", " not in request.body  # compact JSON
    delivery = Delivery.objects.get(message=message, endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.lease_until) == ("delivered", 1, None)
    [attempt] = DeliveryAttempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    assert attempt.url == erp.url
    assert json.loads(attempt.response_body) == {"received": True}
    assert attempt.request_headers["webhook-id"] == str(message.pk)
    assert erp.secret not in json.dumps(attempt.request_headers)
    message.refresh_from_db()
    assert message.delivered_at is not None


def test_a_failure_is_retried_after_the_backoff_with_the_same_webhook_id(erp, clock):
    endpoint_for(erp)
    message = event()
    erp.fail()

    deliver_due(10)

    delivery = Delivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 500)
    assert "HTTP 500" in delivery.last_error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 4 < wait <= 5.5  # 5 s and a little jitter

    deliver_due(10)  # not due yet
    assert len(erp.requests) == 1

    erp.come_back()
    clock.advance(6)
    deliver_due(10)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert {r.webhook_id for r in erp.requests} == {str(message.pk)}
    assert erp.times_applied(str(message.pk)) == 1


def test_the_last_backoff_step_repeats_then_the_delivery_is_dead_lettered(erp, clock):
    endpoint_for(erp, max_attempts=4)
    message = event()
    erp.go_down()
    waits = []

    for _ in range(4):
        deliver_due(10)
        delivery = Delivery.objects.get(message=message)
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
        clock.advance(40)

    assert waits[0] in {5, 6}
    assert all(30 <= wait <= 33 for wait in waits[1:])
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 4, None)
    deliver_due(10)
    assert len(erp.requests) == 4  # the dead letter waits for a person


def test_the_circuit_opens_after_failures_in_a_row_and_one_delivery_probes(erp, clock, settings):
    settings.DEALERDESK_WEBHOOK_CIRCUIT_FAILURES = 2
    settings.DEALERDESK_WEBHOOK_BACKOFF = [1]
    endpoint = endpoint_for(erp)
    messages = [event(number=f"DD-000000{n}") for n in range(1, 4)]
    erp.go_down(refuse=True)

    run = deliver_due(10)

    endpoint.refresh_from_db()
    assert (run.retrying, run.not_attempted) == (2, 1)
    assert endpoint.consecutive_failures == 2
    assert endpoint.circuit_open_until is not None
    held = Delivery.objects.get(message=messages[2])
    assert (held.attempts, held.next_attempt_at) == (0, endpoint.circuit_open_until)
    assert "could not connect" in Delivery.objects.get(message=messages[0]).last_error

    clock.advance(5)  # the retries are due, the circuit is still open
    assert deliver_due(10).retrying == 0
    assert Delivery.objects.filter(attempts__gt=1).count() == 0

    clock.advance(60)  # half-open: one probe, it fails, the circuit opens again
    run = deliver_due(10)
    assert (run.retrying, run.delivered) == (1, 0)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3
    assert endpoint.circuit_open_until > timezone.now() + dt.timedelta(seconds=55)

    erp.come_back()
    clock.advance(61)  # the probe gets through and closes the circuit for the rest
    deliver_due(10)
    clock.advance(2)
    deliver_due(10)

    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.circuit_open_until) == (0, None)
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 3
    assert all(erp.times_applied(str(m.pk)) == 1 for m in messages)


def test_a_paused_endpoint_waits_without_attempts_until_resumed(erp, world):
    endpoint = endpoint_for(erp)
    admin = world.admin.user
    pause_endpoint(endpoint, by=admin, reason="ERP upgrade tonight")
    message = event()

    deliver_due(10)

    delivery = Delivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts, erp.requests) == ("pending", 0, [])
    endpoint.refresh_from_db()
    assert endpoint.paused_reason == "ERP upgrade tonight"

    resume_endpoint(endpoint, by=admin)
    deliver_due(10)

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    verbs = list(
        AuditEntry.objects.filter(object_type="integration.webhookendpoint")
        .order_by("id")
        .values_list("verb", "actor_id")
    )
    assert verbs == [
        ("paused a webhook endpoint", admin.pk),
        ("resumed a webhook endpoint", admin.pk),
    ]


def test_an_inactive_endpoint_gets_no_new_events_and_its_old_ones_wait(erp):
    endpoint = endpoint_for(erp)
    waiting = event(number="DD-0000001")
    fan_out()
    endpoint.is_active = False
    endpoint.save()
    later = event(number="DD-0000002")

    deliver_due(10)

    assert erp.requests == []
    assert Delivery.objects.get(message=waiting).attempts == 0
    assert not Delivery.objects.filter(message=later).exists()


def test_an_endpoint_gets_only_the_topics_it_asked_for(erp):
    placed_only = endpoint_for(erp, name="orders in", topics=["order.placed"])
    everything = endpoint_for(erp, name="audit log", topics=[])
    message = event(topic="order.cancelled")

    fan_out()

    assert list(Delivery.objects.filter(message=message).values_list("endpoint", flat=True)) == [
        everything.pk
    ]
    assert not placed_only.deliveries.exists()


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_expires(erp, clock):
    endpoint_for(erp, timeout_seconds=3)
    event()
    fan_out()

    [first] = claim_due(5)

    assert claim_due(5) == []
    # Connecting (3 s at most), waiting for the answer (3 s) and a margin of 5 s.
    assert 10 < (first.lease_until - timezone.now()).total_seconds() <= 11
    clock.advance(12)  # the worker that claimed it died
    assert [d.pk for d in claim_due(5)] == [first.pk]


def test_a_slow_erp_is_cut_off_at_the_endpoint_timeout(erp):
    endpoint_for(erp, timeout_seconds=1)
    message = event()
    erp.slow(2.5)

    deliver_due(10)

    delivery = Delivery.objects.get(message=message)
    [attempt] = delivery.attempt_log.all()
    assert delivery.status == "retrying"
    assert "timed out after 1 s" in attempt.error
    assert attempt.status_code is None
    assert 900 <= attempt.duration_ms < 2400


def test_retry_now_sends_a_dead_letter_again_keeping_its_attempts(erp, world):
    endpoint_for(erp, max_attempts=1)
    message = event()
    erp.go_down()
    deliver_due(10)
    dead = Delivery.objects.get(message=message)
    assert dead.status == "dead"

    erp.come_back()
    assert retry_now([dead], by=world.admin.user) == 1
    deliver_due(10)

    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("delivered", 2)
    assert AuditEntry.objects.filter(verb="retried a delivery now", object_id=str(dead.pk)).exists()


def test_replay_sends_a_delivered_event_again_with_the_same_webhook_id(erp, world):
    endpoint_for(erp)
    message = event()
    deliver_due(10)

    assert replay([message], by=world.admin.user) == 1
    deliver_due(10)

    assert [r.webhook_id for r in erp.requests] == [str(message.pk)] * 2
    assert erp.times_applied(str(message.pk)) == 1
    assert erp.duplicates[str(message.pk)] == 1
    assert Delivery.objects.get(message=message).attempts == 2


def test_the_order_shows_it_reached_the_erp_with_the_erp_number(erp, world, shop):
    endpoint_for(erp, topics=["order.placed"])
    placed = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="reached-erp-0001",
        notify=False,
    )
    order = placed.order
    assert order.status == OrderStatus.PLACED

    deliver_due(10)

    order.refresh_from_db()
    [request] = erp.requests
    assert request.json()["data"]["number"] == order.number
    assert order.status == OrderStatus.ACCEPTED
    assert order.erp_number == erp.applied[request.webhook_id]
    assert order.erp_number.startswith("SO-")


# --- the one outbound HTTP client -----------------------------------------------------------


class _Answers(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        # Read the request first: a socket closed with unread bytes in it is reset, and the
        # reset throws away the answer the client has not read yet.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"x" * (http.MAX_BODY_BYTES * 3)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def answers():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_http_client_follows_no_redirect(answers):
    result = http.post(f"{answers}/moved", "{}", timeout=2)

    assert (result.status_code, result.ok, result.error) == (302, False, "")


def test_the_http_client_cuts_a_large_answer(answers):
    result = http.post(f"{answers}/big", "{}", timeout=2)

    assert result.ok
    assert result.truncated
    assert len(result.body) == http.MAX_BODY_BYTES


def test_the_http_client_reports_a_refused_connection_instead_of_raising(answers):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    port = closed.server_address[1]
    closed.server_close()

    result = http.post(f"http://127.0.0.1:{port}/", "{}", timeout=2)

    assert result.status_code is None
    assert not result.ok
    assert result.error.startswith("could not connect")


def test_the_http_client_reports_a_bad_address_instead_of_raising():
    result = http.post("ftp://127.0.0.1/file", "{}", timeout=2)

    assert not result.ok
    assert result.error
