"""Prometheus metrics: request latency measured in each web process, and sync figures
(lag per category, queue depth, delivery failures) read from the database at scrape time,
so any process answers with the same ones.

With several web processes set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess
mode) so that latency from every process is summed; ``DEALERDESK_METRICS_TOKEN`` makes
``/metrics`` ask for ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from dealerdesk.integration import monitor

REQUEST_LATENCY = Histogram(
    "dealerdesk_request_seconds",
    "Time from request to response in the web process, by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


def _observe(request: HttpRequest, response: HttpResponse, started: float) -> None:
    REQUEST_LATENCY.labels(
        request.method or "", _route(request), f"{response.status_code // 100}xx"
    ).observe(time.perf_counter() - started)


class RequestLatencyMiddleware:
    """Times every request; works in the ASGI server without a thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        handler: Callable[[HttpRequest], Awaitable[HttpResponse]] = self.get_response
        response = await handler(request)
        _observe(request, response, started)
        return response


class SyncCollector(Collector):
    """Sync lag, queue depth and delivery failures, from the database at scrape time."""

    NAMES = (
        "dealerdesk_sync_lag_seconds",
        "dealerdesk_sync_sla_breached",
        "dealerdesk_sync_failed_last_day",
        "dealerdesk_queue_depth",
        "dealerdesk_delivery_failures",
        "dealerdesk_workers_alive",
    )

    def describe(self) -> Iterator[Any]:
        """The metric names without reading the database (registration calls this)."""
        for name in self.NAMES:
            yield GaugeMetricFamily(name, "")

    def collect(self) -> Iterator[Any]:
        lag = GaugeMetricFamily(
            "dealerdesk_sync_lag_seconds",
            "Seconds since the last successful sync of a category (orders out: the age of "
            "the oldest order the ERP has not accepted).",
            labels=["category"],
        )
        breached = GaugeMetricFamily(
            "dealerdesk_sync_sla_breached",
            "1 when a category is past its SLA.",
            labels=["category"],
        )
        failed = GaugeMetricFamily(
            "dealerdesk_sync_failed_last_day",
            "Messages failed or with rejected rows in the last day (orders out: dead-lettered).",
            labels=["category"],
        )
        for row in monitor.health():
            if row.lag_seconds is not None:
                lag.add_metric([row.code], row.lag_seconds)
            breached.add_metric([row.code], 1.0 if row.breached else 0.0)
            failed.add_metric([row.code], row.failed_day)
        depth = GaugeMetricFamily(
            "dealerdesk_queue_depth", "What waits to be delivered or applied.", labels=["queue"]
        )
        for name, value in monitor.queue_depth().items():
            depth.add_metric([name], value)
        attempts = CounterMetricFamily(
            "dealerdesk_delivery_failures",
            "Webhook delivery attempts that did not get a 2xx answer.",
            labels=[],
        )
        attempts.add_metric([], monitor.failed_attempts())
        workers = GaugeMetricFamily("dealerdesk_workers_alive", "Worker processes seen lately.")
        workers.add_metric([], len(monitor.live_workers()))
        yield from (lag, breached, failed, depth, attempts, workers)


_SYNC = SyncCollector()
REGISTRY.register(_SYNC)


def _registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_SYNC)
    return registry


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "DEALERDESK_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Send Authorization: Bearer <metrics token>.\n", status=401)
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(_registry()), content_type=content_type)
