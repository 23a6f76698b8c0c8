"""Events for ERPs that poll instead of receiving webhooks (a 1C exchange, an ERP behind a
firewall): the client fetches its unacknowledged events, oldest first, and acknowledges
what it has applied. Nothing then depends on the ERP being reachable from the portal.

Each client has its own ``Delivery`` per event, so one client's acknowledgement never
hides an event from another.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models import ApiClient, Delivery
from dealerdesk.integration.outbound.delivery import (
    OPEN,
    ORDER_PLACED,
    fan_out,
    order_reached_erp,
    settle_message,
)

MAX_PAGE = 1000


class PullErrorCode(enum.StrEnum):
    NOT_PULLING = "pull_not_enabled"
    UNKNOWN_CURSOR = "unknown_cursor"


PULL_MESSAGES = {
    PullErrorCode.NOT_PULLING: "This client does not pull events: ask the supplier's admin to "
    "switch on 'pulls order events' for it, or receive them as webhooks.",
    PullErrorCode.UNKNOWN_CURSOR: "'after' is not the id of an event of this client; use an "
    "id from an earlier page, or leave it out to start from the oldest unacknowledged event.",
}


class PullError(Exception):
    def __init__(self, code: PullErrorCode) -> None:
        self.code = code
        self.message = PULL_MESSAGES[code]
        super().__init__(self.message)


@dataclass(frozen=True)
class PulledEvent:
    id: uuid.UUID
    type: str
    key: str
    created_at: dt.datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class EventPage:
    events: list[PulledEvent]
    more: bool


@dataclass(frozen=True)
class Acknowledged:
    acknowledged: int
    unknown: list[uuid.UUID]


def pull_events(
    client: ApiClient, *, limit: int = 100, after: uuid.UUID | None = None
) -> EventPage:
    """The client's unacknowledged events, oldest first, after the event ``after``."""
    if not client.pulls_events:
        raise PullError(PullErrorCode.NOT_PULLING)
    limit = max(1, min(limit, MAX_PAGE))
    # Events committed since the worker last ran are fanned out here, so a client polling
    # a portal without a running worker still gets them.
    fan_out()
    waiting = Delivery.objects.filter(client=client, status__in=OPEN)
    if after is not None:
        cursor = (
            Delivery.objects.filter(client=client, message_id=after)
            .values("message__created_at", "message_id")
            .first()
        )
        if cursor is None:
            raise PullError(PullErrorCode.UNKNOWN_CURSOR)
        created_at = cursor["message__created_at"]
        waiting = waiting.filter(
            Q(message__created_at__gt=created_at)
            | Q(message__created_at=created_at, message_id__gt=cursor["message_id"])
        )
    rows = list(
        waiting.select_related("message").order_by("message__created_at", "message_id")[: limit + 1]
    )
    events = [
        PulledEvent(
            id=row.message.pk,
            type=row.message.topic,
            key=row.message.key,
            created_at=row.message.created_at,
            data=row.message.payload,
        )
        for row in rows[:limit]
    ]
    return EventPage(events=events, more=len(rows) > limit)


def acknowledge(client: ApiClient, ids: Sequence[uuid.UUID]) -> Acknowledged:
    """Mark the client's events ``ids`` delivered; ids that are not waiting for this
    client (unknown, another client's, acknowledged already) come back as ``unknown``."""
    if not client.pulls_events:
        raise PullError(PullErrorCode.NOT_PULLING)
    wanted = list(dict.fromkeys(ids))
    now = timezone.now()
    with transaction.atomic():
        acked = list(
            Delivery.objects.select_for_update()
            .filter(client=client, message_id__in=wanted, status__in=OPEN)
            .select_related("message")
            .order_by("pk")
        )
        Delivery.objects.filter(pk__in=[row.pk for row in acked]).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            last_error="",
        )
        for message_id in {row.message_id for row in acked}:
            settle_message(message_id, now)
        for row in acked:
            if row.message.topic == ORDER_PLACED:
                order_reached_erp(row.message, "", source=f"pull {client.name}")
    done = {row.message_id for row in acked}
    return Acknowledged(
        acknowledged=len(acked), unknown=[event_id for event_id in wanted if event_id not in done]
    )
