"""What a worker process does on a clock, besides running queued tasks.

``JOBS`` is a plain list: another part of the integration appends its own periodic job
(name, every N seconds, a callable taking the worker's identity) and every worker runs it.
A job must be cheap when there is nothing to do and safe to run in several workers at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from dealerdesk.core.models import OutboxMessage
from dealerdesk.integration.inbound.process import requeue_stalled
from dealerdesk.integration.models import WorkerHeartbeat
from dealerdesk.integration.monitor import check_alerts
from dealerdesk.integration.outbound.delivery import due_deliveries
from dealerdesk.integration.tasks import deliver_events


@dataclass(frozen=True)
class WorkerInfo:
    """The worker process a job runs in."""

    worker_id: str
    hostname: str
    pid: int
    started_at: dt.datetime


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[WorkerInfo], object]


def heartbeat(worker: WorkerInfo) -> None:
    """Say this worker is alive (``/readyz`` and the sync monitor read it)."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker.worker_id,
        defaults={
            "hostname": worker.hostname[:255],
            "pid": worker.pid,
            "started_at": worker.started_at,
            "seen_at": timezone.now(),
        },
    )


def enqueue_due_deliveries(worker: WorkerInfo) -> bool:
    """Queue a delivery run when something is due that no commit kicked: a retry whose
    wait is over, a lease left by a worker that died, events committed while no worker
    ran. Nothing is queued while a run is already waiting. Returns whether one was."""
    if not (
        OutboxMessage.objects.filter(fanned_out_at__isnull=True).exists()
        or due_deliveries(timezone.now()).exists()
    ):
        return False
    if _delivery_run_waiting():
        return False
    deliver_events.enqueue()
    return True


def _delivery_run_waiting() -> bool:
    backend = deliver_events.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    # Only queued runs count: a run marked running may belong to a worker that was killed.
    return DBTaskResult.objects.filter(
        backend_name=backend.alias,
        task_path=deliver_events.module_path,
        status=TaskResultStatus.READY,
    ).exists()


def check_sync_alerts(worker: WorkerInfo) -> int:
    """Raise an alert for each category newly past its SLA, clear those back within it
    (``monitor.check_alerts``: one open alert per category however many workers check)."""
    return len(check_alerts())


def requeue_stalled_imports(worker: WorkerInfo) -> int:
    """Queue again the imports whose process died mid-way (``inbound.process``)."""
    return requeue_stalled()


JOBS: list[PeriodicJob] = [
    PeriodicJob("heartbeat", 10, heartbeat),
    PeriodicJob("deliver due events", 1, enqueue_due_deliveries),
    PeriodicJob("check sync SLAs", 60, check_sync_alerts),
    PeriodicJob("requeue stalled imports", 60, requeue_stalled_imports),
]
