"""The dealer's cart, checkout and orders over HTTP: what a buyer does, and what nobody
else can reach."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.models import CartLine, DeliveryOption, Order
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.portal.pages import text

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shop(world, delivery_options):  # type: ignore[no-untyped-def]
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
    return depot


def _form(client, method: str = "pickup") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields of the checkout form on the cart page, and the delivery option
    of ``method``."""
    page = client.get("/portal/cart/").content.decode()
    fields = {
        name: page.split(f'name="{name}" value="')[1].split('"')[0]
        for name in ("submission", "company")
    }
    option = DeliveryOption.objects.get(method=method)
    return {**fields, "delivery_option": str(option.pk)}


def _order_placed(client, world, **form) -> Order:  # type: ignore[no-untyped-def]
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    data = {**_form(client), **form}
    response = client.post("/portal/checkout/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get()


def test_adding_rounds_up_to_whole_packs_and_says_so(world, client_for, shop):
    client = client_for(world.buyer_a.user)

    response = client.post(
        "/portal/cart/add/",
        {"product": world.product_a_child.pk, "quantity": "7"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "10 pcs of CAB-002 added (rounded up from 7 to whole packs)" in text(response)
    assert CartLine.objects.get().quantity == D(10)


def test_the_cart_shows_prices_stock_and_totals(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "3"})

    page = text(client.get("/portal/cart/"))

    assert "360.00 EUR" in page  # 3 x 120 net
    assert "432.00 EUR" in page  # gross
    assert "Base price type Wholesale 120.00" in page
    assert 'id="place-order"' in page


def test_checkout_places_the_order_thanks_and_empties_the_cart(world, client_for, shop):
    client = client_for(world.buyer_a.user)

    order = _order_placed(client, world, po_number="PO-1")
    page = text(client.get(f"/portal/orders/{order.number}/?placed=1"))

    assert f"Thank you — order {order.number} is placed" in page
    assert "Download the invoice (PDF)" in page
    assert order.po_number == "PO-1"
    assert not CartLine.objects.exists()
    assert StockLevel.objects.get(product=world.product_a).reserved == D(2)


def test_the_invoice_is_a_pdf_of_that_order(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    order = _order_placed(client, world)

    response = client.get(f"/portal/orders/{order.number}/proforma.pdf?download=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="proforma-{order.number}.pdf"' in response["Content-Disposition"]


def test_the_same_checkout_posted_twice_is_one_order(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    data = _form(client)

    first = client.post("/portal/checkout/", data)
    second = client.post("/portal/checkout/", data)

    order = Order.objects.get()
    assert first["Location"].endswith(f"/portal/orders/{order.number}/?placed=1")
    assert second["Location"].endswith(f"/portal/orders/{order.number}/")
    assert StockLevel.objects.get(product=world.product_a).reserved == D(2)


@pytest.mark.parametrize(
    ("form", "field_error"),
    [
        ({"delivery_option": "dropship"}, "Select a valid choice"),
        ({"delivery_option": "999999"}, "Select a valid choice"),
        ({"desired_date": "2001-01-01"}, "Pick today or a later day"),
        ({"desired_date": "not a date"}, "Enter a valid date"),
        ({"po_number": "P" * 65}, "at most 64 characters"),
    ],
)
def test_bad_checkout_input_is_explained_and_nothing_is_placed(
    world, client_for, shop, form, field_error
):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    data = {**_form(client), **form}

    response = client.post("/portal/checkout/", data)

    assert response.status_code == 400
    assert field_error in text(response)
    assert not Order.objects.exists()
    assert CartLine.objects.count() == 1


def test_a_short_line_comes_back_with_the_reason(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "4"})
    StockLevel.objects.filter(product=world.product_a).update(on_hand=3)

    response = client.post("/portal/checkout/", _form(client))

    assert response.status_code == 400
    assert "Only 3 available in C." in text(response)
    assert "Not enough stock for some lines." in text(response)
    assert not Order.objects.exists()


def test_orders_of_another_company_are_not_found(world, client_for, shop):
    order = _order_placed(client_for(world.buyer_a.user), world)
    bravo = client_for(world.buyer_b.user)

    assert order.number not in bravo.get("/portal/orders/").content.decode()
    for url in (
        f"/portal/orders/{order.number}/",
        f"/portal/orders/{order.number}/proforma.pdf",
    ):
        assert bravo.get(url).status_code == 404, url
    for url in (f"/portal/orders/{order.number}/cancel/", f"/portal/orders/{order.number}/again/"):
        assert bravo.post(url).status_code == 404, url
    assert Order.objects.get().status == OrderStatus.PLACED


def test_another_persons_cart_line_is_not_found(world, client_for, shop):
    client_for(world.owner_a.user).post(
        "/portal/cart/add/", {"product": world.product_a.pk, "quantity": "1"}
    )
    line = CartLine.objects.get()
    response = client_for(world.buyer_a.user).post(
        f"/portal/cart/lines/{line.pk}/", {"quantity": "5"}
    )
    assert response.status_code == 404
    assert CartLine.objects.get().quantity == D(1)


def test_a_product_outside_the_catalog_cannot_be_added(world, client_for, shop):
    response = client_for(world.buyer_a.user).post(
        "/portal/cart/add/", {"product": world.product_b.pk, "quantity": "1"}
    )
    assert response.status_code == 404
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("quantity", ["abc", "NaN", "-3", "1e400", "9" * 25, "", "0"])
def test_odd_quantities_never_break_the_cart(world, client_for, shop, quantity):
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "1"})
    line = CartLine.objects.get()

    added = client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": quantity})
    changed = client.post(f"/portal/cart/lines/{line.pk}/", {"quantity": quantity})

    assert added.status_code == 302
    assert changed.status_code == 302
    assert client.get("/portal/cart/").status_code == 200


def test_search_and_filters_of_the_order_history(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    order = _order_placed(client, world, po_number="SPRING-7")

    assert order.number in client.get("/portal/orders/", {"q": "CAB-001"}).content.decode()
    assert order.number in client.get("/portal/orders/", {"q": "spring"}).content.decode()
    assert order.number not in client.get("/portal/orders/", {"q": "TOOL-001"}).content.decode()
    assert (
        order.number not in client.get("/portal/orders/", {"status": "cancelled"}).content.decode()
    )
    for odd in ({"from": "yesterday"}, {"page": "-1"}, {"status": "<b>"}, {"q": "x" * 500}):
        assert client.get("/portal/orders/", odd).status_code == 200


def test_cancel_then_order_again(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    order = _order_placed(client, world)

    client.post(f"/portal/orders/{order.number}/cancel/")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert StockLevel.objects.get(product=world.product_a).reserved == D(0)

    Price.objects.filter(product=world.product_a).update(amount=D(130))
    response = client.post(f"/portal/orders/{order.number}/again/", follow=True)
    page = text(response)
    assert "1 line(s) of" in page
    assert "CAB-001 now costs 130.00 EUR (was 120.00)." in page
    assert CartLine.objects.get().quantity == D(2)


def test_a_viewer_follows_orders_but_cannot_order(world, client_for, shop):
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)
    client = client_for(viewer.user)
    assert client.get("/portal/orders/").status_code == 200
    assert client.get("/portal/cart/").status_code == 403
    response = client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "1"})
    assert response.status_code == 403
    assert "Add to cart" not in client.get("/portal/catalog/").content.decode()


@pytest.mark.parametrize(
    "quantity", ["1000000000", "999999999.9999", "1e1000000", "1e-999999", "1,000", "-5", "0"]
)
def test_quantities_out_of_range_or_form_are_refused_plainly(world, client_for, shop, quantity):
    client = client_for(world.buyer_a.user)
    response = client.post(
        "/portal/cart/add/", {"product": world.product_a.pk, "quantity": quantity}, follow=True
    )
    assert response.status_code == 200
    assert len(response.content) < 100_000
    assert not CartLine.objects.exists()
    assert client.get("/portal/cart/").status_code == 200


def test_quick_order_never_merges_past_the_limit(world, client_for, shop):
    # enough stock that neither row is short: the limit is what refuses the second one
    StockLevel.objects.filter(product=world.product_a).update(on_hand=D(200_000_000))
    client = client_for(world.buyer_a.user)
    paste = f"{world.product_a.sku}\t60000000\n{world.product_a.sku}\t60000000"
    response = client.post("/portal/quick-order/", {"lines": paste})
    assert response.status_code == 200
    assert "The quantity is too large." in text(response)
    assert CartLine.objects.get().quantity == D(60000000)
    assert client.get("/portal/cart/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/portal/orders/A%00B/", "/portal/orders/A%00B/proforma.pdf", "/portal/orders/?q=a%00b"]
)
def test_nul_bytes_in_order_urls_are_not_found_not_errors(world, client_for, shop, url):
    response = client_for(world.buyer_a.user).get(url)
    assert response.status_code in (200, 404)


def test_a_checkout_form_of_another_company_places_nothing(world, client_for, shop):
    # a person who buys for two companies switched company in another window
    f.MembershipFactory(company=world.company_b, user=world.buyer_a.user)
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "1"})
    alpha_form = _form(client)
    client.post("/portal/company/", {"company": world.company_b.pk, "next": "/portal/"})
    client.post("/portal/cart/add/", {"product": world.product_b.pk, "quantity": "3"})

    response = client.post("/portal/checkout/", {"po_number": "A-PO", **alpha_form})

    assert response.status_code == 302
    assert not Order.objects.exists()
    assert "You switched to Bravo Tools in another window" in text(client.get("/portal/cart/"))


def test_no_invoice_for_payment_for_a_cancelled_or_held_order(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    order = _order_placed(client, world)
    client.post(f"/portal/orders/{order.number}/cancel/")
    assert client.get(f"/portal/orders/{order.number}/proforma.pdf").status_code == 404
    assert "Invoice (PDF)" not in text(client.get(f"/portal/orders/{order.number}/"))


def test_the_dashboard_repeats_last_months_order_in_one_touch(world, client_for, shop):
    client = client_for(world.buyer_a.user)
    order = _order_placed(client, world)
    last_day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    month_ago = dt.datetime.combine(last_day, dt.time(12), tzinfo=timezone.get_current_timezone())
    Order.objects.filter(pk=order.pk).update(created_at=month_ago)

    page = text(client.get("/portal/"))
    assert "Repeat last month's order" in page
    assert f"{month_ago:%B %Y}: 1 order, 1 product" in page
    response = client.post("/portal/orders/repeat-last-month/", follow=True)

    assert response.redirect_chain[-1][0] == "/portal/cart/"
    assert "1 line(s) of last month's orders" in text(response)
    assert CartLine.objects.get().product == world.product_a


def test_nothing_to_repeat_is_said_and_viewers_cannot(world, client_for, shop):
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)

    assert "Repeat last month" not in text(client_for(viewer.user).get("/portal/"))
    assert client_for(viewer.user).post("/portal/orders/repeat-last-month/").status_code == 403
    response = client_for(world.buyer_a.user).post("/portal/orders/repeat-last-month/", follow=True)
    assert "There were no orders last month to repeat." in text(response)
    assert not CartLine.objects.exists()
