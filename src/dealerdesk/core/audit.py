"""Recording changes that matter: explicit calls from services, never signals."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from dealerdesk.core.models import AuditAction, AuditEntry


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` as JSON-safe data."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(instance, field.attname)
        data[field.attname] = _json_value(value)
    return data


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    return value


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Only the keys whose values changed, as {"field": [before, after]}."""
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    *,
    actor: Any,
    instance: models.Model,
    action: str = AuditAction.UPDATE,
    verb: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    company_id: int | None = None,
    source: str = "",
) -> AuditEntry:
    """Write one audit entry for ``instance``; only changed fields are kept for updates."""
    if action == AuditAction.UPDATE and before is not None and after is not None:
        changed = diff(before, after)
        before = {key: pair[0] for key, pair in changed.items()}
        after = {key: pair[1] for key, pair in changed.items()}
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_repr=str(actor) if authenticated else "system",
        action=action,
        verb=verb,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        company_id=company_id,
        before=before,
        after=after,
        source=source,
    )
