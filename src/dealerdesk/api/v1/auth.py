"""Who is calling the API.

- A dealer user: signed in (browser session) or with a personal token (``ddp_…``); the
  company comes from the session, the ``X-Company-Id`` header, or the token.
- A machine client (the ERP, a WMS): an API key (``ddk_…``) or an OAuth2 access token from
  ``POST /api/v1/oauth/token`` (client credentials), holding the scope the endpoint needs;
  its requests are rate-limited per client.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from dealerdesk.accounts.models import Membership
from dealerdesk.accounts.queries import CURRENT_COMPANY_SESSION_KEY, current_membership
from dealerdesk.api.v1.errors import ApiError
from dealerdesk.integration.credentials import (
    MachinePrincipal,
    machine_principal,
    personal_token,
)

NO_COMPANY = "No such company among yours."


def _membership_for(request: HttpRequest, user: Any, wanted: int | None, pinned: bool) -> Any:
    """Attach the membership of ``user`` for company ``wanted`` (None: their current one)."""
    if wanted is not None and not 0 < wanted < 2**62:
        raise HttpError(404, NO_COMPANY)
    membership = current_membership(user, wanted)
    if membership is None or (pinned and membership.company_id != wanted):
        raise HttpError(404, NO_COMPANY)
    if membership.company.is_blocked:
        raise HttpError(403, "Your company's account is on hold; contact your manager.")
    request.membership = membership  # type: ignore[attr-defined]
    return user


class DealerSession(SessionAuth):
    """Session sign-in of a dealer user; the company comes from the session or the
    ``X-Company-Id`` header (for people who work for several dealers)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if not user:
            return None
        header = request.headers.get("X-Company-Id")
        try:
            wanted = int(header) if header else request.session.get(CURRENT_COMPANY_SESSION_KEY)
        except ValueError as error:
            raise HttpError(400, "X-Company-Id must be a company id (a whole number).") from error
        return _membership_for(request, user, wanted, pinned=bool(header))


class DealerToken(HttpBearer):
    """A dealer user's personal token: the same rights as their session, for the company
    the token was made for (while they are still its member)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = personal_token(token)
        if found is None:
            return None
        return _membership_for(request, found.user, found.company_id, pinned=True)


class MachineAuth(HttpBearer):
    """A machine client's API key or OAuth2 token that holds ``scope`` (None: any valid
    credential, for what a client reads of its own, such as its messages' results).

    A valid credential without the scope is refused with 403 (``missing_scope``); over its
    rate the client gets 429 with ``Retry-After``.
    """

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        principal = machine_principal(token)
        if principal is None:
            return None
        if self.scope is not None and not principal.allows(self.scope):
            raise ApiError(
                403,
                "missing_scope",
                f"This client's credential does not hold the scope {self.scope}.",
            )
        _limit(request, principal)
        request.machine = principal  # type: ignore[attr-defined]
        return principal


def _limit(request: HttpRequest, principal: MachinePrincipal) -> None:
    client = principal.client
    usage = get_usage(
        request,
        group="api-client",
        key=lambda _group, _request: f"client:{client.pk}",
        rate=client.rate_limit,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        wait = max(1, int(usage["time_left"]))
        raise ApiError(
            429,
            "rate_limited",
            f"Over this client's rate of {client.rate_limit}; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


def membership(request: HttpRequest) -> Membership:
    found: Membership = request.membership  # type: ignore[attr-defined]
    return found


def machine(request: HttpRequest) -> MachinePrincipal:
    found: MachinePrincipal = request.machine  # type: ignore[attr-defined]
    return found


DEALER_AUTH = [DealerSession(), DealerToken()]
