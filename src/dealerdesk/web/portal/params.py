"""Reading what a browser sends: ids, quantities, and the page to go back to."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from dealerdesk.ordering.parsing import ROW_ERRORS, read_quantity

MAX_ID = 2**62  # above any database id; bigger numbers are not ids


def positive_int(raw: str | None) -> int | None:
    """A whole number from 1 up to the largest id, else None (blank, words, 0, negatives,
    numbers no column holds)."""
    try:
        number = int(raw or "")
    except ValueError:
        return None
    return number if 0 < number < MAX_ID else None


def typed_quantity(raw: str | None) -> tuple[Decimal | None, str]:
    """A quantity typed into one box, read as quick order reads a pasted one ("2,5" is two
    and a half, "1,000" is refused as ambiguous): (quantity, "") or (None, why not)."""
    quantity, error = read_quantity(raw or "")
    if quantity is None:
        return None, ROW_ERRORS.get(error, "Type a quantity, for example 10.")
    return quantity, ""


def local_next(request: HttpRequest) -> str | None:
    """The ``next`` page a form names, if it is a page of this site; else None."""
    target = request.POST.get("next", "")
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    )
    return target if local else None
