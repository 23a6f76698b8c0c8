"""Following an invitation link: a newcomer sets a password, a known person confirms theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dealerdesk.accounts.choices import InviteStatus, MembershipRole
from dealerdesk.accounts.models import Invite, Membership, User
from dealerdesk.accounts.services import create_invite, revoke_invite
from tests import factories as f
from tests.portal.pages import field_errors, flash_messages, text

GOOD_PASSWORD = "Lantern orchard 2024"


@pytest.fixture
def issued(world):  # type: ignore[no-untyped-def]
    return create_invite(
        world.company_a,
        email="nina.new@alpha.test",
        role=MembershipRole.ACCOUNTANT,
        invited_by=world.owner_a.user,
    )


def link(issued) -> str:  # type: ignore[no-untyped-def]
    return f"/invite/{issued.token}/"


def newcomer(password: str = GOOD_PASSWORD, again: str | None = None, name: str = "Nina New"):
    return {
        "full_name": name,
        "password1": password,
        "password2": password if again is None else again,
    }


def test_the_link_shows_whom_the_invitation_is_for(world, client, issued):
    response = client.get(link(issued))

    assert response.status_code == 200
    page = text(response)
    assert "Join Alpha Electric" in page
    assert "nina.new@alpha.test" in page
    assert "accountant" in page
    assert "Choose a password to finish" in page


def test_a_newcomer_accepts_and_lands_on_the_companys_dashboard(world, client, issued):
    # when the invited person sets their name and a password
    response = client.post(link(issued), newcomer())

    # then they are signed in and on the dashboard of the inviting company
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    dashboard = client.get("/portal/")
    assert "You are ordering for <strong>Alpha Electric</strong>" in text(dashboard)
    assert "Welcome to Alpha Electric's portal." in flash_messages(dashboard)
    # with an account and a membership in the invitation's role
    user = User.objects.get(email="nina.new@alpha.test")
    assert user.full_name == "Nina New"
    assert int(client.session["_auth_user_id"]) == user.pk
    membership = Membership.objects.get(user=user)
    assert (membership.company, membership.role, membership.is_active) == (
        world.company_a,
        MembershipRole.ACCOUNTANT,
        True,
    )
    issued.invite.refresh_from_db()
    assert issued.invite.status == InviteStatus.ACCEPTED
    # and they can sign in again later with that password
    client.post("/logout/")
    again = client.post("/login/", {"username": "nina.new@alpha.test", "password": GOOD_PASSWORD})
    assert again.status_code == 302


def test_the_link_works_once(world, client, issued):
    client.post(link(issued), newcomer())
    client.post("/logout/")

    for response in (client.get(link(issued)), client.post(link(issued), newcomer(name="Eve"))):
        assert response.status_code == 404
        assert "This invitation has already been used" in text(response)
    assert Membership.objects.filter(company=world.company_a).count() == 3


def test_an_expired_link_says_so(world, client, issued):
    Invite.objects.filter(pk=issued.invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.get(link(issued))

    assert response.status_code == 404
    assert "This invitation has expired" in text(response)
    assert client.post(link(issued), newcomer()).status_code == 404
    assert not User.objects.filter(email="nina.new@alpha.test").exists()


def test_a_withdrawn_link_says_so(world, client, issued):
    revoke_invite(issued.invite, by=world.owner_a.user)

    response = client.get(link(issued))

    assert response.status_code == 404
    assert "This invitation was withdrawn" in text(response)


def test_a_newer_invitation_withdraws_the_older_link(world, client, issued):
    newer = create_invite(world.company_a, email="Nina.New@alpha.test", invited_by=None)

    assert "This invitation was withdrawn" in text(client.get(link(issued)))
    assert client.get(link(newer)).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "%00"])
def test_an_unknown_link_is_not_found(world, client, issued, token):
    response = client.get(f"/invite/{token}/")

    assert response.status_code == 404
    assert "This invitation link is not valid" in text(response)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (newcomer("short1"), "password1", "This password is too short"),
        (newcomer("password123"), "password1", "This password is too common"),
        (newcomer("84736251907"), "password1", "This password is entirely numeric"),
        (newcomer("nina.new.alpha"), "password1", "too similar to the e-mail"),
        (
            newcomer(GOOD_PASSWORD, again="Lantern orchard 2025"),
            "password2",
            "The two passwords are not the same.",
        ),
        (newcomer(name=""), "full_name", "This field is required."),
        (newcomer(name="N" * 151), "full_name", "at most 150 characters"),
        ({"full_name": "Nina"}, "password1", "This field is required."),
    ],
    ids=[
        "too-short",
        "too-common",
        "numeric",
        "like-email",
        "mismatch",
        "no-name",
        "long-name",
        "no-password",
    ],
)
def test_a_bad_password_or_name_is_explained_and_nothing_is_created(
    world, client, issued, data, field, message
):
    response = client.post(link(issued), data)

    assert response.status_code == 400
    assert any(message in error for error in field_errors(response, field)), field_errors(
        response, field
    )
    assert not User.objects.filter(email="nina.new@alpha.test").exists()
    issued.invite.refresh_from_db()
    assert issued.invite.status == InviteStatus.PENDING
    assert "_auth_user_id" not in client.session


# --- a person who already has an account -------------------------------------------------


@pytest.fixture
def issued_to_existing(world):  # type: ignore[no-untyped-def]
    """B's buyer, who signs in with a password, is invited to A as well."""
    return create_invite(world.company_a, email="buyer@bravo.test", invited_by=world.owner_a.user)


def test_an_existing_person_is_asked_for_their_password(world, client, issued_to_existing):
    response = client.get(link(issued_to_existing))

    assert response.status_code == 200
    page = text(response)
    assert "You already have an account" in page
    assert 'name="password1"' not in page


def test_an_existing_person_with_the_wrong_password_is_refused(world, client, issued_to_existing):
    response = client.post(link(issued_to_existing), {"password": "wrong password"})

    assert response.status_code == 400
    assert field_errors(response, "password") == ["The password is not right."]
    assert not Membership.objects.filter(user=world.buyer_b.user, company=world.company_a).exists()
    assert "_auth_user_id" not in client.session
    assert world.buyer_b.user.check_password(f.PASSWORD)


def test_guessing_the_password_on_an_invitation_counts_towards_the_lockout(
    world, client, issued_to_existing
):
    for _ in range(5):
        client.post(link(issued_to_existing), {"password": "guess"})

    # the right password is now refused here, and on the sign-in page
    response = client.post(link(issued_to_existing), {"password": f.PASSWORD})
    assert response.status_code == 429
    assert not Membership.objects.filter(user=world.buyer_b.user, company=world.company_a).exists()
    login = client.post("/login/", {"username": "buyer@bravo.test", "password": f.PASSWORD})
    assert login.status_code == 429


def test_an_existing_person_joins_with_their_password(world, client, issued_to_existing):
    response = client.post(link(issued_to_existing), {"password": f.PASSWORD})

    assert response.status_code == 302
    membership = Membership.objects.get(user=world.buyer_b.user, company=world.company_a)
    assert membership.role == MembershipRole.BUYER
    # now acting for A, with B still there to switch to
    assert "You are ordering for <strong>Alpha Electric</strong>" in text(client.get("/portal/"))
    assert Membership.objects.filter(user=world.buyer_b.user, is_active=True).count() == 2


def test_an_existing_person_cannot_reset_their_password_through_an_invite(
    world, client, issued_to_existing
):
    # someone who got hold of the link tries the newcomer form
    response = client.post(link(issued_to_existing), newcomer())

    assert response.status_code == 400
    world.buyer_b.user.refresh_from_db()
    assert world.buyer_b.user.check_password(f.PASSWORD)
    assert not Membership.objects.filter(user=world.buyer_b.user, company=world.company_a).exists()


def test_invite_page_is_not_cached(world, client, issued):
    response = client.get(link(issued))

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
