"""What a visitor sees before signing in: the start page with the access request form,
and the teaser catalog (names and pictures, no prices, no stock)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from dealerdesk.accounts.services import request_access
from dealerdesk.catalog.queries import (
    CategoryNotVisible,
    catalog_page,
    product_detail,
    public_scope,
)
from dealerdesk.web.portal.forms import AccessRequestForm
from dealerdesk.web.portal.views.catalog import filters_from


@require_http_methods(["GET", "POST"])
@ratelimit(
    key="ip",
    rate=lambda _group, _request: settings.DEALERDESK_ACCESS_REQUEST_RATE,
    method="POST",
    block=False,
)
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = AccessRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and getattr(request, "limited", False):
        form.errors.clear()
        form.add_error(
            None,
            "We have received many requests from your network in a short time. Please try "
            "again in an hour, or call us; nothing you sent has been lost.",
        )
        return render(request, "portal/public/home.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        result = request_access(
            company_name=form.cleaned_data["company"],
            contact_name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
        if result.created:
            messages.success(
                request,
                "Thank you! Your request is with our sales team; we will contact you shortly.",
            )
        else:
            messages.info(
                request,
                "We already have your request and are working on it; you do not need to "
                "send it again. We will contact you shortly.",
            )
        return redirect("portal:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/public/home.html", {"form": form}, status=status)


def teaser_catalog(request: HttpRequest) -> HttpResponse:
    scope = public_scope()
    try:
        page = catalog_page(scope, filters_from(request))
    except CategoryNotVisible as error:
        raise Http404("No such category") from error
    return render(request, "portal/public/catalog.html", {"page": page})


def teaser_product(request: HttpRequest, pk: int) -> HttpResponse:
    detail = product_detail(public_scope(), pk)
    if detail is None:
        raise Http404("No such product")
    return render(request, "portal/public/product.html", {"detail": detail})
