"""Writing events for the ERP: ``enqueue`` inside the transaction of the change."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from dealerdesk.core.models import OutboxMessage


def enqueue(topic: str, key: str, payload: dict[str, Any], company_id: int | None = None) -> None:
    """Record an event in the current transaction; it is delivered only if that commits.

    Decimals, dates and UUIDs are written as strings (``DjangoJSONEncoder``), so that the
    ERP receives exact amounts.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() belongs inside the transaction of the change it reports")
    OutboxMessage.objects.create(
        topic=topic, key=key, company_id=company_id, payload=_plain(payload)
    )


def _plain(payload: dict[str, Any]) -> dict[str, Any]:

    encoded: dict[str, Any] = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return encoded
