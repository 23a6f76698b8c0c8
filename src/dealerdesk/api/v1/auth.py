"""Who is calling: a signed-in dealer user (browser session) and the company they act for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import SessionAuth

from dealerdesk.accounts.models import Membership
from dealerdesk.accounts.queries import CURRENT_COMPANY_SESSION_KEY, current_membership


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
        if wanted is not None and not 0 < wanted < 2**62:
            raise HttpError(404, "No such company among yours.")
        membership = current_membership(user, wanted)
        if membership is None or (header and membership.company_id != wanted):
            raise HttpError(404, "No such company among yours.")
        if membership.company.is_blocked:
            raise HttpError(403, "Your company's account is on hold; contact your manager.")
        request.membership = membership  # type: ignore[attr-defined]
        return user


def membership(request: HttpRequest) -> Membership:
    found: Membership = request.membership  # type: ignore[attr-defined]
    return found
