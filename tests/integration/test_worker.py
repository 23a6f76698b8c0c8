"""The worker process: periodic jobs (heartbeat, due deliveries), queued delivery runs,
kicks after commit, and a graceful stop."""

from __future__ import annotations

import signal
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dealerdesk.core import outbox
from dealerdesk.integration.management.commands import worker as worker_command
from dealerdesk.integration.models import Delivery, WebhookEndpoint, WorkerHeartbeat
from dealerdesk.integration.outbound.delivery import claim_due, fan_out, pause_endpoint
from dealerdesk.integration.schedule import (
    JOBS,
    PeriodicJob,
    WorkerInfo,
    enqueue_due_deliveries,
    heartbeat,
)
from dealerdesk.integration.tasks import deliver_events
from tests.concurrency import race
from tests.integration.erp_server import running_erp, wait_until
from tests.integration.worker_process import worker_process

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}
}


@pytest.fixture
def erp():  # type: ignore[no-untyped-def]
    with running_erp() as server:
        yield server


@pytest.fixture
def queued_tasks(settings):  # type: ignore[no-untyped-def]
    """Tasks go to the database queue, as in production, instead of running at once."""
    settings.TASKS = DATABASE_TASKS


def this_worker() -> WorkerInfo:
    from django.utils import timezone

    return WorkerInfo(worker_id="test:1", hostname="test", pid=1, started_at=timezone.now())


def runs_waiting() -> int:
    return DBTaskResult.objects.filter(
        task_path=deliver_events.module_path, status=TaskResultStatus.READY
    ).count()


def endpoint_for(erp) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    return WebhookEndpoint.objects.create(
        name="ERP", url=erp.url, secret=erp.secret, timeout_seconds=2
    )


@pytest.mark.django_db
def test_a_delivery_run_is_queued_when_something_is_due_and_only_once(erp, queued_tasks):
    endpoint_for(erp)
    worker = this_worker()

    assert enqueue_due_deliveries(worker) is False  # nothing to do
    outbox.enqueue("order.cancelled", "order:DD-0000001", {})

    assert enqueue_due_deliveries(worker) is True
    assert enqueue_due_deliveries(worker) is False
    assert runs_waiting() == 1


@pytest.mark.django_db
def test_deliveries_to_a_paused_endpoint_queue_no_runs(erp, queued_tasks):
    endpoint = endpoint_for(erp)
    outbox.enqueue("order.cancelled", "order:DD-0000001", {})
    fan_out()
    pause_endpoint(endpoint, reason="maintenance")

    assert enqueue_due_deliveries(this_worker()) is False
    assert runs_waiting() == 0


@pytest.mark.django_db
def test_the_heartbeat_keeps_one_row_per_worker_and_moves_it_on():
    worker = this_worker()

    heartbeat(worker)
    first = WorkerHeartbeat.objects.get(worker_id="test:1").seen_at
    heartbeat(worker)

    beat = WorkerHeartbeat.objects.get(worker_id="test:1")
    assert beat.seen_at > first
    assert (beat.pid, beat.started_at) == (1, worker.started_at)


def test_the_schedule_is_a_plain_list_of_named_jobs():
    assert {job.name for job in JOBS} >= {"heartbeat", "deliver due events", "check sync SLAs"}
    assert all(isinstance(job, PeriodicJob) and job.every_seconds > 0 for job in JOBS)


def test_a_failing_job_does_not_stop_the_others(caplog):
    ran = []

    def broken(worker: WorkerInfo) -> None:
        raise RuntimeError("database away")

    jobs = [PeriodicJob("broken", 60, broken), PeriodicJob("fine", 60, ran.append)]
    clock = worker_command.Clock(jobs, this_worker())

    due: dict[str, float] = {}
    clock.run_due(due)
    clock.run_due(due)  # neither is due again within the minute

    assert len(ran) == 1
    assert "periodic job 'broken' failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_event_is_delivered_as_soon_as_its_transaction_commits(erp):
    endpoint_for(erp)  # tests run tasks at once: the kick sends in this process

    with transaction.atomic():
        message = outbox.enqueue("order.cancelled", "order:DD-0000001", {"n": 1})
        assert erp.requests == []  # nothing leaves before the commit

    assert [r.webhook_id for r in erp.requests] == [str(message.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_event_is_never_sent(erp):
    endpoint_for(erp)

    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.enqueue("order.cancelled", "order:DD-0000001", {})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert erp.requests == []
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_in_batch_mode_beats_and_runs_the_queued_delivery(
    erp, queued_tasks, monkeypatch
):
    # In-process, the test runner keeps its own signal handlers.
    monkeypatch.setattr(worker_command.ClockedWorker, "configure_signals", lambda self: None)
    endpoint_for(erp)
    with transaction.atomic():
        message = outbox.enqueue("order.cancelled", "order:DD-0000001", {})
    assert runs_waiting() == 1  # the kick after commit

    call_command("worker", "--batch", "--worker-id", "batch-test")

    assert [r.webhook_id for r in erp.requests] == [str(message.pk)]
    assert Delivery.objects.get(message=message).status == "delivered"
    assert WorkerHeartbeat.objects.filter(worker_id="batch-test").exists()
    assert DBTaskResult.objects.get(task_path=deliver_events.module_path).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_the_worker_refuses_to_start_without_the_database_queue():
    with pytest.raises(Exception, match="DEALERDESK_TASKS_BACKEND=database"):
        call_command("worker", "--batch")


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_a_running_worker_gracefully(postgres_only, tmp_path):
    with worker_process(tmp_path / "worker.log", "--worker-id", "sigterm-test") as process:
        wait_until(lambda: WorkerHeartbeat.objects.filter(worker_id="sigterm-test").exists(), 20)
        started = time.monotonic()

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_once_never_take_the_same_delivery(postgres_only, erp, queued_tasks):
    endpoint_for(erp)
    with transaction.atomic():
        for n in range(30):
            outbox.enqueue("order.cancelled", f"order:DD-{n:07d}", {})
    fan_out()

    claims = race([lambda: [d.pk for d in claim_due(10)]] * 4)

    claimed = [pk for claim in claims for pk in claim]
    assert len(claimed) == len(set(claimed)) == 30
    assert claim_due(10) == []  # every lease is live
