"""Liveness and readiness for load balancers: can this process reach its database?"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dealerdesk import __version__

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError:
        logger.exception("health check: database unreachable")
        checks["database"] = "unreachable"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "unreachable"
    except Exception:  # any cache client error means "not healthy", never a 500
        logger.exception("health check: cache unreachable")
        checks["cache"] = "unreachable"
    healthy = checks["database"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "version": __version__, "checks": checks},
        status=200 if healthy else 503,
    )
