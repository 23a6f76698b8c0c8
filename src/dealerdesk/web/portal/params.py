"""Reading what a browser sends: ids, and the page to go back to."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

MAX_ID = 2**62  # above any database id; bigger numbers are not ids


def positive_int(raw: str | None) -> int | None:
    """A whole number from 1 up to the largest id, else None (blank, words, 0, negatives,
    numbers no column holds)."""
    try:
        number = int(raw or "")
    except ValueError:
        return None
    return number if 0 < number < MAX_ID else None


def local_next(request: HttpRequest) -> str | None:
    """The ``next`` page a form names, if it is a page of this site; else None."""
    target = request.POST.get("next", "")
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    )
    return target if local else None
