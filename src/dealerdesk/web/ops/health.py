"""Liveness and readiness for load balancers and orchestrators.

``/healthz``: this process answers and reaches its database (200), else 503.
``/readyz``: ready for traffic — database and cache answer, and, where tasks run in worker
processes, a worker has been seen lately (webhooks to the ERP and imports depend on one).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dealerdesk import __version__
from dealerdesk.integration.monitor import live_workers

logger = logging.getLogger(__name__)
OK = "ok"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return "unreachable"
    return OK


def _cache() -> str:
    try:
        cache.set("healthz", "1", 5)
        return OK if cache.get("healthz") == "1" else "unreachable"
    except Exception:  # any cache client error means "not healthy", never a 500
        logger.exception("health check: cache unreachable")
        return "unreachable"


def _worker() -> str:
    backend = str(settings.TASKS["default"]["BACKEND"])
    if "immediate" in backend.lower():
        return "not used"  # tasks run in the web process itself
    try:
        return OK if live_workers() else "no worker seen"
    except DatabaseError:
        return "unknown"


def _answer(checks: dict[str, str], healthy: bool) -> JsonResponse:
    return JsonResponse(
        {"status": "ok" if healthy else "error", "version": __version__, "checks": checks},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "cache": _cache()}
    return _answer(checks, checks["database"] == OK)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "cache": _cache()}
    checks["worker"] = _worker() if checks["database"] == OK else "unknown"
    ready = checks["database"] == OK and checks["cache"] == OK
    ready = ready and checks["worker"] in {OK, "not used"}
    return _answer(checks, ready)
