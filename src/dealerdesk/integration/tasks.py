"""Tasks of the integration domain: delivering outbox events to the ERP."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from dealerdesk.core.outbox import on_commit_of_events
from dealerdesk.integration.outbound.delivery import deliver_due

# One run sends for at most this long, so a queue of events to a slow ERP does not hold a
# worker away from imports and e-mail; the next run (kicked or scheduled) goes on.
DELIVERY_BUDGET_SECONDS = 20.0


@task()
def deliver_events(time_budget_s: float = DELIVERY_BUDGET_SECONDS) -> dict[str, int]:
    """Fan out new outbox events and send the deliveries that are due."""
    return asdict(deliver_due(time_budget_s))


def kick() -> None:
    """Start delivering now rather than at the worker's next scheduled look."""
    deliver_events.enqueue()


def connect() -> None:
    """Kick delivery after every transaction that wrote outbox events commits."""
    on_commit_of_events(kick)
