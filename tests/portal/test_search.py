"""Searching the catalog: scanned barcodes and exact SKUs jump to the product, words match
names in any order, and no query string can break the page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dealerdesk.catalog.queries import MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS, CatalogFilters
from dealerdesk.web.portal.views.catalog import filters_from
from tests import factories as f
from tests.portal.pages import listed_skus, text

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.fixture
def buyer(world, client_for):  # type: ignore[no-untyped-def]
    return client_for(world.buyer_a.user)


@pytest.mark.parametrize(
    "scanned",
    [
        "4006381333931",
        "  4006381333931  ",
        "4006381333931\n",
        "4 006381 333931",
        "4006381-333931",
    ],
)
def test_a_scanned_barcode_goes_straight_to_the_product(world, buyer, scanned):
    response = buyer.get("/portal/catalog/", {"q": scanned})

    assert response.status_code == 302
    assert response["Location"] == f"/portal/products/{world.product_a.pk}/"


@pytest.mark.parametrize("sku", ["CAB-002", "cab-002", " Cab-002 "])
def test_an_exact_sku_goes_straight_to_the_product(world, buyer, sku):
    response = buyer.get("/portal/catalog/", {"q": sku})

    assert response.status_code == 302
    assert response["Location"] == f"/portal/products/{world.product_a_child.pk}/"


def test_a_sku_that_looks_like_a_barcode_of_another_product_prefers_the_barcode(world, buyer):
    # given a product whose SKU is the digits of product A's barcode
    f.ProductFactory(sku="4006381333931", category=world.cat_a)

    response = buyer.get("/portal/catalog/", {"q": "4006381333931"})

    assert response["Location"] == f"/portal/products/{world.product_a.pk}/"


@pytest.mark.parametrize("extra", [{"exact": "0"}, {"page": "2"}])
def test_the_jump_can_be_switched_off(world, buyer, extra):
    response = buyer.get("/portal/catalog/", {"q": "CAB-001", **extra})

    assert response.status_code == 200


def test_exact_0_lists_the_scanned_product(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": "4006381333931", "exact": "0"})

    assert listed_skus(response) == ["CAB-001"]


@pytest.mark.parametrize(
    ("query", "skus"),
    [
        ("nym", ["CAB-001"]),
        ("NYM cable", ["CAB-001"]),
        ("cable nym", ["CAB-001"]),
        ("3x1.5 cab", ["CAB-001"]),
        ("5x10  NYY", ["CAB-002"]),
        ("cable", ["CAB-001", "CAB-002"]),
        ("CAB", ["CAB-001", "CAB-002"]),  # SKU prefix
        ("cable drill", []),  # every word must match
        ("nym nyy", []),
    ],
)
def test_name_words_match_in_any_order(world, buyer, query, skus):
    response = buyer.get("/portal/catalog/", {"q": query})

    assert response.status_code == 200
    assert sorted(listed_skus(response)) == skus


def test_search_within_a_category(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": "cable", "category": world.cat_a_child.pk})

    assert listed_skus(response) == ["CAB-002"]


def test_htmx_search_returns_only_the_results_fragment(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": "cable", "exact": "0"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert sorted(listed_skus(response)) == ["CAB-001", "CAB-002"]


def test_htmx_search_without_results_renders_the_fragment(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": "zzz"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Nothing in your catalog matches" in text(response)


def test_htmx_request_for_a_foreign_category_is_not_found(world, buyer):
    response = buyer.get("/portal/catalog/", {"category": world.cat_b.pk}, HTTP_HX_REQUEST="true")

    assert response.status_code == 404


def test_a_barcode_outside_the_catalog_finds_nothing(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": "5901234123457"})

    assert response.status_code == 200
    assert listed_skus(response) == []
    assert "Nothing in your catalog matches “5901234123457”" in text(response)


def test_a_search_shows_the_query_escaped(world, buyer):
    response = buyer.get("/portal/catalog/", {"q": '<script>alert("x")</script>'})

    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


NONSENSE = [
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999"},
    {"page": "1e9"},
    {"page": "99999999999999999999999999"},
    {"category": "999999999999999999999"},
    {"category": "abc"},
    {"category": "-3"},
    {"category": ""},
    {"brand": "99999999999999999999"},
    {"brand": "x"},
    {"per_page": "-5"},
    {"per_page": "0"},
    {"per_page": "100000"},
    {"per_page": "ten"},
    {"sort": "evil"},
    {"sort": "-price; DROP TABLE catalog_product"},
    {"sort": "category__path"},
    {"q": "%"},
    {"q": "_"},
    {"q": "\\"},
    {"q": "' OR 1=1 --"},
    {"q": "x" * 5000},
    {"q": "🙂 кабель"},
    {"exact": "maybe"},
]


@pytest.mark.parametrize("url", ["/portal/catalog/", "/catalog/"], ids=["dealer", "teaser"])
def test_nonsense_query_parameters_never_break_the_catalog(world, buyer, url):
    # given a non-empty teaser next to the dealer's catalog
    f.ProductFactory(category=f.CategoryFactory(in_public_teaser=True))

    # when every kind of nonsense is sent (one request each, failures collected)
    answers = {repr(params): buyer.get(url, params).status_code for params in NONSENSE}

    # then every page still renders
    assert {params: status for params, status in answers.items() if status != 200} == {}


@pytest.mark.parametrize("url", ["/portal/catalog/", "/catalog/"], ids=["dealer", "teaser"])
def test_a_nul_character_in_the_query_does_not_break_the_catalog(world, buyer, url):
    f.ProductFactory(category=f.CategoryFactory(in_public_teaser=True))

    response = buyer.get(url, {"q": "cab\x00le"})

    assert response.status_code == 200


def test_pages_past_the_end_show_the_last_page(world, buyer):
    response = buyer.get("/portal/catalog/", {"page": "50", "per_page": "1"})

    assert response.status_code == 200
    assert listed_skus(response) == ["CAB-002"]
    assert "Page 2 of 2" in text(response)


@pytest.mark.parametrize(
    ("sort", "skus"),
    [
        ("name", ["CAB-001", "CAB-002"]),
        ("-name", ["CAB-002", "CAB-001"]),
        ("-sku", ["CAB-002", "CAB-001"]),
    ],
)
def test_sorting(world, buyer, sort, skus):
    assert listed_skus(buyer.get("/portal/catalog/", {"sort": sort})) == skus


query_values = st.one_of(st.text(max_size=30), st.integers().map(str), st.just(""))


@hypothesis_settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["q", "category", "brand", "sort", "page", "per_page"]), query_values
    )
)
def test_filters_from_any_query_string_are_within_bounds(params):
    request = RequestFactory().get("/portal/catalog/", params)

    filters = filters_from(request).normalised()

    assert filters.page >= 1
    assert 1 <= filters.per_page <= MAX_PER_PAGE
    assert filters.sort in SORTS
    assert len(filters.q) <= MAX_QUERY_LENGTH
    for value in (filters.category_id, filters.brand_id):
        assert value is None or 0 < value < 2**62


def test_normalised_filters_collapse_the_query():
    filters = CatalogFilters(q="  cable \t nym  ", per_page=500, page=-4, sort="nope").normalised()

    assert (filters.q, filters.per_page, filters.page, filters.sort) == ("cable nym", 96, 1, "name")
