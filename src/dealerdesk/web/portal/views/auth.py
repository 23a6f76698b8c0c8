"""Signing in and out, lockout after repeated failures, password reset by e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy

from dealerdesk.web.portal.forms import EmailLoginForm


class InvalidFormIs400:
    """A form sent back with errors answers 400, like every other portal form."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


class LoginView(InvalidFormIs400, auth_views.LoginView):
    template_name = "portal/auth/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        if self.request.user.is_staff and not self.request.user.memberships.exists():
            return reverse("backoffice:index")
        return str(super().get_default_redirect_url())


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a sign-in attempt is for, as sign-in reads it (case-insensitive)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username).strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out person sees: the login page, a clear message, HTTP 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = EmailLoginForm(request, data=request.POST or None)
    form.is_valid()  # populate cleaned data; the failure itself is expected
    return render(
        request,
        "portal/auth/login.html",
        {
            "form": form,
            "locked_out": True,
            "lockout_minutes": minutes,
            "password_reset_url": reverse("portal:password_reset"),
        },
        status=429,
    )


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


class PasswordResetView(InvalidFormIs400, auth_views.PasswordResetView):
    template_name = "portal/auth/password_reset.html"
    email_template_name = "portal/auth/password_reset_email.txt"
    subject_template_name = "portal/auth/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")
    extra_email_context = {"supplier_name": settings.DEALERDESK_SUPPLIER_NAME}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/auth/password_reset_done.html"


class PasswordResetConfirmView(InvalidFormIs400, auth_views.PasswordResetConfirmView):
    template_name = "portal/auth/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/auth/password_reset_complete.html"
