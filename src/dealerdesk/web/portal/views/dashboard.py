"""The dealer's start page, and switching between the companies a person works for."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dealerdesk.accounts.queries import assisted_company
from dealerdesk.catalog.queries import scope_for_company
from dealerdesk.ordering.credit import credit_position
from dealerdesk.ordering.history import last_month_summary
from dealerdesk.ordering.models import Order
from dealerdesk.web.portal.access import (
    choose_company,
    dealer,
    dealer_required,
    membership_of,
    memberships_of,
    start_assisting,
    stop_assisting,
)
from dealerdesk.web.portal.params import local_next, positive_int


def _without_params(url: str, *names: str) -> str:
    """The URL without query parameters that point at one company's catalog."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in names]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dealer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = dealer(request)
    company = membership.company
    manager = company.personal_manager
    scope = scope_for_company(company)
    context = {
        "company": company,
        "manager": manager,
        "manager_user": manager.user if manager else None,
        "catalog_size": scope.products().count(),
        "recent_orders": list(Order.objects.filter(company=company).order_by("-created_at")[:5]),
        "credit": credit_position(company),
        "last_month": last_month_summary(company) if membership.can_order else None,
    }
    return render(request, "portal/dashboard.html", context)


@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("portal:login")
    company_id = positive_int(request.POST.get("company"))
    if company_id is None or not any(m.company_id == company_id for m in memberships_of(request)):
        raise Http404("No such company")
    choose_company(request, company_id)
    target = local_next(request) or ""
    # Pages of one company's objects make no sense for another: land on the section root.
    for section in ("/portal/lists/", "/portal/addresses/"):
        if target.startswith(section):
            target = section
    if not target or target.startswith(("/portal/products/", "/portal/team/")):
        target = reverse("portal:dashboard")
    elif target.startswith("/portal/catalog/"):
        target = _without_params(target, "category", "brand", "page")
    return HttpResponseRedirect(target)


@require_POST
def assist(request: HttpRequest) -> HttpResponse:
    """A sales manager starts ordering for one of their dealers (from a phone, too): the
    portal then shows that dealer's catalog, prices, stock and cart."""
    if not request.user.is_authenticated:
        return redirect("portal:login")
    company = assisted_company(request.user, positive_int(request.POST.get("company")))
    if company is None:
        raise Http404("No such dealer among yours")
    start_assisting(request, company)
    return redirect("portal:dashboard")


@require_POST
def assist_stop(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("portal:login")
    membership = membership_of(request)
    company_id = membership.company_id if membership else None
    stop_assisting(request)
    if company_id is not None and request.user.is_staff:
        return redirect("backoffice:accounts_company_change", company_id)
    return redirect("portal:dashboard")
