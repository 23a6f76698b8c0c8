"""What the domains' batch sync services share: a per-feed lock, audit snapshots at the
columns' scale, and a model's validation error as a row's field, code and message."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.db.models import DecimalField, Model

from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.core.sync import Outcome, RowResult

R = TypeVar("R")


def serialise(feed: str) -> None:
    """Hold a transaction-level lock for ``feed`` until commit, so two messages of one feed
    cannot both find a record absent and both create it. SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        lock_id = zlib.crc32(f"dealerdesk.sync.{feed}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def snapshot(instance: Model, fields: Collection[str]) -> dict[str, Any]:
    """``core.audit.snapshot`` with decimals at their column's scale, so that 0 sent by the
    ERP and 0.00 read from the database compare equal."""
    data = audit.snapshot(instance, fields)
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname)
        if (
            model_field.attname in data
            and isinstance(model_field, DecimalField)
            and isinstance(value, Decimal)
            and value.is_finite()
        ):
            places = model_field.decimal_places or 0
            data[model_field.attname] = str(value.quantize(Decimal(1).scaleb(-places)))
    return data


def rejection(error: ValidationError, names: dict[str, str]) -> tuple[str, str, str]:
    """The first of a model's validation errors as (row field, stable code, message),
    named as the row names the field (``names`` maps model field → row field)."""
    model_name, errors = next(iter(error.error_dict.items()))
    first = errors[0]
    row_name = "" if model_name == NON_FIELD_ERRORS else names.get(model_name, model_name)
    code = first.code if first.code and first.code != "invalid" else f"invalid_{row_name}"
    message = " ".join(first.messages)
    return row_name, str(code), f"{row_name}: {message}" if row_name else message


def summarise(model: type[Model], results: Iterable[RowResult], source: str, *, verb: str) -> None:
    """The audit entry of a bulk feed's chunk (prices, stock): how many of ``model``'s
    records the rows created and updated, under the message's ``source``.

    A bulk feed rewrites tens of thousands of records a message, every day; an entry per
    record would soon make the audit log mostly the ERP's and slow every write to it. The
    rows themselves stay in the stored message, with each row's result, and each record
    keeps the ERP stamp of its last change (the stock ledger keeps every movement of on
    hand), so what a message changed can still be told record by record."""
    summarise_counts(model, Counter(result.outcome for result in results), source, verb=verb)


def summarise_counts(
    model: type[Model], counts: Mapping[Outcome, int], source: str, *, verb: str
) -> None:
    """``summarise`` from the chunk's counts of each outcome."""
    counts = {outcome: count for outcome, count in counts.items() if outcome.applied and count}
    if not counts:
        return
    meta = model._meta
    total = sum(counts.values())
    AuditEntry.objects.create(
        actor=None,
        actor_repr="system",
        action=AuditAction.UPDATE,
        verb=verb,
        object_type=meta.label_lower,
        object_id="",
        object_repr=f"{total} {meta.verbose_name if total == 1 else meta.verbose_name_plural}",
        after={str(outcome): count for outcome, count in sorted(counts.items())},
        source=source[:100],
    )


def record(
    instance: Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    source: str,
    *,
    verb: str,
) -> None:
    """The audit entry of one record an ERP message changed; it shows under the dealer it
    belongs to (the company itself, or the row's company)."""
    company_id = instance.pk if instance._meta.label_lower == "accounts.company" else None
    owner = getattr(instance, "company_id", None)
    audit.record(
        actor=None,
        instance=instance,
        action=action,
        verb=verb,
        before=before,
        after=after,
        company_id=company_id if company_id is not None else owner,
        source=source[:100],
    )


def claimed(
    by_id: Mapping[str, R],
    by_code: Mapping[str, R],
    external_id: str,
    code: str,
    *,
    noun: str,
    field: str = "code",
) -> tuple[R | None, tuple[str, str, str] | None]:
    """The stored record a row names: by its ERP id, else one Dealerdesk knew by ``code``
    before the ERP named it (taken over). A ``code`` another record holds is a problem
    (field, ``<field>_taken``, why), and the row is rejected."""
    record = by_id.get(external_id)
    holder = by_code.get(code)
    if holder is None or holder is record:
        return record, None
    if record is None and getattr(holder, "external_id", None) is None:
        return holder, None
    owner = getattr(holder, "external_id", None) or "none"
    label = "SKU" if field == "sku" else "code"
    return None, (
        field,
        f"{field}_taken",
        f"The {label} {code} belongs to another {noun} (ERP id {owner}).",
    )


def staged_as_sent(cursor: Any, sent: str, stage: str, staged: int, key: str) -> bool:
    """Whether a set-based writer may apply its chunk: every row of the temporary table
    ``sent`` made it into ``stage`` (``staged`` rows: none dropped out of the joins that
    resolve its references), each record once (``key``: the stage's columns naming a
    record). When not, the stage is dropped and the caller leaves the chunk to the row by
    row way, which says what is wrong with each row."""
    cursor.execute(
        f"SELECT (SELECT count(*) FROM {sent}), "  # noqa: S608 - table and column names only
        f"(SELECT count(*) FROM (SELECT FROM {stage} GROUP BY {key}) AS records)"
    )
    sent_rows, records = cursor.fetchone()
    if staged == sent_rows == records:
        return True
    cursor.execute(f"DROP TABLE {stage}")
    return False
