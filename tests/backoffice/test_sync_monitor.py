"""The sync monitor is the supplier admins' page: managers and dealers do not see it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.backoffice.conftest import bo
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_admin_sees_every_category_and_what_waits(admin_client: Client) -> None:
    page = admin_client.get(bo("sync_monitor"))

    assert page.status_code == 200
    body = page.content.decode()
    for label in ("Products", "Prices", "Stock", "Customers", "Orders out", "Order statuses in"):
        assert label in body
    assert "Events to the ERP: 0 waiting" in body


def test_a_sales_manager_is_sent_to_the_index(manager_client: Client) -> None:
    page = manager_client.get(bo("sync_monitor"))
    assert page.status_code == 302
    assert page["Location"] == bo("index")


def test_a_dealer_never_sees_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(world.buyer_a.user).get(bo("sync_monitor"), follow=True)
    assert page.redirect_chain
    assert page.request["PATH_INFO"] == "/portal/"
    assert "Sync monitor" not in page.content.decode()
