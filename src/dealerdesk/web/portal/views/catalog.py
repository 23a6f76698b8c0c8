"""The dealer's closed catalog: list with search and filters, and the product page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dealerdesk.catalog.queries import (
    CatalogFilters,
    CategoryNotVisible,
    catalog_page,
    find_by_code,
    product_detail,
    scope_for_company,
)
from dealerdesk.web.portal.access import dealer, dealer_required


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if number is not None and not 0 < number < 2**62:
        return None
    return number


def filters_from(request: HttpRequest) -> CatalogFilters:
    """Read filters from the query string; nonsense values fall back to defaults."""
    params = request.GET
    return CatalogFilters(
        q=params.get("q", ""),
        category_id=_int(params.get("category")),
        brand_id=_int(params.get("brand")),
        sort=params.get("sort", "name"),
        page=_int(params.get("page")) or 1,
        per_page=_int(params.get("per_page")) or 24,
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
    try:
        page = catalog_page(scope, filters)
    except CategoryNotVisible as error:
        raise Http404("No such category in your catalog") from error
    template = "portal/catalog/_results.html" if request.htmx else "portal/catalog/list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"page": page, "list_url_name": "portal:catalog", "product_url_name": "portal:product"},
    )


@dealer_required
def product(request: HttpRequest, pk: int) -> HttpResponse:
    detail = product_detail(scope_for_company(request.company), pk)  # type: ignore[attr-defined]
    if detail is None:
        raise Http404("No such product in your catalog")
    return render(request, "portal/catalog/product.html", {"detail": detail})
