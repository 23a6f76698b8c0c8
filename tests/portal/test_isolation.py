"""The authorization matrix: a dealer of company A never reaches company B's objects.

Every object of B asked for by A answers 404 (not 403: that would confirm it exists), and
no list, search, facet or tree of A's pages ever shows what only B sees.
"""

from __future__ import annotations

import pytest

from dealerdesk.accounts.choices import InviteStatus, MembershipRole
from dealerdesk.accounts.models import Membership
from dealerdesk.accounts.services import create_invite
from tests import factories as f
from tests.portal.pages import listed_skus, main_content, text

NOT_FOUND_TEXT = "not part of your catalog"


@pytest.fixture
def b_invite(world):  # type: ignore[no-untyped-def]
    """A pending invitation of company B, issued by B's people."""
    return create_invite(
        world.company_b, email="newcomer@bravo.test", invited_by=world.buyer_b.user
    ).invite


# (method, url of B's object, POST data): every portal endpoint that takes an object id.
ANY_DEALER_REQUESTS = [
    pytest.param("get", lambda w, i: f"/portal/products/{w.product_b.pk}/", {}, id="product"),
    pytest.param(
        "get", lambda w, i: f"/portal/catalog/?category={w.cat_b.pk}", {}, id="catalog-category"
    ),
    pytest.param(
        "get",
        lambda w, i: f"/portal/catalog/?category={w.cat_b.pk}&q=drill",
        {},
        id="catalog-category-search",
    ),
    pytest.param("get", lambda w, i: f"/portal/team/members/{w.buyer_b.pk}/", {}, id="member-page"),
    pytest.param(
        "post",
        lambda w, i: f"/portal/team/members/{w.buyer_b.pk}/",
        {"role": MembershipRole.OWNER},
        id="member-role",
    ),
    pytest.param("post", lambda w, i: "/portal/company/", {"company": "B"}, id="switch-company"),
]
# Endpoints behind owner_required: a buyer is turned away before any object is looked up.
OWNER_REQUESTS = [
    pytest.param(
        "post",
        lambda w, i: f"/portal/team/members/{w.buyer_b.pk}/access/",
        {"active": "0"},
        id="member-access",
    ),
    pytest.param(
        "post", lambda w, i: f"/portal/team/invites/{i.pk}/revoke/", {}, id="invite-revoke"
    ),
]
MATRIX = [
    *(pytest.param(*p.values, "owner", id=f"{p.id}-owner") for p in ANY_DEALER_REQUESTS),
    *(pytest.param(*p.values, "buyer", id=f"{p.id}-buyer") for p in ANY_DEALER_REQUESTS),
    *(pytest.param(*p.values, "owner", id=f"{p.id}-owner") for p in OWNER_REQUESTS),
]


def _assert_b_untouched(world, b_invite) -> None:  # type: ignore[no-untyped-def]
    buyer_b = Membership.objects.get(pk=world.buyer_b.pk)
    assert (buyer_b.role, buyer_b.is_active) == (MembershipRole.BUYER, True)
    b_invite.refresh_from_db()
    assert b_invite.status == InviteStatus.PENDING


@pytest.mark.parametrize(("method", "url", "data", "who"), MATRIX)
def test_dealer_asking_for_another_companys_object_gets_404(
    world, client_for, b_invite, method, url, data, who
):
    # given an owner (who may manage people) or a buyer of company A
    user = (world.owner_a if who == "owner" else world.buyer_a).user
    client = client_for(user)
    if data.get("company") == "B":
        data = {"company": str(world.company_b.pk)}

    # when they ask for one of company B's objects
    response = getattr(client, method)(url(world, b_invite), data)

    # then the answer is "not found", and nothing of B is shown or changed
    assert response.status_code == 404
    page = text(response)
    assert NOT_FOUND_TEXT in page
    for secret in (
        world.product_b.name,
        world.product_b.sku,
        world.buyer_b.user.email,
        b_invite.email,
    ):
        assert secret not in page
    _assert_b_untouched(world, b_invite)
    # and A's session still acts for A
    assert "Alpha Electric" in text(client.get("/portal/"))


@pytest.mark.parametrize(("method", "url", "data"), OWNER_REQUESTS)
def test_buyer_gets_the_same_owner_only_answer_for_b_objects_and_missing_ones(
    world, client_for, b_invite, method, url, data
):
    # given a buyer of A, for whom team management is closed anyway
    client = client_for(world.buyer_a.user)

    # when they ask for B's object, and for an id that does not exist at all
    for_b = getattr(client, method)(url(world, b_invite), data)
    missing = getattr(client, method)(
        url(world, b_invite)
        .replace(f"/{world.buyer_b.pk}/", "/999999/")
        .replace(f"/{b_invite.pk}/", "/999999/"),
        data,
    )

    # then both answers are the same "owners only" page: the id's existence is not revealed
    assert for_b.status_code == missing.status_code == 403
    assert main_content(for_b) == main_content(missing)
    _assert_b_untouched(world, b_invite)


def test_anonymous_visitor_is_sent_to_sign_in_for_every_dealer_page(world, client):
    # given nobody is signed in
    urls = [
        "/portal/",
        "/portal/catalog/",
        f"/portal/products/{world.product_a.pk}/",
        "/portal/team/",
        f"/portal/team/members/{world.buyer_a.pk}/",
    ]
    for url in urls:
        # when they open a dealer page
        response = client.get(url)
        # then they are asked to sign in first, and come back afterwards
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_catalog_list_never_shows_another_companys_products(world, client_for):
    # given dealer A, whose catalog has two products, and dealer B with one of its own
    client = client_for(world.buyer_a.user)

    # when A opens the whole catalog
    response = client.get("/portal/catalog/")

    # then exactly A's products are listed, nothing of B (product, category or brand)
    assert sorted(listed_skus(response)) == ["CAB-001", "CAB-002"]
    page = text(response)
    assert world.product_b.name not in page
    assert world.cat_b.name not in page
    assert world.product_b.brand.name not in page


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("Hammer drill 800W", id="full-name"),
        pytest.param("hammer", id="name-word"),
        pytest.param("TOOL-001", id="sku"),
        pytest.param("tool-001", id="sku-lower-case"),
        pytest.param("TOOL", id="sku-prefix"),
        pytest.param("5901234123457", id="barcode"),
        pytest.param(" 5901234123457 ", id="barcode-with-spaces"),
    ],
)
def test_searching_for_another_companys_product_finds_nothing(world, client_for, query):
    # given dealer A, and B's product "Hammer drill 800W" (TOOL-001, EAN 5901234123457)
    client = client_for(world.buyer_a.user)

    # when A searches for it by name, SKU or barcode
    response = client.get("/portal/catalog/", {"q": query})

    # then there is no jump to the product page and no result
    assert response.status_code == 200
    assert listed_skus(response) == []
    assert "Nothing in your catalog matches" in text(response)
    assert f"/portal/products/{world.product_b.pk}/" not in text(response)


def test_brand_facet_lists_only_brands_of_the_dealers_own_catalog(world, client_for):
    # given a brand that only B's products carry, and one that both catalogs carry
    shared = f.BrandFactory(name="Shared brand")
    f.ProductFactory(category=world.cat_a, brand=shared, sku="CAB-010")
    f.ProductFactory(category=world.cat_b, brand=shared, sku="TOOL-010")
    b_only = world.product_b.brand

    # when A opens the catalog
    response = client_for(world.buyer_a.user).get("/portal/catalog/")

    # then the facet offers the shared brand with A's count only, never B's own brand
    page = text(response)
    assert b_only.name not in page
    assert 'Shared brand <span class="count">1</span>' in page


def test_filtering_by_a_brand_only_b_sees_shows_nothing(world, client_for):
    # given B's product's brand
    brand = world.product_b.brand

    # when A forges the brand filter
    response = client_for(world.buyer_a.user).get("/portal/catalog/", {"brand": brand.pk})

    # then nothing is listed and the brand's name is not revealed
    assert listed_skus(response) == []
    assert brand.name not in text(response)


def test_team_page_lists_only_the_dealers_own_people_and_invites(world, client_for, b_invite):
    # given an owner of A
    response = client_for(world.owner_a.user).get("/portal/team/")

    # then B's people and invitations are not on A's team page
    page = text(response)
    assert world.buyer_a.user.email in page
    assert world.buyer_b.user.email not in page
    assert b_invite.email not in page


# --- the public teaser --------------------------------------------------------------------


@pytest.fixture
def teaser(world):  # type: ignore[no-untyped-def]
    """A teaser category with a product, next to the dealers' closed categories."""
    category = f.CategoryFactory(name="Lighting", in_public_teaser=True)
    product = f.ProductFactory(name="LED panel 600", sku="LED-600", category=category)
    f.BarcodeFactory(product=product)
    return category, product


def test_teaser_catalog_shows_only_teaser_categories(world, client, teaser):
    category, product = teaser

    # when a visitor opens the public catalog
    response = client.get("/catalog/")

    # then they see the teaser category's products and nothing of the closed catalogs
    assert listed_skus(response) == [product.sku]
    page = text(response)
    assert category.name in page
    for hidden in (world.cat_a, world.cat_a_child, world.cat_b):
        assert hidden.name not in page
    for hidden in (world.product_a, world.product_a_child, world.product_b):
        assert hidden.sku not in page
        assert hidden.name not in page


@pytest.mark.parametrize(
    "query", ["CAB-001", "4006381333931", "Cable", "Hammer", "TOOL-001", "5901234123457"]
)
def test_teaser_search_never_finds_closed_catalog_products(world, client, teaser, query):
    response = client.get("/catalog/", {"q": query})

    assert response.status_code == 200
    assert listed_skus(response) == []


def test_teaser_does_not_open_closed_products_or_categories(world, client, teaser):
    for product in (world.product_a, world.product_b):
        assert client.get(f"/catalog/products/{product.pk}/").status_code == 404
    for category in (world.cat_a, world.cat_b):
        assert client.get("/catalog/", {"category": category.pk}).status_code == 404
    _, visible = teaser
    assert client.get(f"/catalog/products/{visible.pk}/").status_code == 200


def test_teaser_shows_no_prices_or_dealer_links(world, client, teaser):
    _, product = teaser

    response = client.get(f"/catalog/products/{product.pk}/")

    page = text(response)
    assert product.name in page
    assert "Prices and stock are shown to signed-in dealers" in page
    assert 'href="/portal/' not in page


def test_teaser_is_empty_when_no_category_is_marked(world, client):
    response = client.get("/catalog/")

    assert listed_skus(response) == []
    assert world.cat_a.name not in text(response)


@pytest.mark.parametrize("what", ["category", "product"])
def test_teaser_hides_inactive_categories_and_products(world, client, teaser, what):
    category, product = teaser
    if what == "category":
        category.is_active = False
        category.save()
    else:
        product.is_active = False
        product.save()

    assert listed_skus(client.get("/catalog/")) == []
    assert client.get(f"/catalog/products/{product.pk}/").status_code == 404


def test_a_teaser_subcategory_shows_its_parent_as_a_signpost_only(world, client):
    # given "Cordless" below B's "Tools" is in the teaser, "Tools" itself is not
    cordless = f.CategoryFactory(name="Cordless", parent=world.cat_b, in_public_teaser=True)
    shown = f.ProductFactory(name="Cordless screwdriver", sku="CORD-1", category=cordless)

    # when a visitor opens the teaser, and the parent node
    everything = client.get("/catalog/")
    parent = client.get("/catalog/", {"category": world.cat_b.pk})

    # then only the teaser subcategory's products are ever listed
    assert listed_skus(everything) == [shown.sku]
    assert listed_skus(parent) == [shown.sku]
    assert world.product_b.name not in text(parent)
    assert client.get(f"/catalog/products/{world.product_b.pk}/").status_code == 404
