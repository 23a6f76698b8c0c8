"""``dealerdesk worker``: the background process — queued tasks (webhook delivery, imports,
e-mail) and the periodic jobs of ``integration.schedule`` (heartbeat, due retries).

Run as many as the load needs; they share the work through the database. SIGTERM lets the
task in hand finish, then stops.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from dealerdesk.integration.outbound.delivery import worker_name
from dealerdesk.integration.schedule import JOBS, PeriodicJob, WorkerInfo

logger = logging.getLogger("dealerdesk.worker")

QUEUES = "default,imports"
# The longest the clock thread sleeps, so that a stop request is noticed quickly.
TICK_SECONDS = 0.5


class Clock(threading.Thread):
    """Runs each periodic job every its number of seconds until stopped."""

    def __init__(self, jobs: list[PeriodicJob], worker: WorkerInfo) -> None:
        super().__init__(name="dealerdesk-clock", daemon=True)
        self.jobs = jobs
        self.worker = worker
        self.stopped = threading.Event()

    def run_due(self, due: dict[str, float]) -> None:
        """Run the jobs whose time has come; ``due`` maps each job to its next run."""
        now = time.monotonic()
        for job in self.jobs:
            if due.get(job.name, 0.0) > now:
                continue
            due[job.name] = now + job.every_seconds
            try:
                job.run(self.worker)
            except Exception:
                # One failing job (the database away for a moment) must not stop the others
                # or the clock: it is logged and tried again at its next time.
                logger.exception("periodic job %r failed", job.name)

    def run(self) -> None:
        due: dict[str, float] = {}
        try:
            while not self.stopped.is_set():
                # A connection dropped by the database (a restart, an idle timeout) is
                # replaced rather than failing every job from now on.
                close_old_connections()
                self.run_due(due)
                wait = min(due.values(), default=time.monotonic() + TICK_SECONDS)
                self.stopped.wait(max(0.0, min(TICK_SECONDS, wait - time.monotonic())))
        finally:
            connections.close_all()


class ClockedWorker(Worker):
    """django-tasks-db's worker loop that also stops the clock when told to stop."""

    def __init__(self, *, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        self.clock.stopped.set()
        super().shutdown(signum, frame)


class Command(BaseCommand):
    help = (
        "Run a worker: queued tasks (webhook delivery, imports, e-mail) and periodic jobs "
        "(heartbeat, due webhook retries)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=0.2,
            help="Seconds to wait when no task is queued before looking again (default 0.2).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the periodic jobs once and every queued task, then exit.",
        )
        parser.add_argument(
            "--queues", default=QUEUES, help=f"Queues to take tasks from (default {QUEUES})."
        )
        parser.add_argument(
            "--worker-id", default="", help="Unique name of this worker (default host:pid)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                "The worker takes tasks from the database: set DEALERDESK_TASKS_BACKEND=database "
                "(the default) for the web processes and the worker."
            )
        interval = options["interval"]
        if not 0 <= interval <= 60:
            raise CommandError("--interval is seconds between 0 and 60.")
        worker_id = (options["worker_id"] or worker_name())[:64]
        info = WorkerInfo(
            worker_id=worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            started_at=timezone.now(),
        )
        clock = Clock(JOBS, info)
        worker = ClockedWorker(
            clock=clock,
            queue_names=[name.strip() for name in options["queues"].split(",") if name.strip()],
            interval=interval,
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        logger.info("worker %s: queues %s, every %s s", worker_id, options["queues"], interval)
        worker.configure_signals()
        if options["batch"]:
            clock.run_due({})
            worker.run()
            return
        clock.start()
        try:
            worker.run()
        finally:
            clock.stopped.set()
            clock.join(timeout=5)
