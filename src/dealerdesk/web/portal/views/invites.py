"""Accepting an invitation: a new person sets a password, a known one confirms theirs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dealerdesk.accounts import services
from dealerdesk.accounts.errors import AccountsError
from dealerdesk.web.portal.access import choose_company
from dealerdesk.web.portal.forms import ExistingAccountForm, SetPasswordForInviteForm

BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = services.find_invite(token)
    except AccountsError as error:
        return render(request, "portal/invite/invalid.html", {"error": error}, status=404)

    if services.invitee_has_account(invite):
        existing_form = ExistingAccountForm(request.POST or None)
        if request.method == "POST" and existing_form.is_valid():
            user = authenticate(
                request, username=invite.email, password=existing_form.cleaned_data["password"]
            )
            if user is None:
                existing_form.add_error("password", "The password is not right.")
            else:
                return _accepted(request, token, user=user)
        return render(
            request,
            "portal/invite/accept.html",
            {"invite": invite, "form": existing_form, "existing": True},
            status=400 if existing_form.errors else 200,
        )

    form = SetPasswordForInviteForm(request.POST or None, email=invite.email)
    if request.method == "POST" and form.is_valid():
        return _accepted(
            request,
            token,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
        )
    return render(
        request,
        "portal/invite/accept.html",
        {"invite": invite, "form": form, "existing": False},
        status=400 if form.errors else 200,
    )


def _accepted(
    request: HttpRequest,
    token: str,
    *,
    user: object | None = None,
    full_name: str = "",
    password: str | None = None,
) -> HttpResponse:
    try:
        membership = services.accept_invite(
            token,
            user=user,  # type: ignore[arg-type]
            full_name=full_name,
            password=password,
        )
    except AccountsError as error:
        return render(request, "portal/invite/invalid.html", {"error": error}, status=409)
    login(request, membership.user, backend=BACKEND)
    choose_company(request, membership.company_id)
    messages.success(request, f"Welcome to {membership.company.name}'s portal.")
    return redirect("portal:dashboard")
