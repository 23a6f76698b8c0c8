"""A dealer user's personal API tokens: for their own scripts and systems to read their
company's catalog, prices, stock and orders through the API, as they would in the portal.

A token acts for the person and the company chosen when it was made; the secret is shown
once, and leaving the company or being switched off stops it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dealerdesk.integration.credentials import CredentialError, issue_personal_token, revoke
from dealerdesk.integration.models import PersonalToken
from dealerdesk.web.portal.access import dealer, dealer_required, not_found_as_404

EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("", "never")]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What it is for",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. our ERP's stock check"}),
    )
    expires = forms.ChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, initial="90", required=False
    )


def _page(
    request: HttpRequest, form: TokenForm, secret: str = "", status: int = 200
) -> HttpResponse:
    membership = dealer(request)
    tokens = PersonalToken.objects.filter(user=membership.user, company=membership.company)
    return render(
        request,
        "portal/tokens/tokens.html",
        {"tokens": tokens, "form": form, "secret": secret},
        status=status,
    )


@dealer_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    days = form.cleaned_data["expires"]
    expires = timezone.now() + dt.timedelta(days=int(days)) if days else None
    try:
        _token, secret = issue_personal_token(
            request.user,
            dealer(request).company,
            name=form.cleaned_data["name"],
            expires_at=expires,
        )
    except CredentialError as error:
        form.add_error(None, str(error))
        return _page(request, form, status=400)
    return _page(request, TokenForm(), secret=secret)


@require_POST
@dealer_required
@not_found_as_404(PersonalToken.DoesNotExist)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = dealer(request)
    token = PersonalToken.objects.get(pk=pk, user=membership.user, company=membership.company)
    revoke(token, by=request.user, source="portal")
    messages.success(request, f"Token “{token.name or token.prefix}” is revoked.")
    return redirect("portal:api_tokens")
