"""The supplier's back office: Django admin, dressed and scoped for staff roles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from dealerdesk.accounts.choices import AccessRequestStatus
from dealerdesk.accounts.queries import access_requests_for_staff


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

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The dashboard, with the access requests waiting for a decision on top."""
        pending = access_requests_for_staff(request.user).filter(status=AccessRequestStatus.PENDING)
        context = {
            "pending_access_requests": pending.count(),
            "access_requests_url": reverse(
                f"{self.name}:accounts_accessrequest_changelist", current_app=self.name
            ),
            **(extra_context or {}),
        }
        return super().index(request, context)


backoffice_site = BackofficeSite(name="backoffice")
