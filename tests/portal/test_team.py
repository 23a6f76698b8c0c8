"""The team page: owners invite colleagues, change roles and access; others only look."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from dealerdesk.accounts.choices import InviteStatus, MembershipRole
from dealerdesk.accounts.models import Invite, Membership
from dealerdesk.accounts.services import accept_invite, create_invite
from tests import factories as f
from tests.portal.pages import field_errors, flash_messages, form_errors, text

OWNER_ONLY = "Only your company's owner can do this"


@pytest.fixture
def owner(world, client_for):  # type: ignore[no-untyped-def]
    return client_for(world.owner_a.user)


@pytest.fixture
def a_invite(world):  # type: ignore[no-untyped-def]
    return create_invite(world.company_a, email="later@alpha.test", invited_by=world.owner_a.user)


def test_owner_invites_a_colleague_who_gets_a_working_link(
    world, owner, client, django_capture_on_commit_callbacks
):
    # when the owner invites a colleague as accountant
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            "/portal/team/invite/", {"email": "Carl@Alpha.test", "role": "accountant"}
        )

    # then the page confirms, the invitation is listed, and an e-mail with a link went out
    assert response.status_code == 302
    team = owner.get("/portal/team/")
    assert "Invitation sent to carl@alpha.test." in flash_messages(team)
    assert "carl@alpha.test" in text(team)
    invite = Invite.objects.get(email="carl@alpha.test")
    assert (invite.company, invite.role, invite.invited_by) == (
        world.company_a,
        MembershipRole.ACCOUNTANT,
        world.owner_a.user,
    )
    assert len(mail.outbox) == 1
    url = re.search(r"http://testserver(/invite/[^/\s]+/)", mail.outbox[0].body)
    assert url is not None
    # and the link opens the invitation
    client.logout()
    assert "Join Alpha Electric" in text(client.get(url.group(1)))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not an email", "role": "buyer"}, "email", "Enter a valid email address."),
        ({"email": "", "role": "buyer"}, "email", "This field is required."),
        ({"email": "ok@alpha.test", "role": "god"}, "role", "Select a valid choice."),
        ({"email": "ok@alpha.test"}, "role", "This field is required."),
        ({"email": "BUYER@alpha.test", "role": "buyer"}, "email", "already belongs to the company"),
        (
            {"email": "admin@supplier.test", "role": "owner"},
            "email",
            "cannot be invited from the portal",
        ),
    ],
    ids=["bad-email", "no-email", "bad-role", "no-role", "member", "staff"],
)
def test_a_bad_invitation_is_explained_and_not_sent(world, owner, data, field, message):
    response = owner.post("/portal/team/invite/", data)

    assert response.status_code == 400
    assert any(message in error for error in field_errors(response, field)), field_errors(
        response, field
    )
    assert not Invite.objects.exists()


def test_an_overlong_email_is_explained_and_not_sent(world, owner):
    # 311 characters: valid for validate_email (limit 320), too long for Invite.email (254)
    response = owner.post(
        "/portal/team/invite/", {"email": "x" * 300 + "@alpha.test", "role": "buyer"}
    )

    assert response.status_code == 400
    assert field_errors(response, "email")[0].startswith("Keep the e-mail address under")
    assert not Invite.objects.exists()


def test_owner_withdraws_an_invitation(world, owner, a_invite):
    response = owner.post(f"/portal/team/invites/{a_invite.invite.pk}/revoke/")

    assert response.status_code == 302
    a_invite.invite.refresh_from_db()
    assert a_invite.invite.status == InviteStatus.REVOKED
    assert "The invitation for later@alpha.test was withdrawn." in flash_messages(
        owner.get("/portal/team/")
    )


def test_withdrawing_an_already_accepted_invitation_does_not_claim_success(
    world, owner, client, a_invite
):
    # given the invitee accepted while the owner's team page was open
    accept_invite(a_invite.token, full_name="Lara Later", password="Quiet harbour 88")

    # when the owner presses "Withdraw" on the stale page
    response = owner.post(f"/portal/team/invites/{a_invite.invite.pk}/revoke/", follow=True)

    # then they are not told it was withdrawn (the colleague is in the company)
    assert Membership.objects.filter(user__email="later@alpha.test", is_active=True).exists()
    messages = flash_messages(response)
    assert not any("was withdrawn" in m for m in messages), messages


def test_owner_changes_a_colleagues_role(world, owner):
    response = owner.post(f"/portal/team/members/{world.buyer_a.pk}/", {"role": "viewer"})

    assert response.status_code == 302
    assert Membership.objects.get(pk=world.buyer_a.pk).role == MembershipRole.VIEWER
    assert any("is now Viewer" in m for m in flash_messages(owner.get("/portal/team/")))


@pytest.mark.parametrize("role", ["", "god", "OWNER", "x" * 10_000])
def test_an_unknown_role_is_explained(world, owner, role):
    response = owner.post(f"/portal/team/members/{world.buyer_a.pk}/", {"role": role})

    assert response.status_code == 400
    assert field_errors(response, "role")
    assert Membership.objects.get(pk=world.buyer_a.pk).role == MembershipRole.BUYER


def test_the_last_owner_cannot_be_demoted(world, owner):
    response = owner.post(f"/portal/team/members/{world.owner_a.pk}/", {"role": "buyer"})

    assert response.status_code == 400
    assert field_errors(response, "role") == ["A company needs at least one active owner."]
    assert Membership.objects.get(pk=world.owner_a.pk).role == MembershipRole.OWNER


def test_owner_removes_and_restores_a_colleagues_access(world, owner, client_for):
    owner.post(f"/portal/team/members/{world.buyer_a.pk}/access/", {"active": "0"})

    assert not Membership.objects.get(pk=world.buyer_a.pk).is_active
    assert any("no longer has access" in m for m in flash_messages(owner.get("/portal/team/")))

    owner.post(f"/portal/team/members/{world.buyer_a.pk}/access/", {"active": "1"})
    assert Membership.objects.get(pk=world.buyer_a.pk).is_active


def test_a_removed_colleague_can_no_longer_use_the_portal(world, owner, client_for):
    owner.post(f"/portal/team/members/{world.buyer_a.pk}/access/", {"active": "0"})

    response = client_for(world.buyer_a.user).get("/portal/catalog/")

    assert response.status_code == 403
    assert "not linked to a dealer company" in text(response)


def test_owner_cannot_remove_themselves(world, owner):
    # given a second owner, so "last owner" is not the reason
    f.MembershipFactory(company=world.company_a, role=MembershipRole.OWNER)

    response = owner.post(
        f"/portal/team/members/{world.owner_a.pk}/access/", {"active": "0"}, follow=True
    )

    assert "You cannot remove yourself from the company." in flash_messages(response)
    assert Membership.objects.get(pk=world.owner_a.pk).is_active


def test_the_team_page_offers_no_remove_button_for_oneself(world, owner):
    page = owner.get("/portal/team/").content.decode()

    assert f"/portal/team/members/{world.buyer_a.pk}/access/" in page
    assert f"/portal/team/members/{world.owner_a.pk}/access/" not in page


# --- people who are not owners -----------------------------------------------------------

NON_OWNER_POSTS = [
    pytest.param(
        lambda w, i: "/portal/team/invite/", {"email": "x@alpha.test", "role": "owner"}, id="invite"
    ),
    pytest.param(lambda w, i: f"/portal/team/invites/{i.invite.pk}/revoke/", {}, id="revoke"),
    pytest.param(
        lambda w, i: f"/portal/team/members/{w.owner_a.pk}/", {"role": "viewer"}, id="role-of-owner"
    ),
    pytest.param(
        lambda w, i: f"/portal/team/members/{w.buyer_a.pk}/", {"role": "owner"}, id="own-role"
    ),
    pytest.param(
        lambda w, i: f"/portal/team/members/{w.owner_a.pk}/access/", {"active": "0"}, id="access"
    ),
]


@pytest.mark.parametrize(("url", "data"), NON_OWNER_POSTS)
def test_only_an_owner_manages_people(world, client_for, a_invite, url, data):
    client = client_for(world.buyer_a.user)
    for role in (MembershipRole.BUYER, MembershipRole.ACCOUNTANT, MembershipRole.VIEWER):
        # given a colleague of A who is not an owner
        Membership.objects.filter(pk=world.buyer_a.pk).update(role=role)

        # when they try to manage people
        response = client.post(url(world, a_invite), data)

        # then they are told only the owner may, and nothing changes
        assert response.status_code == 403, role
        assert OWNER_ONLY in text(response)
        assert Invite.objects.count() == 1
        a_invite.invite.refresh_from_db()
        assert a_invite.invite.status == InviteStatus.PENDING
        owner_a = Membership.objects.get(pk=world.owner_a.pk)
        assert (owner_a.role, owner_a.is_active) == (MembershipRole.OWNER, True)
        assert Membership.objects.get(pk=world.buyer_a.pk).role == role


def test_a_buyer_sees_the_team_but_no_management(world, client_for, a_invite):
    response = client_for(world.buyer_a.user).get("/portal/team/")

    assert response.status_code == 200
    page = text(response)
    assert world.owner_a.user.email in page
    assert "Your company's owner invites colleagues and changes roles." in page
    assert "Send invitation" not in page
    assert a_invite.invite.email not in page  # pending invitations are the owner's business
    assert "/access/" not in page


def test_a_buyer_may_look_at_a_colleague_but_not_change_the_role(world, client_for):
    response = client_for(world.buyer_a.user).get(f"/portal/team/members/{world.owner_a.pk}/")

    assert response.status_code == 200
    assert world.owner_a.user.email in text(response)
    assert "Change role" not in text(response)
    assert form_errors(response) == []


@pytest.mark.parametrize(
    "url",
    ["/portal/team/invite/", "/portal/team/invites/1/revoke/", "/portal/team/members/1/access/"],
)
def test_management_endpoints_refuse_get(world, owner, url):
    assert owner.get(url).status_code == 405
