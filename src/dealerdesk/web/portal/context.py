"""Template context every portal page gets: the supplier's name and the company switcher."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dealerdesk.web.portal.access import membership_of, memberships_of
from dealerdesk.web.portal.offers import company_contracts, current_contract


def portal(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"supplier_name": settings.DEALERDESK_SUPPLIER_NAME}
    path = request.path
    if request.user.is_authenticated and not path.startswith(("/backoffice/", "/static/")):
        membership = membership_of(request)
        context["current_membership"] = membership
        context["assisting"] = bool(getattr(membership, "assisting", False))
        context["all_memberships"] = lambda: memberships_of(request)
        if membership is not None:
            company = membership.company
            context["contracts"] = lambda: company_contracts(request, company)
            context["current_contract"] = lambda: current_contract(request, company)
    return context
