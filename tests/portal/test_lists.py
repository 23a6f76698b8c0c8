"""Shopping lists in the portal: what a buyer does with them, what a viewer may only look
at, what company B's people can never reach, and odd input that never breaks a page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.lists import add_product, create_list
from dealerdesk.ordering.models import CartLine, ShoppingList, ShoppingListLine
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.portal.pages import field_errors, flash_messages, main_content, text

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shop(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product, amount in ((world.product_a, "120"), (world.product_a_child, "80")):
        Price.objects.create(product=product, price_type=base, amount=D(amount))
    Price.objects.create(product=world.product_b, price_type=base, amount=D(50))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    Contract.objects.create(company=world.company_b, name="Bravo terms", is_default=True)
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_a_child, world.product_b):
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=D(10))
    world.product_a_child.pack_multiple = D(5)
    world.product_a_child.min_quantity = D(5)
    world.product_a_child.save()
    return base


@pytest.fixture
def restock(world, shop):  # type: ignore[no-untyped-def]
    """Alpha's "Weekly restock": 3 x CAB-001 and 10 x CAB-002."""
    created = create_list(world.company_a, world.owner_a.user, "Weekly restock")
    add_product(world.company_a, created.pk, world.product_a.pk, D(3))
    add_product(world.company_a, created.pk, world.product_a_child.pk, D(10))
    return created


@pytest.fixture
def bravo_list(world, shop):  # type: ignore[no-untyped-def]
    created = create_list(world.company_b, world.buyer_b.user, "Bravo tools")
    add_product(world.company_b, created.pk, world.product_b.pk, D(2))
    return created


def _quantities(shopping_list: ShoppingList) -> dict[str, Decimal]:
    return dict(shopping_list.lines.values_list("product__sku", "quantity"))


# --- the lists page -----------------------------------------------------------------------------


def test_the_lists_page_shows_each_list_with_its_lines_and_last_change(world, client_for, restock):
    page = client_for(world.buyer_a.user).get("/portal/lists/")

    assert page.status_code == 200
    body = main_content(page)
    assert 'data-list="Weekly restock"' in body
    assert f'href="/portal/lists/{restock.pk}/"' in body
    assert '<td class="num">2</td>' in body
    assert restock.updated_at.strftime("%Y") in body
    assert 'id="create-list"' in body


def test_the_nav_links_the_lists_and_lights_them_on_list_pages(world, client_for, restock):
    client = client_for(world.buyer_a.user)

    dashboard = text(client.get("/portal/"))
    on_list = text(client.get(f"/portal/lists/{restock.pk}/"))

    assert 'href="/portal/lists/" >Lists</a>' in dashboard
    assert 'href="/portal/lists/" aria-current="page">Lists</a>' in on_list
    assert 'aria-current="page">Orders</a>' not in on_list


def test_creating_a_list_opens_it(world, client_for, shop):
    response = client_for(world.buyer_a.user).post("/portal/lists/new/", {"name": " Workshop "})

    created = ShoppingList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/lists/{created.pk}/"
    assert (created.name, created.company, created.created_by) == (
        "Workshop",
        world.company_a,
        world.buyer_a.user,
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 10_000, "A list name can have at most 100 characters. This one has 10,000."),
        ("Weekly\x00restock", "Null characters are not allowed."),
        ("WEEKLY RESTOCK", "Your company already has a list with this name."),
    ],
    ids=["empty", "blank", "10000-chars", "nul", "duplicate"],
)
def test_a_bad_name_is_explained_next_to_the_field(world, client_for, restock, name, error):
    response = client_for(world.buyer_a.user).post("/portal/lists/new/", {"name": name})

    assert response.status_code == 400
    assert field_errors(response, "name") == [error]
    assert list(ShoppingList.objects.values_list("name", flat=True)) == ["Weekly restock"]
    assert len(response.content) < 100_000


# --- one list -----------------------------------------------------------------------------------


def test_the_list_page_shows_sku_name_quantity_price_and_stock(world, client_for, restock):
    page = text(client_for(world.buyer_a.user).get(f"/portal/lists/{restock.pk}/"))

    assert 'data-sku="CAB-001"' in page
    assert "Cable NYM 3x1.5" in page
    assert 'value="3"' in page  # editable quantity
    assert "120.00 EUR" in page  # unit price
    assert "360.00 EUR" in page  # 3 x 120
    assert "800.00 EUR" in page  # 10 x 80
    assert 'id="list-total-net">1,160.00 EUR' in page
    assert '<span class="stock in">' in page
    assert "Central" in page
    assert 'id="list-to-cart"' in page


def test_add_all_to_cart_puts_every_line_in_the_cart_and_says_so(world, client_for, restock):
    client = client_for(world.buyer_a.user)

    response = client.post(f"/portal/lists/{restock.pk}/cart/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/cart/"
    cart = dict(CartLine.objects.values_list("product__sku", "quantity"))
    assert cart == {"CAB-001": D(3), "CAB-002": D(10)}
    messages = flash_messages(client.get("/portal/lists/"))
    assert messages == ["2 line(s) of “Weekly restock” are in your cart at today's prices."]


def test_add_all_to_cart_names_lines_left_out(world, client_for, restock):
    world.product_a_child.is_active = False
    world.product_a_child.save()
    client = client_for(world.buyer_a.user)

    client.post(f"/portal/lists/{restock.pk}/cart/")

    assert list(CartLine.objects.values_list("product__sku", flat=True)) == ["CAB-001"]
    assert "CAB-002 was not added: This product is no longer sold." in flash_messages(
        client.get("/portal/lists/")
    )


def test_an_empty_list_says_so_instead_of_going_to_the_cart(world, client_for, shop):
    empty = create_list(world.company_a, world.buyer_a.user, "Empty")
    client = client_for(world.buyer_a.user)

    response = client.post(f"/portal/lists/{empty.pk}/cart/", follow=True)

    assert "“Empty” has no lines yet." in flash_messages(response)
    assert not CartLine.objects.exists()


def test_rename_and_its_errors(world, client_for, restock):
    client = client_for(world.buyer_a.user)
    create_list(world.company_a, world.buyer_a.user, "Workshop")

    taken = client.post(f"/portal/lists/{restock.pk}/rename/", {"name": "workshop"})
    empty = client.post(f"/portal/lists/{restock.pk}/rename/", {"name": ""})
    done = client.post(f"/portal/lists/{restock.pk}/rename/", {"name": "Monday restock"})

    assert taken.status_code == 400
    assert field_errors(taken, "name") == ["Your company already has a list with this name."]
    assert empty.status_code == 400
    assert done.status_code == 302
    restock.refresh_from_db()
    assert restock.name == "Monday restock"


def test_delete_asks_first_then_deletes(world, client_for, restock):
    client = client_for(world.buyer_a.user)

    confirm = client.get(f"/portal/lists/{restock.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete “Weekly restock”?" in text(confirm)
    assert "its 2 lines are deleted" in text(confirm)
    assert ShoppingList.objects.exists()

    response = client.post(f"/portal/lists/{restock.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/lists/"
    assert "List “Weekly restock” deleted." in flash_messages(response)
    assert not ShoppingList.objects.exists()
    assert not ShoppingListLine.objects.exists()


# --- lines --------------------------------------------------------------------------------------


def test_a_quantity_is_rounded_up_to_whole_packs_and_that_is_said(world, client_for, restock):
    client = client_for(world.buyer_a.user)
    line = restock.lines.get(product=world.product_a_child)

    response = client.post(
        f"/portal/lists/{restock.pk}/lines/{line.pk}/", {"quantity": "12,5"}, follow=True
    )

    assert "CAB-002: 15 pcs (rounded up from 12.5 to whole packs)." in flash_messages(response)
    assert _quantities(restock)["CAB-002"] == D(15)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-3", "The quantity must be more than zero."),
        ("0", "The quantity must be more than zero."),
        ("ten", "The quantity is not a number."),
        ("", "Type a quantity, for example 10."),
        ("NaN", "The quantity is not a number."),
        ("1e9", "The quantity is not a number."),
        ("1,000", "Write it without a thousands separator."),
        ("999999999999", "The quantity is too large."),
        ("1\x00", "The quantity is not a number."),
    ],
)
def test_odd_quantities_are_refused_plainly_and_change_nothing(
    world, client_for, restock, quantity, message
):
    client = client_for(world.buyer_a.user)
    line = restock.lines.get(product=world.product_a)

    response = client.post(
        f"/portal/lists/{restock.pk}/lines/{line.pk}/", {"quantity": quantity}, follow=True
    )

    assert response.status_code == 200
    assert any(message in m for m in flash_messages(response)), flash_messages(response)
    assert _quantities(restock) == {"CAB-001": D(3), "CAB-002": D(10)}


def test_remove_takes_a_line_off(world, client_for, restock):
    client = client_for(world.buyer_a.user)
    line = restock.lines.get(product=world.product_a)

    response = client.post(
        f"/portal/lists/{restock.pk}/lines/{line.pk}/", {"remove": "1"}, follow=True
    )

    assert "CAB-001 taken off the list." in flash_messages(response)
    assert _quantities(restock) == {"CAB-002": D(10)}


# --- from the product page and the cart ---------------------------------------------------------


def test_the_product_page_offers_the_lists(world, client_for, restock):
    page = text(client_for(world.buyer_a.user).get(f"/portal/products/{world.product_a.pk}/"))

    assert f'<option value="{restock.pk}">Weekly restock</option>' in page
    assert 'value="new"' in page
    assert "Add to list" in page


def test_adding_from_the_product_page_with_htmx(world, client_for, restock):
    client = client_for(world.buyer_a.user)

    response = client.post(
        "/portal/lists/add/",
        {"product": world.product_a_child.pk, "list": restock.pk, "quantity": "7"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert (
        "10 pcs of CAB-002 added to “Weekly restock” (rounded up from 7 to whole packs; "
        "now 20 on the list)"
    ) in text(response)
    assert _quantities(restock)["CAB-002"] == D(20)


def test_adding_to_a_new_list_without_javascript(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    back = f"/portal/products/{world.product_a.pk}/"

    response = client.post(
        "/portal/lists/add/",
        {"product": world.product_a.pk, "list": "new", "name": "Site B", "quantity": "4",
         "next": back},
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == back
    (created,) = ShoppingList.objects.all()
    assert created.name == "Site B"
    assert _quantities(created) == {"CAB-001": D(4)}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"list": "new", "name": "", "quantity": "4"}, "Give the list a name."),
        ({"list": "new", "name": "x" * 10_000, "quantity": "4"}, "at most 100 characters"),
        ({"list": "new", "name": "Site B", "quantity": "-4"}, "more than zero"),
        ({"list": "new", "name": "Site B", "quantity": "abc"}, "not a number"),
        ({"list": "", "quantity": "4"}, "Choose a list."),
        ({"list": "abc", "quantity": "4"}, "Choose a list."),
    ],
)
def test_a_new_list_is_not_kept_when_its_product_could_not_be_added(
    world, client_for, shop, data, error
):
    response = client_for(world.buyer_a.user).post(
        "/portal/lists/add/", {"product": world.product_a.pk, **data}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert error in text(response)
    assert not ShoppingList.objects.exists()
    assert not ShoppingListLine.objects.exists()


def test_a_product_outside_the_catalog_cannot_go_on_a_list(world, client_for, restock):
    client = client_for(world.buyer_a.user)

    for product in (world.product_b.pk, 987654321, "abc", ""):
        response = client.post(
            "/portal/lists/add/", {"product": product, "list": restock.pk, "quantity": "1"}
        )
        assert response.status_code == 404, product

    assert _quantities(restock) == {"CAB-001": D(3), "CAB-002": D(10)}


def test_the_cart_page_offers_to_save_the_cart_as_a_list(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    assert 'id="save-as-list"' not in text(client.get("/portal/cart/"))  # nothing to save
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    page = text(client.get("/portal/cart/"))

    assert 'id="save-as-list"' in page
    assert page.index('id="save-as-list"') < page.index('id="cart-lines"')


def test_saving_the_cart_as_a_list(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    response = client.post("/portal/lists/from-cart/", {"name": "Usual"}, follow=True)

    created = ShoppingList.objects.get()
    assert response.redirect_chain[-1][0] == f"/portal/lists/{created.pk}/"
    assert "1 line(s) of your cart saved as “Usual”." in flash_messages(response)
    assert _quantities(created) == {"CAB-001": D(2)}
    assert CartLine.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "List name: This field is required."),
        ("x" * 10_000, "A list name can have at most 100 characters. This one has 10,000."),
        ("a\x00b", "List name: Null characters are not allowed."),
    ],
)
def test_saving_the_cart_under_a_bad_name_saves_nothing(world, client_for, shop, name, message):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    response = client.post("/portal/lists/from-cart/", {"name": name}, follow=True)

    assert response.redirect_chain[-1][0] == "/portal/cart/"
    assert message in flash_messages(response)
    assert not ShoppingList.objects.exists()


def test_saving_an_empty_cart_says_there_is_nothing(world, client_for, shop):
    response = client_for(world.buyer_a.user).post(
        "/portal/lists/from-cart/", {"name": "Usual"}, follow=True
    )

    assert "Your cart is empty: there is nothing to save." in flash_messages(response)
    assert not ShoppingList.objects.exists()


def test_replacing_a_list_with_the_cart(world, client_for, restock):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "6"})

    response = client.post(f"/portal/lists/{restock.pk}/replace/", follow=True)

    assert "1 line(s) of your cart now make up “Weekly restock”." in flash_messages(response)
    assert _quantities(restock) == {"CAB-001": D(6)}


# --- who may do what ----------------------------------------------------------------------------


def _every_post(shopping_list, line, product_id):  # type: ignore[no-untyped-def]
    pk = shopping_list.pk
    return [
        (f"/portal/lists/{pk}/rename/", {"name": "Taken over"}),
        (f"/portal/lists/{pk}/delete/", {}),
        (f"/portal/lists/{pk}/cart/", {}),
        (f"/portal/lists/{pk}/replace/", {}),
        (f"/portal/lists/{pk}/lines/{line.pk}/", {"quantity": "9"}),
        (f"/portal/lists/{pk}/lines/{line.pk}/", {"quantity": "abc"}),
        (f"/portal/lists/{pk}/lines/{line.pk}/", {"remove": "1"}),
        ("/portal/lists/add/", {"product": product_id, "list": pk, "quantity": "1"}),
    ]


@pytest.mark.parametrize("role", [MembershipRole.VIEWER, MembershipRole.ACCOUNTANT])
def test_a_viewer_sees_the_lists_but_changes_nothing(world, client_for, restock, role):
    member = f.MembershipFactory(company=world.company_a, role=role)
    client = client_for(member.user)
    line = restock.lines.get(product=world.product_a)

    index = text(client.get("/portal/lists/"))
    page = text(client.get(f"/portal/lists/{restock.pk}/"))
    product = text(client.get(f"/portal/products/{world.product_a.pk}/"))

    assert "Weekly restock" in index
    assert 'id="create-list"' not in index
    assert "360.00 EUR" in page
    assert 'id="list-to-cart"' not in page
    assert 'name="quantity"' not in page
    assert "Add to list" not in product
    posts = [
        ("/portal/lists/new/", {"name": "Mine"}),
        ("/portal/lists/from-cart/", {"name": "Mine"}),
        *_every_post(restock, line, world.product_a.pk),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(f"/portal/lists/{restock.pk}/delete/").status_code == 403
    assert ShoppingList.objects.get().name == "Weekly restock"
    assert _quantities(restock) == {"CAB-001": D(3), "CAB-002": D(10)}
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("who", ["owner", "buyer"])
def test_company_bs_lists_are_not_found_for_company_a_anywhere(
    world, client_for, restock, bravo_list, who
):
    client = client_for((world.owner_a if who == "owner" else world.buyer_a).user)
    b_line = bravo_list.lines.get()
    a_line = restock.lines.get(product=world.product_a)

    assert "Bravo tools" not in text(client.get("/portal/lists/"))
    assert "Bravo tools" not in text(client.get(f"/portal/products/{world.product_a.pk}/"))
    for url in (f"/portal/lists/{bravo_list.pk}/", f"/portal/lists/{bravo_list.pk}/delete/"):
        assert client.get(url).status_code == 404, url
    requests = [
        *_every_post(bravo_list, b_line, world.product_a.pk),
        # B's line through A's own list
        (f"/portal/lists/{restock.pk}/lines/{b_line.pk}/", {"quantity": "9"}),
        (f"/portal/lists/{restock.pk}/lines/{b_line.pk}/", {"quantity": "abc"}),
        (f"/portal/lists/{restock.pk}/lines/{b_line.pk}/", {"remove": "1"}),
        # A's line through B's list
        (f"/portal/lists/{bravo_list.pk}/lines/{a_line.pk}/", {"quantity": "9"}),
        # B's product onto A's list
        ("/portal/lists/add/", {"product": world.product_b.pk, "list": restock.pk, "quantity": 1}),
    ]
    for url, data in requests:
        assert client.post(url, data).status_code == 404, (url, data)

    bravo_list.refresh_from_db()
    assert bravo_list.name == "Bravo tools"
    assert _quantities(bravo_list) == {"TOOL-001": D(2)}
    assert _quantities(restock) == {"CAB-001": D(3), "CAB-002": D(10)}
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("pk", ["999999", "0", "9" * 30])
def test_unknown_list_and_line_ids_are_not_found(world, client_for, restock, pk):
    client = client_for(world.buyer_a.user)
    line = restock.lines.first()
    assert line is not None

    assert client.get(f"/portal/lists/{pk}/").status_code == 404
    assert client.post(f"/portal/lists/{pk}/cart/").status_code == 404
    assert client.post(
        f"/portal/lists/{restock.pk}/lines/{pk}/", {"quantity": "1"}
    ).status_code == (404)
    assert client.post(f"/portal/lists/{pk}/lines/{line.pk}/", {"quantity": "1"}).status_code == (
        404
    )
    response = client.post(
        "/portal/lists/add/",
        {"product": world.product_a.pk, "list": pk, "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == (404 if pk == "999999" else 400)
    assert _quantities(restock) == {"CAB-001": D(3), "CAB-002": D(10)}


def test_pages_and_actions_need_a_sign_in_and_posts_need_post(world, client, restock):
    assert client.get("/portal/lists/").status_code == 302
    assert client.post(f"/portal/lists/{restock.pk}/cart/").status_code == 302
    assert not CartLine.objects.exists()


def test_get_on_an_action_is_not_allowed(world, client_for, restock):
    client = client_for(world.buyer_a.user)
    for url in (f"/portal/lists/{restock.pk}/cart/", "/portal/lists/new/", "/portal/lists/add/"):
        assert client.get(url).status_code == 405, url


# --- queries ------------------------------------------------------------------------------------


def test_the_list_page_runs_a_fixed_number_of_queries(world, client_for, restock, frozen_now):
    client = client_for(world.buyer_a.user)
    url = f"/portal/lists/{restock.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    for n in range(10):
        product = f.ProductFactory(category=world.cat_a)
        Price.objects.create(product=product, price_type=PriceType.objects.get(), amount=D(n + 1))
        add_product(world.company_a, restock.pk, product.pk, D(1))
    client.get(url)
    with CaptureQueriesContext(connection) as twelve:
        assert client.get(url).status_code == 200

    assert len(twelve) == len(two), [q["sql"] for q in twelve.captured_queries]


def test_the_lists_page_runs_a_fixed_number_of_queries(world, client_for, restock, frozen_now):
    client = client_for(world.buyer_a.user)
    client.get("/portal/lists/")
    with CaptureQueriesContext(connection) as one:
        client.get("/portal/lists/")
    for n in range(10):
        create_list(world.company_a, world.owner_a.user, f"List {n}")
    with CaptureQueriesContext(connection) as eleven:
        client.get("/portal/lists/")

    assert len(eleven) == len(one)
