"""Assisted ordering: a sales manager acts for one of their dealers in the portal, with
that dealer's prices, and places an order on its behalf; nobody else can."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from dealerdesk.core.models import AuditEntry
from dealerdesk.ordering.errors import OrderingError, OrderingErrorCode
from dealerdesk.ordering.models import Order
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import CustomerPrice
from tests.backoffice.conftest import bo
from tests.portal.pages import text
from tests.portal.test_ordering import _form, shop  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _assist(client, company) -> Any:  # type: ignore[no-untyped-def]
    return client.post("/portal/assist/", {"company": company.pk})


def test_a_manager_orders_for_their_dealer_at_its_prices(
    world,
    client_for,
    shop,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    CustomerPrice.objects.create(company=world.company_a, product=world.product_a, amount=99)
    manager = world.manager_a.user
    client = client_for(manager)

    assert _assist(client, world.company_a)["Location"] == "/portal/"
    page = text(client.get("/portal/"))
    assert "ordering for <strong>Alpha Electric</strong> as" in page
    assert "99.00 EUR" in text(client.get(f"/portal/products/{world.product_a.pk}/"))
    client.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/checkout/", _form(client))

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.company, order.placed_by, order.on_behalf_by) == (
        world.company_a,
        manager,
        manager,
    )
    assert order.total_net == 198
    assert f"for {world.company_a}" in order.events.get().note
    assert AuditEntry.objects.get(verb="placed an order for the dealer").actor == manager
    detail = text(client.get(f"/portal/orders/{order.number}/"))
    assert f"by manager {manager.full_name or manager.email} for Alpha Electric" in detail
    # the dealer's owner hears of it, with the manager
    assert "owner@alpha.test" in mail.outbox[0].to
    assert manager.email in mail.outbox[0].to


def test_the_dealers_people_see_the_order_placed_for_them(world, client_for, shop):  # noqa: F811
    manager = client_for(world.manager_a.user)
    _assist(manager, world.company_a)
    manager.post("/portal/cart/add/", {"product": world.product_a.pk, "quantity": "2"})
    manager.post("/portal/checkout/", _form(manager))
    order = Order.objects.get()

    buyer = client_for(world.buyer_a.user)

    assert order.number in text(buyer.get("/portal/orders/"))
    assert "by manager" in text(buyer.get(f"/portal/orders/{order.number}/"))


@pytest.mark.parametrize("who", ["manager_b", "buyer_a"])
def test_nobody_acts_for_a_dealer_that_is_not_theirs(world, client_for, who):
    user = getattr(world, who).user
    client = client_for(user)

    assert _assist(client, world.company_a).status_code == 404
    assert "assist-banner" not in text(client.get("/portal/", follow=True))


def test_an_admin_may_act_for_any_dealer_but_not_a_blocked_one(world, client_for):
    client = client_for(world.admin.user)
    world.company_b.is_blocked = True
    world.company_b.save()

    assert _assist(client, world.company_a).status_code == 302
    assert _assist(client, world.company_b).status_code == 404
    assert _assist(client, type("C", (), {"pk": "x"})).status_code == 404


def test_a_dealer_reassigned_meanwhile_stops_the_assistance_at_once(world, client_for):
    client = client_for(world.manager_a.user)
    _assist(client, world.company_a)
    world.company_a.personal_manager = world.manager_b
    world.company_a.save()

    response = client.get("/portal/catalog/")

    assert response.status_code == 302
    assert response["Location"].startswith("/backoffice/")
    assert "dealerdesk_assisting_company_id" not in client.session


def test_stopping_goes_back_to_the_dealers_page(world, client_for):
    client = client_for(world.manager_a.user)
    _assist(client, world.company_a)

    response = client.post("/portal/assist/stop/")

    assert response["Location"] == bo("accounts_company_change", world.company_a.pk)
    assert client.get("/portal/").status_code == 302  # back to the back office


def test_the_company_page_offers_it_to_the_dealers_manager_only(world, client_for):
    url = bo("accounts_company_change", world.company_a.pk)

    assert 'id="assist-start"' in client_for(world.manager_a.user).get(url).content.decode()
    assert 'id="assist-start"' in client_for(world.admin.user).get(url).content.decode()
    assert client_for(world.manager_b.user).get(url).status_code in (302, 404)


def test_the_service_refuses_a_manager_who_does_not_look_after_the_dealer(world, shop):  # noqa: F811
    with pytest.raises(OrderingError) as caught:
        place_order(
            world.company_a,
            world.manager_b.user,
            [OrderLineRequest(world.product_a.pk, 1)],
            submission_key="assist-0001",
            on_behalf_by=world.manager_b.user,
        )

    assert caught.value.code == OrderingErrorCode.NOT_YOUR_DEALER
    assert not Order.objects.exists()
