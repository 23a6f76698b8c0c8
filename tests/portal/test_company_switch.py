"""A person who works for two dealers switches between them; pages follow the choice."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.accounts.models import Company, Membership
from tests import factories as f
from tests.portal.pages import listed_skus, main_content, text


@pytest.fixture
def both(world):  # type: ignore[no-untyped-def]
    """buyer_a also works for company B."""
    f.MembershipFactory(user=world.buyer_a.user, company=world.company_b)
    return world.buyer_a.user


def switch(client, company_id, next_url: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/portal/company/", {"company": str(company_id), "next": next_url})


def test_first_company_by_name_is_current_until_the_person_switches(world, client_for, both):
    client = client_for(both)

    dashboard = client.get("/portal/")

    assert "You are ordering for <strong>Alpha Electric</strong>" in text(dashboard)
    # the switcher offers both companies
    assert f'<option value="{world.company_b.pk}"' in dashboard.content.decode()


def test_switching_company_changes_dashboard_and_catalog(world, client_for, both):
    client = client_for(both)
    assert sorted(listed_skus(client.get("/portal/catalog/"))) == ["CAB-001", "CAB-002"]

    # when the person switches to Bravo Tools
    response = switch(client, world.company_b.pk)

    # then they land on the dashboard, acting for B, and see B's catalog only
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert "You are ordering for <strong>Bravo Tools</strong>" in text(client.get("/portal/"))
    assert listed_skus(client.get("/portal/catalog/")) == ["TOOL-001"]
    assert client.get(f"/portal/products/{world.product_a.pk}/").status_code == 404
    assert client.get(f"/portal/products/{world.product_b.pk}/").status_code == 200
    # and back
    switch(client, world.company_a.pk)
    assert "Alpha Electric" in main_content(client.get("/portal/"))


def test_switching_returns_to_the_page_the_person_was_on(world, client_for, both):
    client = client_for(both)

    response = switch(client, world.company_b.pk, next_url="/portal/catalog/?sort=sku")

    assert response["Location"] == "/portal/catalog/?sort=sku"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/",
        "/portal/products/1/",
        "/portal/team/members/1/",
        "portal:team",
    ],
)
def test_switching_never_returns_to_foreign_or_company_specific_pages(
    world, client_for, both, next_url
):
    client = client_for(both)

    response = switch(client, world.company_b.pk, next_url=next_url)

    assert response["Location"] == "/portal/"


def test_switching_from_a_category_page_does_not_land_on_not_found(world, client_for, both):
    client = client_for(both)

    response = switch(
        client, world.company_b.pk, next_url=f"/portal/catalog/?category={world.cat_a.pk}"
    )

    assert client.get(response["Location"]).status_code == 200


def test_a_removed_membership_cannot_be_switched_to(world, client_for, both):
    # given the person's access to B was removed
    Membership.objects.filter(user=both, company=world.company_b).update(is_active=False)
    client = client_for(both)

    # when they try to switch to B
    response = switch(client, world.company_b.pk)

    # then B is not found and they still act for A
    assert response.status_code == 404
    assert "Alpha Electric" in main_content(client.get("/portal/"))
    assert f'<option value="{world.company_b.pk}"' not in client.get("/portal/").content.decode()


def test_losing_the_current_company_falls_back_to_another_one(world, client_for, both):
    client = client_for(both)
    switch(client, world.company_b.pk)

    Membership.objects.filter(user=both, company=world.company_b).update(is_active=False)

    assert "Alpha Electric" in main_content(client.get("/portal/"))
    assert sorted(listed_skus(client.get("/portal/catalog/"))) == ["CAB-001", "CAB-002"]


def test_a_blocked_company_shows_the_on_hold_page_not_the_catalog(world, client_for, both):
    # given B is on hold
    Company.objects.filter(pk=world.company_b.pk).update(
        is_blocked=True, blocked_reason="Overdue invoices."
    )
    client = client_for(both)

    # when the person switches to B (membership is fine) and opens B's pages
    assert switch(client, world.company_b.pk).status_code == 302
    pages = [
        client.get("/portal/"),
        client.get("/portal/catalog/"),
        client.get(f"/portal/products/{world.product_b.pk}/"),
        client.get("/portal/catalog/", {"q": "TOOL-001"}),
        client.get("/portal/team/"),
    ]

    # then every page is the on-hold page with the reason and the manager's contact
    for page in pages:
        assert page.status_code == 403
        body = text(page)
        assert "Bravo Tools's account is on hold" in body
        assert "Overdue invoices." in body
        assert world.manager_b.user.email in body
        assert world.product_b.name not in body
    # while A still works
    switch(client, world.company_a.pk)
    assert client.get("/portal/catalog/").status_code == 200


def test_a_person_without_any_active_membership_gets_the_no_company_page(world, client_for):
    Membership.objects.filter(pk=world.buyer_a.pk).update(is_active=False)
    client = client_for(world.buyer_a.user)

    for url in ("/portal/", "/portal/catalog/", "/portal/team/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "not linked to a dealer company" in text(response)


def test_an_owner_of_a_and_buyer_of_b_is_only_owner_where_they_are_owner(world, client_for):
    # given A's owner is also a buyer at B
    f.MembershipFactory(user=world.owner_a.user, company=world.company_b, role=MembershipRole.BUYER)
    client = client_for(world.owner_a.user)

    # when acting for B, team management is closed to them
    switch(client, world.company_b.pk)
    response = client.post("/portal/team/invite/", {"email": "x@bravo.test", "role": "owner"})

    assert response.status_code == 403
    assert "Only your company's owner can do this" in text(response)
    assert not world.company_b.invites.exists()
