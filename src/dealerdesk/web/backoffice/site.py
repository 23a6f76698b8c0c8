"""The supplier's back office: Django admin, dressed and scoped for staff roles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import urlencode

from dealerdesk.accounts.choices import AccessRequestStatus
from dealerdesk.accounts.queries import access_requests_for_staff
from dealerdesk.integration import monitor
from dealerdesk.web.backoffice.roles import Role, role_of
from dealerdesk.web.backoffice.sync_monitor import sync_monitor_page


class BackofficeSite(admin.AdminSite):
    site_header = "Dealerdesk back office"
    site_title = "Dealerdesk back office"
    index_title = "Dealers, people and catalog"
    index_template = "backoffice/index.html"
    enable_nav_sidebar = True

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        """One sign-in page for everyone: the portal's, which knows about lockouts."""
        if request.user.is_authenticated and not self.has_permission(request):
            # A signed-in dealer is not staff: send them to their portal, not round in circles.
            return redirect("portal:dashboard")
        target = request.GET.get("next") or reverse("backoffice:index")
        return redirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("sync-monitor/", self.admin_view(self.sync_monitor), name="sync_monitor"),
            *super().get_urls(),
        ]

    def sync_monitor(self, request: HttpRequest) -> HttpResponse:
        return sync_monitor_page(self, request)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The dashboard, with the access requests waiting for a decision on top."""
        pending = access_requests_for_staff(request.user).filter(status=AccessRequestStatus.PENDING)
        context = {
            "pending_access_requests": pending.count(),
            **self._sync_summary(request),
            "access_requests_url": reverse(
                f"{self.name}:accounts_accessrequest_changelist", current_app=self.name
            ),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def _sync_summary(self, request: HttpRequest) -> dict[str, Any]:
        """For admins: the monitor's address and the categories that are red now."""
        if role_of(request) is not Role.ADMIN:
            return {}
        return {
            "sync_monitor_url": reverse(f"{self.name}:sync_monitor", current_app=self.name),
            "sync_red": [row.label for row in monitor.health() if row.red],
        }


backoffice_site = BackofficeSite(name="backoffice")
