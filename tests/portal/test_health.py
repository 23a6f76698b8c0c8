"""/healthz: what a load balancer asks before sending traffic to this process."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from dealerdesk.web.ops import health


class _BrokenConnection:
    def cursor(self):  # type: ignore[no-untyped-def]
        raise OperationalError("could not connect to server: Connection refused")


class _BrokenCache:
    def set(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    def get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")


@pytest.mark.django_db
def test_healthy(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok"}
    assert body["version"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_database_down_answers_503_json_not_500(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "unreachable"
    assert "Connection refused" not in response.content.decode()  # no internals leak


@pytest.mark.django_db
def test_cache_down_is_reported_but_the_process_stays_in_service(client, monkeypatch):
    monkeypatch.setattr(health, "cache", _BrokenCache())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "unreachable"}


@pytest.mark.django_db
def test_health_answers_get_only(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_sets_no_session(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_ready_without_a_worker_when_tasks_run_in_process(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "worker": "not used"}


@pytest.mark.django_db
def test_not_ready_while_no_worker_is_alive_for_queued_tasks(client, settings):
    from django.utils import timezone

    from dealerdesk.integration.models import WorkerHeartbeat

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    stale = timezone.now() - timezone.timedelta(
        seconds=settings.DEALERDESK_WORKER_STALE_SECONDS + 5
    )
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=stale, seen_at=stale)

    waiting = client.get("/readyz")
    WorkerHeartbeat.objects.update(seen_at=timezone.now())
    ready = client.get("/readyz")

    assert waiting.status_code == 503
    assert waiting.json()["checks"]["worker"] == "no worker seen"
    assert ready.status_code == 200
    assert ready.json()["checks"]["worker"] == "ok"


@pytest.mark.django_db
def test_not_ready_when_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "cache", _BrokenCache())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unreachable"
