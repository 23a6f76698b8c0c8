"""Quick order, one line at a time: the type-ahead of the code box, a typed line, and what
the dealer picks for a row short of stock. (Paste, upload and scan are in ``orders``.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dealerdesk.catalog.queries import clean_query
from dealerdesk.ordering.errors import LineProblem, OrderingError
from dealerdesk.ordering.parsing import MAX_ROWS, MAX_UPLOAD_BYTES, parse_typed
from dealerdesk.ordering.quick import (
    MIN_SUGGEST_LENGTH,
    ShortAction,
    resolve_short_row,
    suggest,
)
from dealerdesk.ordering.quick import quick_order as run_quick_order
from dealerdesk.web.portal.access import buyer_required, dealer
from dealerdesk.web.portal.offers import current_contract
from dealerdesk.web.portal.params import positive_int, typed_quantity

# Longer than anything worth suggesting for (a name is at most 255 characters, and the
# search reads the first 100): answered with no suggestions rather than searched.
MAX_SUGGEST_CHARS = 300


@require_GET
@buyer_required
def quick_suggest(request: HttpRequest) -> HttpResponse:
    """``?q=``: up to ten products of the dealer's catalog for the code box, as an htmx
    fragment (empty below two characters)."""
    company = dealer(request).company
    q = request.GET.get("q", "")
    if len(q) > MAX_SUGGEST_CHARS:
        q = ""
    found = suggest(company, current_contract(request, company), q)
    return render(
        request,
        "portal/orders/_suggestions.html",
        {
            "suggestions": found,
            "searched": len(clean_query(q)) >= MIN_SUGGEST_LENGTH,
            "list_id": "line-suggestions",
        },
    )


@require_POST
@buyer_required
def quick_line(request: HttpRequest) -> HttpResponse:
    """One line typed into the code and quantity boxes, checked and added like a pasted one:
    htmx gets its row back, a plain form the quick order page with it."""
    row = parse_typed(request.POST.get("code", ""), request.POST.get("quantity", ""))
    result = run_quick_order(dealer(request).company, request.user, [row])
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "portal/orders/_quick_row.html", {"row": result.rows[0], "typed": True}
        )
    context: dict[str, Any] = {
        "max_rows": MAX_ROWS,
        "max_mb": MAX_UPLOAD_BYTES // 2**20,
        "typed_rows": result.rows,
    }
    return render(request, "portal/orders/quick.html", context)


@require_POST
@buyer_required
def quick_short(request: HttpRequest) -> HttpResponse:
    """What the dealer picked for a short row: the available quantity (``action=take`` with
    the ``take`` it was shown), all of it on backorder (``action=backorder``) or all of it
    from another warehouse (``to``). htmx gets the row's offer block back, done or renewed."""
    company = dealer(request).company
    post = request.POST
    product_id = positive_int(post.get("product"))
    warehouse_id = positive_int(post.get("warehouse"))
    quantity = typed_quantity(post.get("quantity"))[0]
    to = positive_int(post.get("to"))
    action = ShortAction.MOVE if to else _action(post.get("action"))
    if product_id is None or warehouse_id is None or quantity is None or action is None:
        return _answer(request, message="Pick one of the offers.", status=400)
    try:
        outcome = resolve_short_row(
            company,
            request.user,
            product_id,
            quantity,
            warehouse_id,
            action,
            take=typed_quantity(post.get("take"))[0],
            to=to,
        )
    except OrderingError as error:
        problem = error.lines[0].problem if error.lines else None
        if problem == LineProblem.NOT_IN_CATALOG:
            raise Http404("No such product in your catalog") from error
        return _answer(request, message=error.lines[0].message if error.lines else error.message)
    if outcome.line is not None:
        return _answer(request, done=outcome.message)
    return _answer(request, message=outcome.message, offer=outcome.offer)


def _action(raw: str | None) -> ShortAction | None:
    try:
        return ShortAction(raw or "")
    except ValueError:
        return None


def _answer(
    request: HttpRequest,
    *,
    done: str = "",
    message: str = "",
    offer: Any = None,
    status: int = 200,
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "portal/orders/_short_offer.html",
            {"done": done, "message": message, "offer": offer, "mode": "quick"},
            status=status,
        )
    if done:
        messages.success(request, done)
    else:
        messages.error(request, message)
    return HttpResponseRedirect(reverse("portal:quick_order"))
