"""The closed catalog: what a company's assignments (and its group's) open, and nothing else."""

from __future__ import annotations

import pytest

from dealerdesk.catalog.queries import (
    CatalogFilters,
    CategoryNotVisible,
    catalog_page,
    product_detail,
    scope_for_company,
    visible_categories,
)
from tests import factories as f
from tests.portal.pages import listed_skus, text


def visible_skus(company) -> set[str]:  # type: ignore[no-untyped-def]
    return set(scope_for_company(company).products().values_list("sku", flat=True))


def test_parent_category_assignment_opens_its_whole_subtree(world):
    # given A's group is assigned "Cables", which has "Power cables" below it
    grandchild = f.CategoryFactory(name="Armoured", parent=world.cat_a_child)
    deep = f.ProductFactory(sku="CAB-DEEP", category=grandchild)

    # then products anywhere below "Cables" are in A's catalog
    assert visible_skus(world.company_a) == {"CAB-001", "CAB-002", deep.sku}


def test_subcategory_products_are_listed_on_the_catalog_page(world, client_for):
    client = client_for(world.buyer_a.user)

    response = client.get("/portal/catalog/", {"category": world.cat_a.pk})

    assert sorted(listed_skus(response)) == ["CAB-001", "CAB-002"]
    child_only = client.get("/portal/catalog/", {"category": world.cat_a_child.pk})
    assert listed_skus(child_only) == ["CAB-002"]


def test_single_product_assignment_opens_that_product_only(world):
    # given a product in B's category, assigned to A by itself
    extra = f.ProductFactory(sku="TOOL-002", category=world.cat_b)
    f.CatalogAssignmentFactory(company=world.company_a, product=extra)

    # then A sees it, but not the category's other products
    assert visible_skus(world.company_a) == {"CAB-001", "CAB-002", "TOOL-002"}
    assert visible_skus(world.company_b) == {"TOOL-001", "TOOL-002"}


def test_single_product_assignment_shows_its_category_in_the_tree_without_its_siblings(
    world, client_for
):
    # given a product of "Tools" (B's category) assigned to A by itself
    extra = f.ProductFactory(name="Tape measure 5 m", sku="TOOL-002", category=world.cat_b)
    f.CatalogAssignmentFactory(company=world.company_a, product=extra)
    client = client_for(world.buyer_a.user)

    # when A opens the catalog, and then the "Tools" category
    everything = client.get("/portal/catalog/")
    tools = client.get("/portal/catalog/", {"category": world.cat_b.pk})

    # then "Tools" is in A's tree, and in it A finds only the assigned product
    assert f'?category={world.cat_b.pk}"' in everything.content.decode()
    assert listed_skus(tools) == ["TOOL-002"]
    assert world.product_b.name not in text(tools)
    assert client.get(f"/portal/products/{world.product_b.pk}/").status_code == 404
    assert client.get(f"/portal/products/{extra.pk}/").status_code == 200


def test_customer_group_assignment_applies_to_every_company_of_the_group(world):
    # given another dealer in A's customer group, with no assignment of its own
    sibling = f.CompanyFactory(customer_group=world.company_a.customer_group)

    # then it sees the group's catalog
    assert visible_skus(sibling) == {"CAB-001", "CAB-002"}


def test_group_and_company_assignments_add_up(world):
    # given A's group opens "Cables" and A itself also gets "Tools"
    f.CatalogAssignmentFactory(company=world.company_a, category=world.cat_b)

    assert visible_skus(world.company_a) == {"CAB-001", "CAB-002", "TOOL-001"}
    # and another company of the group does not get A's own extra
    sibling = f.CompanyFactory(customer_group=world.company_a.customer_group)
    assert visible_skus(sibling) == {"CAB-001", "CAB-002"}


@pytest.mark.parametrize("with_group", [True, False])
def test_company_without_assignments_sees_an_empty_catalog(world, client_for, with_group):
    # given a dealer with no assignments (in an empty customer group, or in none)
    company = f.CompanyFactory(customer_group=f.CustomerGroupFactory() if with_group else None)
    membership = f.MembershipFactory(company=company)

    # then nothing is visible: list, tree, search, barcode and product pages
    assert visible_skus(company) == set()
    client = client_for(membership.user)
    response = client.get("/portal/catalog/")
    assert listed_skus(response) == []
    page = text(response)
    for category in (world.cat_a, world.cat_b):
        assert category.name not in page
    assert listed_skus(client.get("/portal/catalog/", {"q": "4006381333931"})) == []
    assert client.get(f"/portal/products/{world.product_a.pk}/").status_code == 404
    assert "Your catalog has <strong>0</strong> products" in text(client.get("/portal/"))


def test_inactive_product_is_invisible(world, client_for):
    world.product_a.is_active = False
    world.product_a.save()
    client = client_for(world.buyer_a.user)

    assert visible_skus(world.company_a) == {"CAB-002"}
    assert client.get(f"/portal/products/{world.product_a.pk}/").status_code == 404
    search = client.get("/portal/catalog/", {"q": "4006381333931"})
    assert search.status_code == 200
    assert listed_skus(search) == []


def test_inactive_single_product_assignment_shows_nothing(world):
    extra = f.ProductFactory(sku="TOOL-002", category=world.cat_b, is_active=False)
    f.CatalogAssignmentFactory(company=world.company_a, product=extra)

    assert visible_skus(world.company_a) == {"CAB-001", "CAB-002"}
    assert world.cat_b.pk not in visible_categories(scope_for_company(world.company_a))


def test_inactive_assigned_category_hides_its_products_and_subtree(world, client_for):
    # given A's assigned category "Cables" is switched off
    world.cat_a.is_active = False
    world.cat_a.save()
    client = client_for(world.buyer_a.user)

    # then none of its products, nor its subcategory's, are visible anywhere
    assert visible_skus(world.company_a) == set()
    assert listed_skus(client.get("/portal/catalog/")) == []
    for product in (world.product_a, world.product_a_child):
        assert client.get(f"/portal/products/{product.pk}/").status_code == 404
    assert client.get("/portal/catalog/", {"category": world.cat_a.pk}).status_code == 404


def test_inactive_subcategory_hides_its_products(world, client_for):
    # given "Power cables", below A's assigned "Cables", is switched off
    world.cat_a_child.is_active = False
    world.cat_a_child.save()
    client = client_for(world.buyer_a.user)

    # then the category is gone from the tree (it is), and so are its products
    assert world.cat_a_child.pk not in visible_categories(scope_for_company(world.company_a))
    assert visible_skus(world.company_a) == {"CAB-001"}
    assert listed_skus(client.get("/portal/catalog/")) == ["CAB-001"]
    assert client.get(f"/portal/products/{world.product_a_child.pk}/").status_code == 404


def test_overlapping_assignments_list_each_product_once(world):
    # given A is assigned both "Cables" (via its group) and "Power cables" and one product
    f.CatalogAssignmentFactory(company=world.company_a, category=world.cat_a_child)
    f.CatalogAssignmentFactory(company=world.company_a, product=world.product_a_child)

    page = catalog_page(scope_for_company(world.company_a), CatalogFilters())

    assert sorted(p.sku for p in page.products) == ["CAB-001", "CAB-002"]
    assert page.total == 2


def test_catalog_page_refuses_a_category_outside_the_scope(world):
    scope = scope_for_company(world.company_a)

    with pytest.raises(CategoryNotVisible):
        catalog_page(scope, CatalogFilters(category_id=world.cat_b.pk))


def test_product_detail_is_none_outside_the_scope(world):
    scope = scope_for_company(world.company_a)

    assert product_detail(scope, world.product_b.pk) is None
    detail = product_detail(scope, world.product_a_child.pk)
    assert detail is not None
    assert [c.name for c in detail.breadcrumbs] == ["Cables", "Power cables"]


def test_counts_from_the_shared_per_category_table_match_the_database(world):
    # given products of several brands in A's categories, some retired, one in a hidden
    # subtree, and a brand filter

    from dealerdesk.catalog.queries import _brand_counts

    brands = [f.BrandFactory(name=f"Count brand {n}") for n in range(3)]
    for n in range(12):
        f.ProductFactory(category=world.cat_a_child, brand=brands[n % 3], is_active=n != 5)
    f.ProductFactory(category=world.cat_a, brand=None)
    hidden = f.CategoryFactory(name="Switched off", parent=world.cat_a, is_active=False)
    f.ProductFactory(category=hidden, brand=brands[0])
    scope = scope_for_company(world.company_a)

    for filters in (
        CatalogFilters(),
        CatalogFilters(category_id=world.cat_a_child.pk),
        CatalogFilters(brand_id=brands[1].pk),
    ):
        page = catalog_page(scope, filters)
        products = scope.products()
        if filters.category_id:
            products = products.filter(category_id=filters.category_id)
        expected_facet = _brand_counts(products)
        if filters.brand_id:
            products = products.filter(brand_id=filters.brand_id)
        assert page.total == products.count()
        assert [(b.id, b.name, b.count) for b in page.brands] == expected_facet
