"""The address book pages and checkout with a delivery option and an address: what a
buyer does, what a viewer may not, and what another company cannot reach."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.ordering.choices import DeliveryMethod
from dealerdesk.ordering.delivery import AddressInput, save_address
from dealerdesk.ordering.models import CartLine, DeliveryAddress, Order
from tests import factories as f
from tests.portal.pages import text
from tests.portal.test_ordering import _form, shop  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _address(company, label="Shop", text="Main st 1\n01001 Kyiv"):  # type: ignore[no-untyped-def]
    return save_address(company, AddressInput(label=label, address=text), actor=None)


def test_a_buyer_adds_edits_and_removes_addresses(world, client_for):
    client = client_for(world.buyer_a.user)

    response = client.post(
        "/portal/addresses/add/",
        {"label": "Shop", "recipient": "Olena", "address": "Main st 1\r\n01001 Kyiv"},
    )
    assert response.status_code == 302
    entry = DeliveryAddress.objects.get()
    assert entry.company == world.company_a
    assert entry.address == "Main st 1\n01001 Kyiv"
    page = text(client.get("/portal/addresses/"))
    assert "Olena\nMain st 1\n01001 Kyiv" in page
    assert "default" in page

    client.post(f"/portal/addresses/{entry.pk}/", {"label": "Shop 2", "address": "Elm st 2"})
    entry.refresh_from_db()
    assert (entry.label, entry.address) == ("Shop 2", "Elm st 2")

    client.post(f"/portal/addresses/{entry.pk}/delete/")
    assert not DeliveryAddress.objects.exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"label": "", "address": "x"}, "This field is required"),
        ({"label": "Shop", "address": ""}, "This field is required"),
        ({"label": "L" * 101, "address": "x"}, "at most 100 characters"),
        ({"label": "shop", "address": "x"}, "There is already an address called “shop”"),
        ({"label": "\x00", "address": "x"}, "Null characters are not allowed"),
    ],
)
def test_bad_address_input_is_explained_and_nothing_changes(world, client_for, form, error):
    _address(world.company_a)
    client = client_for(world.buyer_a.user)

    response = client.post("/portal/addresses/add/", form)

    assert response.status_code == 400
    assert error in text(response)
    assert DeliveryAddress.objects.count() == 1


def test_a_viewer_reads_the_book_but_cannot_change_it(world, client_for):
    entry = _address(world.company_a)
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)
    client = client_for(viewer.user)

    page = text(client.get("/portal/addresses/"))
    assert "Main st 1" in page
    assert "Add an address" not in page
    for url in (
        "/portal/addresses/add/",
        f"/portal/addresses/{entry.pk}/",
        f"/portal/addresses/{entry.pk}/default/",
        f"/portal/addresses/{entry.pk}/delete/",
    ):
        assert client.post(url, {"label": "X", "address": "Y"}).status_code == 403, url
    assert DeliveryAddress.objects.get().label == "Shop"


def test_another_companys_addresses_are_not_found(world, client_for):
    theirs = _address(world.company_b, "Bravo depot", "Secret lane 7")
    client = client_for(world.buyer_a.user)

    assert "Secret lane" not in text(client.get("/portal/addresses/"))
    assert "Secret lane" not in text(client.get("/portal/cart/"))
    for url in (
        f"/portal/addresses/{theirs.pk}/",
        f"/portal/addresses/{theirs.pk}/default/",
        f"/portal/addresses/{theirs.pk}/delete/",
    ):
        assert client.post(url, {"label": "X", "address": "Y"}).status_code == 404, url
    assert client.get(f"/portal/addresses/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "Bravo depot"


def test_checkout_sends_the_order_to_an_address_from_the_book(world, client_for, shop):  # noqa: F811
    _address(world.company_a, "Shop", "Main st 1")
    depot = _address(world.company_a, "Depot", "Harbour 5")
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    page = text(client.get("/portal/cart/"))
    assert "Conditions" in page
    assert "Needs a delivery address." in page

    response = client.post(
        "/portal/checkout/", {**_form(client, "carrier"), "address_choice": str(depot.pk)}
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.delivery_method == DeliveryMethod.CARRIER
    assert order.delivery_address == "Harbour 5"


def test_a_typed_address_can_be_kept_in_the_book(world, client_for, shop):  # noqa: F811
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    response = client.post(
        "/portal/checkout/",
        {
            **_form(client, "dropship"),
            "address_choice": "new",
            "delivery_address": "Customer Ltd\nPark 9",
            "save_address_as": "Customer Ltd",
        },
    )

    assert response.status_code == 302
    assert Order.objects.get().delivery_address == "Customer Ltd\nPark 9"
    assert DeliveryAddress.objects.get(company=world.company_a).label == "Customer Ltd"


def test_another_companys_address_id_is_not_a_choice_at_checkout(world, client_for, shop):  # noqa: F811
    theirs = _address(world.company_b, "Bravo depot", "Secret lane 7")
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    response = client.post(
        "/portal/checkout/", {**_form(client, "carrier"), "address_choice": str(theirs.pk)}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1


def test_an_order_below_the_options_minimum_comes_back_with_the_reason(
    world,
    client_for,
    shop,  # noqa: F811
    delivery_options,
):
    carrier = delivery_options[DeliveryMethod.CARRIER]
    carrier.currency, carrier.min_order_net = "EUR", 1000
    carrier.save()
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    response = client.post(
        "/portal/checkout/",
        {**_form(client, "carrier"), "address_choice": "new", "delivery_address": "Park 9"},
    )

    assert response.status_code == 400
    assert "Carrier takes orders from 1,000.00 EUR (net); add 760.00 EUR" in text(response)
    assert not Order.objects.exists()


def test_the_cart_says_which_options_this_cart_does_not_meet(
    world,
    client_for,
    shop,  # noqa: F811
    delivery_options,
):
    pickup = delivery_options[DeliveryMethod.PICKUP]
    pickup.currency, pickup.min_order_net = "EUR", 1000
    pickup.save()
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})

    page = text(client.get("/portal/cart/"))

    assert f"{pickup.name} takes orders from 1,000.00 EUR (net); add 760.00 EUR" in page
    pickup_radio = page.split(f'name="delivery_option" value="{pickup.pk}"')[1].split(">")[0]
    assert "disabled" in pickup_radio
    assert "checked" not in pickup_radio  # the form starts on an option the cart meets
