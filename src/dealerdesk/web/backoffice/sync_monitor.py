"""The sync monitor page of the back office: is the ERP connection healthy, and if not,
what is late, what failed, and the way to retry or replay it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from dealerdesk.integration import monitor
from dealerdesk.integration.choices import DeliveryStatus, InboundStatus
from dealerdesk.integration.models import Delivery, InboundMessage, WebhookEndpoint
from dealerdesk.web.backoffice.roles import Role, role_of


def sync_monitor_page(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    """Per category: last sync, lag, traffic, error rate and SLA; endpoints, workers, what
    waits, and the latest failures with the way to retry or replay them."""
    if role_of(request) is not Role.ADMIN:
        return HttpResponseRedirect(reverse(f"{site.name}:index"))
    request.current_app = site.name
    failing_deliveries = (
        Delivery.objects.filter(status__in=[DeliveryStatus.RETRYING, DeliveryStatus.DEAD])
        .select_related("message", "endpoint", "client")
        .order_by("-created_at")[:20]
    )
    failing_messages = (
        InboundMessage.objects.filter(status=InboundStatus.FAILED)
        .select_related("client")
        .order_by("-received_at")[:20]
    )
    rejecting_messages = (
        InboundMessage.objects.filter(status=InboundStatus.DONE, rejected__gt=0)
        .select_related("client")
        .order_by("-received_at")[:20]
    )
    return TemplateResponse(
        request,
        "backoffice/integration/sync_monitor.html",
        {
            **site.each_context(request),
            "title": "Sync monitor",
            "rows": [(row, lag_text(row.lag_seconds)) for row in monitor.health()],
            "depth": monitor.queue_depth(),
            "workers": monitor.live_workers(),
            "endpoints": list(WebhookEndpoint.objects.all()),
            "failing_deliveries": failing_deliveries,
            "failing_messages": failing_messages,
            "rejecting_messages": rejecting_messages,
            "now": timezone.now(),
        },
    )


def lag_text(seconds: float | None) -> str:
    """A lag as people read it: 42 s, 7 min, 3 h 10 min, 2 d."""
    if seconds is None:
        return "never"
    seconds = int(seconds)
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d"
