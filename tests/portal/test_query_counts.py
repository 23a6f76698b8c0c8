"""Pages that list things run a fixed number of queries, however many things they show."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.services import create_invite
from dealerdesk.catalog.models import ProductImage
from tests import factories as f
from tests.portal.pages import listed_skus, png_upload

pytestmark = pytest.mark.usefixtures("frozen_now")

# Generous ceilings: the exact counts are compared between sizes; these catch a blow-up.
# A list page prices and shows stock: session, membership, contracts, scope, listing, then
# 7 pricing and 4 stock queries.
LIST_MAX_QUERIES = 28
PRODUCT_MAX_QUERIES = 26
TEASER_MAX_QUERIES = 9


def stock_products(category, count: int, *, images: int = 2, barcodes: int = 2):  # type: ignore[no-untyped-def]
    """Products with a brand (of three), barcodes and pictures, in ``category``."""
    brands = [f.BrandFactory(name=f"Query brand {n}") for n in range(3)]
    products = []
    for n in range(count):
        product = f.ProductFactory(category=category, brand=brands[n % 3])
        for _ in range(barcodes):
            f.BarcodeFactory(product=product)
        for order in range(images):
            ProductImage.objects.create(product=product, image=png_upload(), sort_order=order)
        products.append(product)
    return products


@pytest.fixture
def many_in_a(world):  # type: ignore[no-untyped-def]
    """50 more products in A's subcategory, so that A's catalog holds 52, each with a price,
    a customer price, a quantity break and stock in two warehouses, under a contract."""
    from decimal import Decimal

    from dealerdesk.inventory.models import StockLevel, Warehouse
    from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType, QuantityBreak

    products = stock_products(world.cat_a_child, 50)
    wholesale = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Contract.objects.create(company=world.company_a, name="Prepay", is_default=True)
    warehouses = [
        Warehouse.objects.create(code=f"W{n}", name=f"Depot {n}", open_to_all=True)
        for n in range(2)
    ]
    for product in [*products, world.product_a, world.product_a_child]:
        Price.objects.create(product=product, price_type=wholesale, amount=Decimal("12.5"))
        CustomerPrice.objects.create(
            company=world.company_a, product=product, amount=Decimal(11), currency="EUR"
        )
        QuantityBreak.objects.create(
            product=product, min_quantity=Decimal(10), discount_percent=Decimal(5)
        )
        for warehouse in warehouses:
            StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=Decimal(40))
    return products


def test_catalog_list_queries_do_not_grow_with_the_page_size(
    world, client_for, many_in_a, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(world.buyer_a.user)
    client.get("/portal/")  # the session settles on the current company
    client.get("/portal/catalog/")  # the dealer's scope and tree are cached from here on

    with django_assert_max_num_queries(LIST_MAX_QUERIES) as small:
        page_of_24 = client.get("/portal/catalog/")
    with django_assert_num_queries(len(small)):
        page_of_48 = client.get("/portal/catalog/", {"per_page": 48})

    assert len(listed_skus(page_of_24)) == 24
    skus = listed_skus(page_of_48)
    assert len(skus) == 48
    with_pictures = {p.sku for p in many_in_a}
    assert page_of_48.content.count(b"<img ") == len(with_pictures & set(skus))


@pytest.mark.parametrize("refine", [{}, {"in_stock": "1", "sort": "price"}, {"sort": "-price"}])
def test_catalog_list_with_filters_runs_the_same_queries(
    world, client_for, many_in_a, django_assert_num_queries, django_assert_max_num_queries, refine
):
    client = client_for(world.buyer_a.user)
    client.get("/portal/")
    client.get("/portal/catalog/")
    brand = many_in_a[0].brand

    filters = {"category": world.cat_a_child.pk, "brand": brand.pk, "q": "Product", **refine}
    client.get("/portal/catalog/", {**filters, "per_page": 1})  # counts for these filters

    with django_assert_max_num_queries(LIST_MAX_QUERIES) as few:
        small = client.get("/portal/catalog/", {**filters, "per_page": 2})
    with django_assert_num_queries(len(few)):
        large = client.get("/portal/catalog/", {**filters, "per_page": 48})

    assert len(listed_skus(small)) == 2
    assert len(listed_skus(large)) == 17  # every third of the 50 carries that brand


def test_product_page_queries_do_not_grow_with_its_details(
    world, client_for, django_assert_max_num_queries, django_assert_num_queries
):
    # given a plain product and one with many attributes, barcodes and pictures
    plain = stock_products(world.cat_a_child, 1, images=1, barcodes=1)[0]
    rich = stock_products(world.cat_a_child, 1, images=6, barcodes=5)[0]
    f.ProductAttributeValueFactory(product=plain)
    for _ in range(15):
        f.ProductAttributeValueFactory(product=rich, value="230")
    client = client_for(world.buyer_a.user)
    client.get("/portal/")
    client.get(f"/portal/products/{plain.pk}/")  # the dealer's scope and warehouses are cached

    with django_assert_max_num_queries(PRODUCT_MAX_QUERIES) as few:
        assert client.get(f"/portal/products/{plain.pk}/").status_code == 200
    with django_assert_num_queries(len(few)):
        response = client.get(f"/portal/products/{rich.pk}/")

    page = response.content.decode()
    assert page.count('class="barcode"') == 5
    assert page.count("<img ") >= 6
    assert page.count('<th scope="row">') == 15


def test_teaser_queries_do_not_grow_with_the_page_size(
    world, client, django_assert_max_num_queries, django_assert_num_queries
):
    teaser = f.CategoryFactory(in_public_teaser=True)
    stock_products(f.CategoryFactory(parent=teaser), 50)
    client.get("/catalog/")  # the teaser scope and tree are cached from here on

    with django_assert_max_num_queries(TEASER_MAX_QUERIES) as small:
        page_of_24 = client.get("/catalog/")
    with django_assert_num_queries(len(small)):
        page_of_48 = client.get("/catalog/", {"per_page": 48})

    assert len(listed_skus(page_of_24)) == 24
    assert len(listed_skus(page_of_48)) == 48


def test_teaser_product_page_queries_do_not_grow_with_its_details(
    world, client, django_assert_max_num_queries, django_assert_num_queries
):
    teaser = f.CategoryFactory(in_public_teaser=True)
    plain = stock_products(teaser, 1, images=1, barcodes=1)[0]
    rich = stock_products(teaser, 1, images=5, barcodes=4)[0]
    for _ in range(10):
        f.ProductAttributeValueFactory(product=rich)
    client.get("/catalog/")

    with django_assert_max_num_queries(TEASER_MAX_QUERIES) as few:
        client.get(f"/catalog/products/{plain.pk}/")
    with django_assert_num_queries(len(few)):
        assert client.get(f"/catalog/products/{rich.pk}/").status_code == 200


def test_team_page_queries_do_not_grow_with_people(
    world, client_for, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(world.owner_a.user)
    client.get("/portal/")

    with django_assert_max_num_queries(8) as few:
        client.get("/portal/team/")
    for n in range(15):
        f.MembershipFactory(company=world.company_a)
        f.MembershipFactory(user=world.owner_a.user, company=f.CompanyFactory(name=f"Zulu {n}"))
    for n in range(10):
        create_invite(
            world.company_a, email=f"invitee{n}@alpha.test", invited_by=world.owner_a.user
        )
    with django_assert_num_queries(len(few)):
        response = client.get("/portal/team/")

    assert response.content.decode().count('class="link">Withdraw') == 10
