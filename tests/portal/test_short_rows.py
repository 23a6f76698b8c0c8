"""Short rows over HTTP: the quick order page and the cart offer what is there, the rest on
backorder or another warehouse; each button ends with the right cart line, and a dealer
whose stock is hidden never reads a figure in any of these answers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from dealerdesk.accounts.choices import MembershipRole, StockDisplayPolicy
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.ordering.models import CartLine, Order
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f
from tests.portal.pages import text

pytestmark = pytest.mark.django_db

D = Decimal
SHORT = "/portal/quick-order/short/"
HTMX = {"HTTP_HX_REQUEST": "true"}
# Fractional on purpose: a whole number like 7 or 23 can be any id or token on the page.
HERE, THERE = D("7.375"), D("23.625")
FIGURES = ("7.375", "7,375", "23.625", "23,625")


@pytest.fixture
def depots(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product in (world.product_a, world.product_a_child, world.product_b):
        Price.objects.create(product=product, price_type=base, amount=D(120))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    central = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    north = Warehouse.objects.create(code="N", name="North", open_to_all=True, sort_order=5)
    StockLevel.objects.create(product=world.product_a, warehouse=central, on_hand=HERE)
    StockLevel.objects.create(product=world.product_a, warehouse=north, on_hand=THERE)
    return central, north


def _policy(world, policy: str) -> None:  # type: ignore[no-untyped-def]
    world.company_a.stock_display_policy = policy
    world.company_a.save()


def _paste(client, lines: str):  # type: ignore[no-untyped-def]
    return client.post("/portal/quick-order/", {"lines": lines})


def _short(client, world, central, **fields: str):  # type: ignore[no-untyped-def]
    data = {"product": world.product_a.pk, "quantity": "15", "warehouse": central.pk, **fields}
    return client.post(SHORT, data, **HTMX)


def _buttons(page: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", label).split())
        for label in re.findall(
            r'<button type="submit"[^>]*data-action="[^"]+"[^>]*>(.*?)</button>', page, re.S
        )
    ]


def test_a_short_row_shows_its_reason_and_three_offers(world, client_for, depots):
    page = text(_paste(client_for(world.buyer_a.user), "CAB-001\t15\nNOPE-1\t1"))

    assert "0 lines added to the cart, 2 need your attention" in page
    assert "Only 7.375 available in Central." in page
    assert _buttons(page) == [
        "Add the 7 available",
        "Add all 15, the rest on backorder",
        "From North (23.625)",
    ]
    box = page.split('name="lines"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert "CAB-001" not in box  # answered by its offers, not by the box
    assert "NOPE-1" in box
    assert "Lines short of stock are not in the box" in page
    assert not CartLine.objects.exists()


def test_a_row_out_of_stock_everywhere_is_offered_the_backorder_only(world, client_for, depots):
    page = text(_paste(client_for(world.buyer_a.user), "CAB-002\t1"))

    assert "Out of stock in Central." in page
    assert _buttons(page) == ["Add all 1, the rest on backorder"]


def test_add_what_is_available(world, client_for, depots):
    central, _ = depots
    response = _short(client_for(world.buyer_a.user), world, central, action="take", take="7")

    assert response.status_code == 200
    assert "7 pcs of CAB-001 in the cart from Central." in text(response)
    line = CartLine.objects.get()
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(7), central.pk, False)


def test_add_all_on_backorder_then_turn_it_off_in_the_cart(world, client_for, depots):
    central, _ = depots
    client = client_for(world.buyer_a.user)

    response = _short(client, world, central, action="backorder")
    cart = text(client.get("/portal/cart/"))

    assert "15 pcs of CAB-001 in the cart from Central, on backorder." in text(response)
    line = CartLine.objects.get()
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(15), central.pk, True)
    assert '<span class="badge"' in cart
    assert ">backorder</span>" in cart
    assert "turn off" in cart
    assert 'id="place-order" disabled' not in cart

    client.post(f"/portal/cart/lines/{line.pk}/", {"backorder": "0"})
    line.refresh_from_db()
    assert not line.backorder
    cart = text(client.get("/portal/cart/"))
    assert "Keep the 7 available" in cart  # short again: the offers are back
    assert "Keep all, the rest on backorder" in cart
    assert "Move to North (23.625)" in cart


def test_add_all_from_another_warehouse(world, client_for, depots):
    central, north = depots
    response = _short(client_for(world.buyer_a.user), world, central, to=str(north.pk))

    assert "15 pcs of CAB-001 in the cart from North." in text(response)
    line = CartLine.objects.get()
    assert (line.quantity, line.warehouse_id, line.backorder) == (D(15), north.pk, False)


def test_without_htmx_each_offer_comes_back_to_the_page_with_a_message(world, client_for, depots):
    central, _ = depots
    client = client_for(world.buyer_a.user)
    data = {"product": world.product_a.pk, "quantity": "15", "warehouse": central.pk}

    response = client.post(SHORT, {**data, "action": "backorder"}, follow=True)

    assert response.redirect_chain[-1][0] == "/portal/quick-order/"
    assert "15 pcs of CAB-001 in the cart from Central, on backorder." in text(response)


def test_the_cart_offers_keep_move_and_backorder_on_a_short_line(world, client_for, depots):
    _, north = depots
    client = client_for(world.buyer_a.user)
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "15"})
    line = CartLine.objects.get()

    cart = text(client.get("/portal/cart/"))
    assert "Only 7.375 available in Central." in cart
    assert "Fix the lines marked in red first." in cart

    client.post(f"/portal/cart/lines/{line.pk}/", {"quantity": "7"})
    line.refresh_from_db()
    assert line.quantity == D(7)
    assert "Only 7.375 available" not in text(client.get("/portal/cart/"))

    client.post(f"/portal/cart/lines/{line.pk}/", {"quantity": "15"})
    client.post(f"/portal/cart/lines/{line.pk}/", {"warehouse": north.pk})
    line.refresh_from_db()
    assert (line.quantity, line.warehouse_id) == (D(15), north.pk)


@pytest.mark.parametrize("policy", [StockDisplayPolicy.HIDDEN, StockDisplayPolicy.IN_OUT])
def test_no_figure_in_any_answer_when_the_policy_hides_it(world, client_for, depots, policy):
    central, north = depots
    _policy(world, policy)
    client = client_for(world.buyer_a.user)

    pasted = text(_paste(client, "CAB-001\t15"))
    typed = text(
        client.post("/portal/quick-order/line/", {"code": "CAB-001", "quantity": "15"}, **HTMX)
    )
    suggested = text(client.get("/portal/quick-order/suggest/", {"q": "CAB"}))
    took = text(_short(client, world, central, action="take", take="7"))
    moved = text(_short(client, world, central, to=str(north.pk)))
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "15"})
    cart = text(client.get("/portal/cart/"))
    backordered = text(_short(client, world, central, action="backorder"))
    cart_after = text(client.get("/portal/cart/"))

    answers = [pasted, typed, suggested, took, moved, cart, backordered, cart_after]
    for answer in answers:
        for figure in FIGURES:
            assert figure not in answer
        assert "Add the" not in answer
        assert "Keep the" not in answer
        # no yes/no per quantity either: it would give the figure away in a few tries
        assert "Not enough stock" not in answer
        assert "has enough" not in answer
    assert _buttons(pasted) == []
    assert "in the cart" not in took  # "what is there" is never taken for such a dealer


def test_with_backorders_off_none_is_offered_and_none_is_taken(world, client_for, depots, settings):
    central, _ = depots
    settings.DEALERDESK_ALLOW_BACKORDERS = False
    client = client_for(world.buyer_a.user)

    pasted = text(_paste(client, "CAB-001\t15"))
    refused = _short(client, world, central, action="backorder")

    assert "backorder" not in " ".join(_buttons(pasted))
    assert refused.status_code == 200
    assert "Backorders are not taken: order what is in stock." in text(refused)
    assert "backorder" not in " ".join(_buttons(text(refused)))
    assert not CartLine.objects.exists()


def test_a_backorder_line_is_refused_at_checkout_once_backorders_are_off(
    world, client_for, depots, settings
):
    central, _ = depots
    client = client_for(world.buyer_a.user)
    _short(client, world, central, action="backorder")
    page = client.get("/portal/cart/").content.decode()
    form = {
        name: page.split(f'name="{name}" value="')[1].split('"')[0]
        for name in ("submission", "company")
    }
    settings.DEALERDESK_ALLOW_BACKORDERS = False

    cart = text(client.get("/portal/cart/"))
    response = client.post("/portal/checkout/", {"delivery_method": "pickup", **form})

    assert "Backorders are not taken: order what is in stock." in cart
    assert "Fix the lines marked in red first." in cart
    assert response.status_code in (200, 302, 400)
    assert not Order.objects.exists()
    assert CartLine.objects.get().backorder


def test_another_dealers_product_or_line_is_not_found(world, client_for, depots):
    central, _ = depots
    alpha = client_for(world.buyer_a.user)
    foreign = alpha.post(
        SHORT,
        {
            "product": world.product_b.pk,
            "quantity": "1",
            "warehouse": central.pk,
            "action": "backorder",
        },
        **HTMX,
    )
    assert foreign.status_code == 404

    owner = client_for(world.owner_a.user)
    owner.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "15"})
    line = CartLine.objects.get()
    buyer = client_for(world.buyer_a.user)
    assert buyer.post(f"/portal/cart/lines/{line.pk}/", {"backorder": "1"}).status_code == 404
    line.refresh_from_db()
    assert not line.backorder


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"action": "steal"},
        {"action": "take"},
        {"action": "take", "take": "NaN"},
        {"action": "take", "take": "-7"},
        {"to": "99999999"},
        {"to": "abc", "action": "move"},
        {"quantity": "1e400", "action": "backorder"},
        {"quantity": "0", "action": "backorder"},
        {"warehouse": "0", "action": "backorder"},
        {"warehouse": "\x00", "action": "backorder"},
    ],
)
def test_odd_offer_posts_never_break_and_add_nothing(world, client_for, depots, fields):
    central, _ = depots
    response = _short(client_for(world.buyer_a.user), world, central, **fields)
    assert response.status_code in (200, 400, 404)
    assert not CartLine.objects.exists()


def test_viewers_cannot_act_on_short_rows(world, client_for, depots):
    central, _ = depots
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)
    response = _short(client_for(viewer.user), world, central, action="backorder")
    assert response.status_code == 403
    assert not CartLine.objects.exists()
