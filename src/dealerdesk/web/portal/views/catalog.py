"""The dealer's closed catalog: list with search and filters, and the product page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dealerdesk.catalog.queries import (
    DEFAULT_PER_PAGE,
    CatalogFilters,
    CategoryNotVisible,
    find_by_code,
    product_detail,
    scope_for_company,
)
from dealerdesk.offers.queries import offer_page, product_offer
from dealerdesk.ordering.lists import list_choices
from dealerdesk.web.portal.access import dealer, dealer_required
from dealerdesk.web.portal.offers import choose_contract, current_contract
from dealerdesk.web.portal.params import local_next, positive_int


def filters_from(request: HttpRequest) -> CatalogFilters:
    """Read filters from the query string; nonsense values fall back to defaults."""
    params = request.GET
    return CatalogFilters(
        q=params.get("q", ""),
        category_id=positive_int(params.get("category")),
        brand_id=positive_int(params.get("brand")),
        sort=params.get("sort", "name"),
        page=positive_int(params.get("page")) or 1,
        per_page=positive_int(params.get("per_page")) or DEFAULT_PER_PAGE,
        in_stock=params.get("in_stock", "") in ("1", "on", "true"),
    )


@dealer_required
def catalog(request: HttpRequest) -> HttpResponse:
    scope = scope_for_company(dealer(request).company)
    filters = filters_from(request)
    # A scanned barcode or an exact SKU goes straight to the product, before any listing.
    if filters.q and filters.page == 1 and request.GET.get("exact") != "0":
        match = find_by_code(scope, filters.normalised().q)
        if match is not None:
            return redirect("portal:product", pk=match.pk)
    company = dealer(request).company
    try:
        listing = offer_page(
            company,
            current_contract(request, company),
            scope,
            filters,
            with_barcodes=False,  # the cards do not show them
        )
    except CategoryNotVisible as error:
        raise Http404("No such category in your catalog") from error
    template = "portal/catalog/_results.html" if request.htmx else "portal/catalog/list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "page": listing.page,
            "offers": listing.offers,
            "list_url_name": "portal:catalog",
            "product_url_name": "portal:product",
        },
    )


@dealer_required
def product(request: HttpRequest, pk: int) -> HttpResponse:
    company = dealer(request).company
    scope = scope_for_company(company)
    detail = product_detail(scope, pk)
    if detail is None:
        raise Http404("No such product in your catalog")
    contract = current_contract(request, company)
    offer, breaks = product_offer(company, contract, detail.product)
    return render(
        request,
        "portal/catalog/product.html",
        {
            "detail": detail,
            "offer": offer,
            "breaks": breaks if len(breaks) > 1 else [],
            "list_url_name": "portal:catalog",
            "shopping_lists": list_choices(company) if dealer(request).can_order else [],
        },
    )


@require_POST
@dealer_required
def switch_contract(request: HttpRequest) -> HttpResponse:
    """Choose the contract prices follow; then back to the page (htmx swaps its main part)."""
    company = dealer(request).company
    contract_id = positive_int(request.POST.get("contract"))
    if contract_id is None or choose_contract(request, company, contract_id) is None:
        raise Http404("No such contract")
    return HttpResponseRedirect(local_next(request) or reverse("portal:dashboard"))
