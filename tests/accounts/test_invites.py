"""Invitations: single-use, expiring links stored only as a hash; who may be invited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dealerdesk.accounts.choices import InviteStatus, MembershipRole
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import Invite, Membership, User
from dealerdesk.accounts.services import (
    accept_invite,
    create_invite,
    find_invite,
    invitee_has_account,
    revoke_invite,
)
from dealerdesk.core.models import AuditEntry
from tests import factories as f

PASSWORD = "correct horse battery 9"


def invite(world, email: str = "new.person@alpha.test", **kwargs):  # type: ignore[no-untyped-def]
    return create_invite(world.company_a, email=email, invited_by=world.owner_a.user, **kwargs)


def test_only_the_hash_of_the_token_is_stored(world):
    issued = invite(world)

    stored = Invite.objects.get(pk=issued.invite.pk)
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert len(issued.token) >= 40
    row = Invite.objects.filter(pk=stored.pk).values().get()
    assert all(issued.token not in str(value) for value in row.values())
    assert all(
        issued.token not in str(entry.after) + str(entry.before)
        for entry in AuditEntry.objects.all()
    )
    assert issued.url.endswith(f"/invite/{issued.token}/")


def test_invitation_email_carries_the_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = invite(world, email="  New.Person@Alpha.TEST ", role=MembershipRole.ACCOUNTANT)

    assert issued.invite.email == "new.person@alpha.test"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@alpha.test"]
    assert issued.url in message.body
    assert "Alpha Electric" in message.body
    assert "accountant" in message.body


def test_no_email_leaves_when_the_transaction_is_rolled_back(
    world, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    def invite_then_fail() -> None:
        with transaction.atomic():
            invite(world)
            raise Boom

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        invite_then_fail()

    assert callbacks == []
    assert mail.outbox == []
    assert not Invite.objects.exists()


def test_a_newer_invite_to_the_same_person_revokes_the_older_link(world):
    old = invite(world)
    new = invite(world, email="NEW.person@alpha.test")

    with pytest.raises(AccountsError) as error:
        find_invite(old.token)

    assert error.value.code == AccountsErrorCode.INVITE_REVOKED
    assert find_invite(new.token) == new.invite


def test_invites_of_the_same_person_to_another_company_stay_valid(world):
    to_a = invite(world)
    to_b = create_invite(world.company_b, email="new.person@alpha.test", invited_by=None)

    assert find_invite(to_a.token) == to_a.invite
    assert find_invite(to_b.token) == to_b.invite


def test_inviting_an_active_member_is_refused(world):
    with pytest.raises(AccountsError) as error:
        invite(world, email="BUYER@alpha.test")

    assert error.value.code == AccountsErrorCode.ALREADY_MEMBER
    assert not Invite.objects.exists()


def test_a_member_whose_access_was_removed_can_be_invited_back(world):
    # given a buyer whose access to A was removed
    Membership.objects.filter(pk=world.buyer_a.pk).update(is_active=False)

    # when they are invited again, as an accountant, and accept with their password
    issued = invite(world, email="buyer@alpha.test", role=MembershipRole.ACCOUNTANT)
    membership = accept_invite(issued.token, user=world.buyer_a.user)

    # then the same membership is active again, with the new role
    assert membership.pk == world.buyer_a.pk
    assert (membership.is_active, membership.role) == (True, MembershipRole.ACCOUNTANT)


@pytest.mark.parametrize("email", ["manager.a@supplier.test", "MANAGER.A@Supplier.test"])
def test_supplier_staff_cannot_be_invited_as_dealers(world, email):
    with pytest.raises(AccountsError) as error:
        invite(world, email=email)

    assert error.value.code == AccountsErrorCode.STAFF_EMAIL


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "ok@alpha.test", "role": "superuser"}, "role"),
        ({"email": "ok@alpha.test", "role": ""}, "role"),
    ],
)
def test_invalid_email_or_role_is_a_field_error(world, kwargs, field):
    with pytest.raises(ValidationError) as error:
        create_invite(world.company_a, invited_by=None, **kwargs)

    assert list(error.value.message_dict) == [field]


def test_an_email_longer_than_the_column_is_a_field_error(world):
    # validate_email allows 320 characters; Invite.email holds 254
    with pytest.raises(ValidationError) as error:
        invite(world, email="x" * 300 + "@alpha.test")

    assert list(error.value.message_dict) == ["email"]
    assert error.value.message_dict["email"][0].startswith("Keep the e-mail address under")
    assert not Invite.objects.exists()


def test_invite_expires_after_the_configured_time(world, settings):
    settings.DEALERDESK_INVITE_TTL = timedelta(days=3)
    before = timezone.now()

    issued = invite(world)

    assert before + timedelta(days=3) <= issued.invite.expires_at
    assert issued.invite.expires_at <= timezone.now() + timedelta(days=3)


def _expire(issued) -> None:  # type: ignore[no-untyped-def]
    Invite.objects.filter(pk=issued.invite.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (lambda w, i: _expire(i), AccountsErrorCode.INVITE_EXPIRED),
        (lambda w, i: revoke_invite(i.invite, by=w.owner_a.user), AccountsErrorCode.INVITE_REVOKED),
        (
            lambda w, i: accept_invite(i.token, full_name="X Y", password=PASSWORD),
            AccountsErrorCode.INVITE_USED,
        ),
    ],
    ids=["expired", "revoked", "used"],
)
def test_a_spoilt_invite_cannot_be_used(world, spoil, code):
    issued = invite(world)
    spoil(world, issued)

    with pytest.raises(AccountsError) as finding:
        find_invite(issued.token)
    with pytest.raises(AccountsError) as accepting:
        accept_invite(issued.token, full_name="Someone Else", password=PASSWORD)

    assert finding.value.code == accepting.value.code == code


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_an_unknown_token_is_refused(world, token):
    invite(world)

    with pytest.raises(AccountsError) as error:
        find_invite(token)

    assert error.value.code == AccountsErrorCode.INVITE_UNKNOWN


def test_a_new_person_accepts_with_a_password(world):
    issued = invite(world, role=MembershipRole.ACCOUNTANT)

    membership = accept_invite(issued.token, full_name="  Nina   New ", password=PASSWORD)

    user = User.objects.get(email="new.person@alpha.test")
    assert user.full_name == "Nina New"
    assert user.check_password(PASSWORD)
    assert (membership.user, membership.company, membership.role) == (
        user,
        world.company_a,
        MembershipRole.ACCOUNTANT,
    )
    issued.invite.refresh_from_db()
    assert issued.invite.accepted_by == user
    assert issued.invite.status == InviteStatus.ACCEPTED


def test_an_existing_person_with_a_password_must_sign_in_to_accept(world):
    # given buyer_b (who signs in with a password) is invited to A
    issued = invite(world, email="buyer@bravo.test")
    assert invitee_has_account(issued.invite)

    # when someone tries to accept by setting a new password
    with pytest.raises(AccountsError):
        accept_invite(issued.token, full_name="Mallory", password="taken over 123!")

    # then the account is untouched and no membership exists
    world.buyer_b.user.refresh_from_db()
    assert world.buyer_b.user.check_password(f.PASSWORD)
    assert not Membership.objects.filter(user=world.buyer_b.user, company=world.company_a).exists()

    # and signed in, they accept it
    membership = accept_invite(issued.token, user=world.buyer_b.user)
    assert membership.company == world.company_a


def test_an_invite_cannot_be_accepted_by_someone_else(world):
    issued = invite(world)

    with pytest.raises(AccountsError) as error:
        accept_invite(issued.token, user=world.buyer_b.user)

    assert "new.person@alpha.test" in error.value.message
    assert find_invite(issued.token) == issued.invite


def test_revoking_is_idempotent_and_leaves_used_invites_alone(world):
    pending = invite(world)
    used = invite(world, email="other@alpha.test")
    accept_invite(used.token, full_name="Otto Other", password=PASSWORD)

    revoke_invite(pending.invite, by=world.owner_a.user)
    first_revoked_at = pending.invite.revoked_at
    revoke_invite(pending.invite, by=world.owner_a.user)
    revoke_invite(used.invite, by=world.owner_a.user)

    assert pending.invite.revoked_at == first_revoked_at
    assert pending.invite.status == InviteStatus.REVOKED
    used.invite.refresh_from_db()
    assert used.invite.status == InviteStatus.ACCEPTED
    assert AuditEntry.objects.filter(verb="revoked").count() == 1
