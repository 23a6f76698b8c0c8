"""Delivering outbox events to the ERP as signed webhooks, with every bit of state in the
database so that any number of workers can share the work.

An event is fanned out to one ``Delivery`` per receiver; a worker claims due deliveries
with a lease (``lease_until``) so that no two workers send the same one at once, and a
worker that dies mid-send leaves a lease that simply expires. Failures are retried on the
``DEALERDESK_WEBHOOK_BACKOFF`` schedule and dead-lettered after the endpoint's last
attempt; a circuit breaker per endpoint stops hammering an ERP that is down.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import random
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from dealerdesk.core import audit, http
from dealerdesk.core.models import AuditAction, OutboxMessage
from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import ApiClient, Delivery, DeliveryAttempt, WebhookEndpoint
from dealerdesk.integration.outbound.signing import signed_headers
from dealerdesk.ordering.erp import mark_reached_erp

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
ORDER_PLACED = "order.placed"
RESPONSE_KEPT_CHARS = 2000
# Time a worker keeps a claimed delivery beyond the endpoint's timeout: enough to write
# down the answer; after it another worker may send the delivery again.
DEFAULT_LEASE_MARGIN_SECONDS = 5
# A retry is moved by up to this share of its delay, so that deliveries that failed
# together (the ERP went down) do not all come back at the same second.
JITTER = 0.1
FAN_OUT_BATCH = 500


class SendOutcome(enum.StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    DEAD = "dead"
    CIRCUIT_OPEN = "circuit_open"  # not attempted: the endpoint's circuit is open
    WAITING = "waiting"  # not attempted: the endpoint is paused or switched off


@dataclass
class DeliveryRun:
    """What one ``deliver_due`` pass did."""

    fanned_out: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    not_attempted: int = 0

    def count(self, outcome: SendOutcome) -> None:
        if outcome is SendOutcome.DELIVERED:
            self.delivered += 1
        elif outcome is SendOutcome.RETRYING:
            self.retrying += 1
        elif outcome is SendOutcome.DEAD:
            self.dead += 1
        else:
            self.not_attempted += 1


def worker_name() -> str:
    """Who makes an attempt, as recorded with it: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _skip_locked(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Lock the rows read, passing over rows another worker holds (PostgreSQL); SQLite
    serialises writers by itself and has no row locks."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def fan_out(limit: int = FAN_OUT_BATCH) -> int:
    """Make the deliveries of events not yet fanned out: one per active endpoint that wants
    the topic and one per client that pulls events. Returns the number of events done."""
    with transaction.atomic():
        messages = list(
            _skip_locked(
                OutboxMessage.objects.filter(fanned_out_at__isnull=True).order_by(
                    "created_at", "id"
                )
            )[:limit]
        )
        if not messages:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        pullers = list(ApiClient.objects.filter(is_active=True, pulls_events=True))
        rows = [
            Delivery(message=message, endpoint=endpoint)
            for message in messages
            for endpoint in endpoints
            if endpoint.wants(message.topic)
        ]
        rows += [
            Delivery(message=message, client=client) for message in messages for client in pullers
        ]
        Delivery.objects.bulk_create(rows)
        OutboxMessage.objects.filter(pk__in=[message.pk for message in messages]).update(
            fanned_out_at=timezone.now()
        )
    return len(messages)


def lease_margin() -> dt.timedelta:
    seconds = getattr(settings, "DEALERDESK_DELIVERY_LEASE_SECONDS", DEFAULT_LEASE_MARGIN_SECONDS)
    return dt.timedelta(seconds=seconds)


def due_deliveries(now: dt.datetime) -> QuerySet[Delivery]:
    """Webhook deliveries that may be sent now: open, due, not leased by a live worker, to
    an active endpoint that is not paused and whose circuit is not open."""
    return (
        Delivery.objects.filter(
            endpoint__isnull=False,
            status__in=OPEN,
            endpoint__is_active=True,
            endpoint__paused_at__isnull=True,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .filter(
            Q(endpoint__circuit_open_until__isnull=True) | Q(endpoint__circuit_open_until__lte=now)
        )
    )


def claim_due(limit: int = 10) -> list[Delivery]:
    """Take up to ``limit`` due deliveries for this worker, oldest first.

    Each lease lasts until this worker can have sent everything claimed before it and it
    (the endpoints' timeouts add up) plus a margin, so a delivery waiting its turn in the
    batch is not taken over by another worker meanwhile. An ERP that trickles its answer
    for longer may see the event twice, with the same ``webhook-id``.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            _skip_locked(
                due_deliveries(now)
                .select_related("message", "endpoint")
                .order_by("created_at", "id")
            )[:limit]
        )
        lease_until = now + lease_margin()
        for delivery in claimed:
            timeout = delivery.endpoint.timeout_seconds if delivery.endpoint else 0
            lease_until += dt.timedelta(seconds=http.longest_silence(timeout))
            delivery.lease_until = lease_until
        Delivery.objects.bulk_update(claimed, ["lease_until"])
    return claimed


def release(deliveries: Iterable[Delivery]) -> None:
    """Give claimed deliveries back unsent (the worker's time is up)."""
    Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
        lease_until=None
    )


def event_body(message: OutboxMessage) -> str:
    """The webhook body: compact JSON, the same on every retry of the event."""
    envelope = {
        "type": message.topic,
        "timestamp": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def send(delivery: Delivery, *, worker: str = "") -> SendOutcome:
    """Try one claimed delivery once, record the attempt, and decide what comes next."""
    if delivery.endpoint_id is None:
        raise ValueError("Only webhook deliveries are sent; pulled ones wait for their client.")
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    if not endpoint.is_active or endpoint.paused_at is not None:
        release([delivery])
        return SendOutcome.WAITING
    if not _circuit_lets_through(endpoint):
        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=endpoint.circuit_open_until, lease_until=None
        )
        return SendOutcome.CIRCUIT_OPEN
    message = delivery.message
    body = event_body(message)
    sent_at = timezone.now()
    headers = {
        "content-type": "application/json",
        **signed_headers(endpoint.secret, str(message.pk), sent_at, body),
    }
    result = http.post(endpoint.url, body, headers=headers, timeout=endpoint.timeout_seconds)
    return _record(
        delivery,
        endpoint,
        result,
        started_at=sent_at,
        request_headers={"user-agent": http.USER_AGENT, **headers},
        worker=worker or worker_name(),
    )


def _circuit_lets_through(endpoint: WebhookEndpoint) -> bool:
    """Closed: yes. Open: no. Half-open (open time over): yes for exactly one delivery,
    the probe, which holds the circuit shut for the others while it tries."""
    now = timezone.now()
    if endpoint.circuit_open_until is not None and endpoint.circuit_open_until > now:
        return False
    if endpoint.consecutive_failures < settings.DEALERDESK_WEBHOOK_CIRCUIT_FAILURES:
        return True
    probe_until = now + dt.timedelta(seconds=http.longest_silence(endpoint.timeout_seconds))
    probe_until += lease_margin()
    took_probe = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, circuit_open_until=endpoint.circuit_open_until
    ).update(circuit_open_until=probe_until)
    if not took_probe:
        endpoint.refresh_from_db(fields=["circuit_open_until"])
    return bool(took_probe)


def _record(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    result: http.HttpResult,
    *,
    started_at: dt.datetime,
    request_headers: dict[str, str],
    worker: str,
) -> SendOutcome:
    """Write the attempt and the delivery's, endpoint's and order's new state in one
    transaction."""
    now = timezone.now()
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        current.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=current,
            number=current.attempts,
            started_at=started_at,
            duration_ms=result.duration_ms,
            url=endpoint.url,
            request_headers=request_headers,
            status_code=result.status_code,
            response_body=result.body[:RESPONSE_KEPT_CHARS],
            error=result.error,
            worker=worker[:100],
        )
        current.lease_until = None
        current.last_status_code = result.status_code
        if result.ok:
            outcome = SendOutcome.DELIVERED
            current.status = DeliveryStatus.DELIVERED
            current.delivered_at = now
            current.next_attempt_at = None
            current.last_error = ""
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, circuit_open_until=None, last_success_at=now
            )
        else:
            outcome = _failed(current, endpoint, result, now)
        current.save(
            update_fields=[
                "attempts",
                "status",
                "next_attempt_at",
                "lease_until",
                "last_error",
                "last_status_code",
                "delivered_at",
            ]
        )
        if outcome is SendOutcome.DELIVERED:
            settle_message(current.message_id, now)
            # In the same transaction: a worker that dies right after the ERP answered
            # leaves neither a delivered event with an order still "placed" nor the reverse.
            if delivery.message.topic == ORDER_PLACED:
                order_reached_erp(
                    delivery.message, _erp_number(result.body), source=f"webhook {endpoint.name}"
                )
    return outcome


def _failed(
    delivery: Delivery, endpoint: WebhookEndpoint, result: http.HttpResult, now: dt.datetime
) -> SendOutcome:
    delivery.last_error = result.error or f"HTTP {result.status_code}: {result.body[:300]}"
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
    )
    failures = WebhookEndpoint.objects.values_list("consecutive_failures", flat=True).get(
        pk=endpoint.pk
    )
    if failures >= settings.DEALERDESK_WEBHOOK_CIRCUIT_FAILURES:
        opened = now + dt.timedelta(seconds=settings.DEALERDESK_WEBHOOK_CIRCUIT_SECONDS)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(circuit_open_until=opened)
    if delivery.status == DeliveryStatus.DELIVERED:
        # Another worker got it through after this one's lease ran out; that stands.
        return SendOutcome.DELIVERED
    if delivery.attempts >= endpoint.max_attempts:
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
        return SendOutcome.DEAD
    delivery.status = DeliveryStatus.RETRYING
    delivery.next_attempt_at = now + backoff(delivery.attempts)
    return SendOutcome.RETRYING


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: the schedule's entry for it (the last one
    repeats), moved a little at random."""
    schedule = settings.DEALERDESK_WEBHOOK_BACKOFF or [60]
    delay = schedule[min(attempts, len(schedule)) - 1]
    return dt.timedelta(seconds=delay * (1 + random.uniform(0, JITTER)))  # noqa: S311


def settle_message(message_id: Any, now: dt.datetime) -> None:
    """Mark the event delivered once every receiver has it."""
    if (
        not Delivery.objects.filter(message_id=message_id)
        .exclude(status=DeliveryStatus.DELIVERED)
        .exists()
    ):
        OutboxMessage.objects.filter(pk=message_id, delivered_at__isnull=True).update(
            delivered_at=now
        )


def order_reached_erp(message: OutboxMessage, erp_number: str, *, source: str) -> None:
    """Tell ordering that the order of an ``order.placed`` event reached the ERP."""
    _prefix, _colon, number = message.key.partition(":")
    mark_reached_erp(number, erp_number=erp_number, source=source)


def _erp_number(body: str) -> str:
    """The ERP's order number from its answer, when it gives one ("" otherwise)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return ""
    found = answer.get("erp_number") if isinstance(answer, dict) else None
    return found.strip() if isinstance(found, str) else ""


def deliver_due(time_budget_s: float = 20.0, *, batch: int = 10, worker: str = "") -> DeliveryRun:
    """Fan out new events, then send due deliveries until none is due or the time is up."""
    worker = worker or worker_name()
    deadline = time.monotonic() + time_budget_s
    run = DeliveryRun(fanned_out=fan_out())
    while time.monotonic() < deadline:
        claimed = claim_due(batch)
        if not claimed:
            break
        for index, delivery in enumerate(claimed):
            if time.monotonic() >= deadline:
                release(claimed[index:])
                return run
            run.count(send(delivery, worker=worker))
        run.fanned_out += fan_out()
    return run


# --- what staff do from the sync monitor ---------------------------------------------------


def retry_now(
    deliveries: Iterable[Delivery], *, by: Any = None, source: str = "back office"
) -> int:
    """Send failed or dead-lettered deliveries again at once; their attempts are kept, so
    a dead one that fails again is dead again. Returns how many were queued."""
    ids = [delivery.pk for delivery in deliveries]
    now = timezone.now()
    with transaction.atomic():
        chosen = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=ids, status__in=(DeliveryStatus.RETRYING, DeliveryStatus.DEAD))
            .order_by("pk")
        )
        for delivery in chosen:
            before = audit.snapshot(delivery, ["status", "next_attempt_at"])
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now
            delivery.lease_until = None
            delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
            audit.record(
                actor=by,
                instance=delivery,
                action=AuditAction.ACTION,
                verb="retried a delivery now",
                before=before,
                after=audit.snapshot(delivery, ["status", "next_attempt_at"]),
                source=source,
            )
    return len(chosen)


def replay(
    events: Iterable[OutboxMessage | Delivery], *, by: Any = None, source: str = "back office"
) -> int:
    """Send delivered events again, with the same ``webhook-id`` (an ERP that applies each
    id once ignores the repeat): an event to every receiver that had it, a delivery to its
    own receiver. Returns how many deliveries were queued."""
    events = list(events)
    message_ids = [item.pk for item in events if isinstance(item, OutboxMessage)]
    delivery_ids = [item.pk for item in events if isinstance(item, Delivery)]
    now = timezone.now()
    with transaction.atomic():
        chosen = list(
            Delivery.objects.select_for_update()
            .filter(Q(message_id__in=message_ids) | Q(pk__in=delivery_ids))
            .filter(status=DeliveryStatus.DELIVERED)
            .order_by("pk")
        )
        for delivery in chosen:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now
            delivery.delivered_at = None
            delivery.lease_until = None
            delivery.save(
                update_fields=["status", "next_attempt_at", "delivered_at", "lease_until"]
            )
        replayed = {delivery.message_id for delivery in chosen}
        OutboxMessage.objects.filter(pk__in=replayed).update(delivered_at=None)
        for message in OutboxMessage.objects.filter(pk__in=replayed).order_by("pk"):
            audit.record(
                actor=by,
                instance=message,
                action=AuditAction.ACTION,
                verb="replayed an event to the ERP",
                after={"deliveries": sum(d.message_id == message.pk for d in chosen)},
                company_id=message.company_id,
                source=source,
            )
    return len(chosen)


def pause_endpoint(
    endpoint: WebhookEndpoint, *, by: Any = None, reason: str = "", source: str = "back office"
) -> WebhookEndpoint:
    """Stop sending to ``endpoint``; its deliveries wait, without attempts, until resumed."""
    return _set_paused(endpoint, by=by, paused=True, reason=reason, source=source)


def resume_endpoint(
    endpoint: WebhookEndpoint, *, by: Any = None, source: str = "back office"
) -> WebhookEndpoint:
    """Send to ``endpoint`` again; what waited goes out in order of arrival."""
    return _set_paused(endpoint, by=by, paused=False, reason="", source=source)


def _set_paused(
    endpoint: WebhookEndpoint, *, by: Any, paused: bool, reason: str, source: str
) -> WebhookEndpoint:
    fields = ["paused_at", "paused_reason"]
    with transaction.atomic():
        current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = audit.snapshot(current, fields)
        current.paused_at = timezone.now() if paused else None
        current.paused_reason = reason.strip()[:255]
        current.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=by,
            instance=current,
            verb="paused a webhook endpoint" if paused else "resumed a webhook endpoint",
            before=before,
            after=audit.snapshot(current, fields),
            source=source,
        )
    return current
