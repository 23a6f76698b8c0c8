"""A chunk PostgreSQL stops in a deadlock or a serialisation conflict (an order reserving the
same stock at that moment) is taken again; anything else still fails the message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError

from dealerdesk.integration.inbound import process
from dealerdesk.integration.models import InboundMessage
from dealerdesk.pricing.models import Price

pytestmark = pytest.mark.django_db


class _Stopped(Exception):
    """What the driver raises when PostgreSQL stops a transaction."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"stopped ({sqlstate})")
        self.sqlstate = sqlstate


def _stopped_once(monkeypatch: pytest.MonkeyPatch, sqlstate: str, times: int = 1) -> list[int]:
    """Each chunk's first ``times`` attempts apply and are then stopped with ``sqlstate``
    (their transaction rolls back): the retried chunk must count once."""
    calls: list[int] = []
    real = process._apply_rows

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        applied = real(*args, **kwargs)
        if len(calls) <= times:
            error = OperationalError(f"stopped ({sqlstate})")
            error.__cause__ = _Stopped(sqlstate)
            raise error
        return applied

    monkeypatch.setattr(process, "_apply_rows", flaky)
    return calls


def _send(erp: Any, rows: list[dict[str, Any]]) -> Any:
    return erp.post("/api/v1/sync/prices", {"rows": rows}, HTTP_IDEMPOTENCY_KEY="conflict-1")


def _rows() -> list[dict[str, Any]]:
    return [
        {"sku": "CAB-001", "price_type": "W", "amount": "99.5", "erp_version": 10**9},
        {"sku": "NO-SUCH", "price_type": "W", "amount": "1", "erp_version": 10**9},
    ]


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_chunk_stopped_in_a_conflict_is_taken_again_and_counted_once(  # type: ignore[no-untyped-def]
    erp, shop, world, monkeypatch, sqlstate
) -> None:
    calls = _stopped_once(monkeypatch, sqlstate)

    response = _send(erp, _rows())

    assert response.status_code == 200, response.content
    body = response.json()
    assert len(calls) == 2
    assert (body["status"], body["applied"], body["unchanged"], body["rejected"]) == (
        "done",
        1,
        0,
        1,
    )
    assert [(row["row"], row["status"]) for row in body["rows"]] == [
        (0, "applied"),
        (1, "rejected"),
    ]
    assert Price.objects.get(product=world.product_a, price_type=shop.base).amount == Decimal(
        "99.5"
    )


def test_a_chunk_stopped_every_time_fails_the_message(erp, shop, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = _stopped_once(monkeypatch, "40P01", times=process.CHUNK_ATTEMPTS)

    response = _send(erp, _rows())

    assert len(calls) == process.CHUNK_ATTEMPTS
    # Failed as a whole, kept, and answered so that the ERP sends it again.
    assert response.status_code == 503
    assert response.json()["code"] == "message_failed"
    message = InboundMessage.objects.get(message_id="conflict-1")
    assert message.status == "failed"
    assert "OperationalError" in message.error
    assert Price.objects.get(product=world.product_a, price_type=shop.base).amount != Decimal(
        "99.5"
    )


def test_another_database_error_is_not_taken_again(erp, shop, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = _stopped_once(monkeypatch, "57014")  # a cancelled statement

    response = _send(erp, _rows())

    assert len(calls) == 1
    assert response.status_code == 503
    assert InboundMessage.objects.get(message_id="conflict-1").status == "failed"
