"""Writing events for the ERP: ``enqueue`` inside the transaction of the change.

Delivery lives above the core (``integration``): it registers a callback with
``on_commit_of_events`` that runs after a transaction that wrote events commits, so the
worker starts sending at once instead of at its next poll. A rolled-back change has no
event and wakes nobody.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from dealerdesk.core.models import OutboxMessage

_after_commit: list[Callable[[], None]] = []


def on_commit_of_events(callback: Callable[[], None]) -> None:
    """Run ``callback`` after every transaction that wrote events commits."""
    if callback not in _after_commit:
        _after_commit.append(callback)


def enqueue(
    topic: str, key: str, payload: dict[str, Any], company_id: int | None = None
) -> OutboxMessage:
    """Record an event in the current transaction; it is delivered only if that commits.

    Decimals, dates and UUIDs are written as strings (``DjangoJSONEncoder``), so that the
    ERP receives exact amounts.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() belongs inside the transaction of the change it reports")
    message = OutboxMessage.objects.create(
        topic=topic, key=key, company_id=company_id, payload=_plain(payload)
    )
    for callback in _after_commit:
        # robust: the change has committed; a failing wake-up must not turn it into an error
        # (the worker's schedule finds the events anyway).
        transaction.on_commit(callback, robust=True)
    return message


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    encoded: dict[str, Any] = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return encoded
