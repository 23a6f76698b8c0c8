"""Companies: the "Invite a person" page, invites, memberships, and the audit of changes."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client

from dealerdesk.accounts.choices import InviteStatus, MembershipRole
from dealerdesk.accounts.models import Invite
from dealerdesk.accounts.services import create_invite
from dealerdesk.core.models import AuditAction, AuditEntry
from tests.backoffice.conftest import bo, change_form_data
from tests.conftest import World


def test_company_page_has_the_invite_button(world: World, manager_client: Client) -> None:
    page = manager_client.get(bo("accounts_company_change", world.company_a.pk))

    assert bo("accounts_company_invite", world.company_a.pk) in page.content.decode()


def test_invite_a_person_sends_the_link_and_shows_it(
    world: World, manager_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    url = bo("accounts_company_invite", world.company_a.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            url, {"email": " Nina@Alpha.test ", "role": MembershipRole.ACCOUNTANT}, follow=True
        )

    assert response.redirect_chain[-1][0] == bo("accounts_company_change", world.company_a.pk)
    invite = Invite.objects.get(company=world.company_a, email="nina@alpha.test")
    assert invite.role == MembershipRole.ACCOUNTANT
    assert invite.invited_by == world.manager_a.user
    assert mail.outbox[0].to == ["nina@alpha.test"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invite/" in line).strip()
    assert link.startswith("http://testserver/invite/")
    assert link in response.content.decode()


def test_inviting_an_existing_member_says_so(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("accounts_company_invite", world.company_a.pk),
        {"email": "buyer@alpha.test", "role": MembershipRole.BUYER},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "This person already belongs to the company."
    ]
    assert not Invite.objects.filter(email="buyer@alpha.test").exists()


def test_inviting_a_staff_account_is_refused(world: World, admin_client: Client) -> None:
    response = admin_client.post(
        bo("accounts_company_invite", world.company_a.pk),
        {"email": "manager.b@supplier.test", "role": MembershipRole.BUYER},
    )

    assert "supplier staff account" in response.context["form"].errors["email"][0]


def test_manager_cannot_invite_into_another_managers_company(
    world: World, manager_client: Client
) -> None:
    response = manager_client.post(
        bo("accounts_company_invite", world.company_b.pk),
        {"email": "spy@example.test", "role": MembershipRole.OWNER},
    )

    assert response.status_code == 302
    assert not Invite.objects.filter(email="spy@example.test").exists()


def test_invite_add_page_offers_only_the_managers_companies(
    world: World, manager_client: Client
) -> None:
    page = manager_client.get(bo("accounts_invite_add"))
    assert list(page.context["form"].fields["company"].queryset) == [world.company_a]

    refused = manager_client.post(
        bo("accounts_invite_add"),
        {"company": world.company_b.pk, "email": "x@example.test", "role": "buyer"},
    )
    accepted = manager_client.post(
        bo("accounts_invite_add"),
        {"company": world.company_a.pk, "email": "y@example.test", "role": "buyer"},
    )

    assert "company" in refused.context["form"].errors
    assert accepted.status_code == 302
    assert Invite.objects.filter(email="y@example.test", company=world.company_a).exists()
    assert not Invite.objects.filter(email="x@example.test").exists()


def test_revoke_action(world: World, manager_client: Client) -> None:
    issued = create_invite(world.company_a, email="z@alpha.test", invited_by=world.admin.user)

    manager_client.post(
        bo("accounts_invite_changelist"),
        {"action": "revoke", "_selected_action": [issued.invite.pk]},
    )

    issued.invite.refresh_from_db()
    assert issued.invite.status == InviteStatus.REVOKED


def test_invites_are_not_edited_by_hand(world: World, admin_client: Client) -> None:
    issued = create_invite(world.company_a, email="z@alpha.test", invited_by=world.admin.user)

    response = admin_client.post(
        bo("accounts_invite_change", issued.invite.pk), {"email": "other@alpha.test"}
    )

    assert response.status_code == 403
    issued.invite.refresh_from_db()
    assert issued.invite.email == "z@alpha.test"


def test_company_page_lists_people_and_invites(world: World, admin_client: Client) -> None:
    create_invite(world.company_a, email="pending@alpha.test", invited_by=world.admin.user)

    content = admin_client.get(bo("accounts_company_change", world.company_a.pk)).content.decode()

    assert str(world.owner_a.user) in content
    assert "pending@alpha.test" in content
    assert "Pending" in content


def test_a_company_change_is_audited_with_before_and_after(
    world: World, admin_client: Client
) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(admin_client.get(url))
    data.update(tax_id="DE123456789", personal_manager=str(world.manager_b.pk))

    response = admin_client.post(url, data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="accounts.company", action=AuditAction.UPDATE)
    assert entry.actor == world.admin.user
    assert entry.company_id == world.company_a.pk
    assert entry.source == "back office"
    assert entry.before == {"tax_id": "", "personal_manager_id": world.manager_a.pk}
    assert entry.after == {"tax_id": "DE123456789", "personal_manager_id": world.manager_b.pk}


def test_saving_without_changes_writes_no_audit_entry(world: World, admin_client: Client) -> None:
    url = bo("accounts_company_change", world.company_a.pk)

    admin_client.post(url, change_form_data(admin_client.get(url)))

    assert not AuditEntry.objects.filter(object_type="accounts.company").exists()


def test_membership_changes_in_the_inline_are_audited(world: World, manager_client: Client) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(manager_client.get(url))
    id_key = next(
        key for key, value in data.items() if key.endswith("-id") and value == str(world.buyer_a.pk)
    )
    data[id_key.removesuffix("-id") + "-role"] = MembershipRole.ACCOUNTANT

    response = manager_client.post(url, data)

    assert response.status_code == 302
    world.buyer_a.refresh_from_db()
    assert world.buyer_a.role == MembershipRole.ACCOUNTANT
    entry = AuditEntry.objects.get(object_type="accounts.membership")
    assert entry.before == {"role": "buyer"}
    assert entry.after == {"role": "accountant"}
    assert entry.company_id == world.company_a.pk
    assert entry.actor == world.manager_a.user


def test_blocking_needs_a_reason(world: World, admin_client: Client) -> None:
    url = bo("accounts_company_change", world.company_a.pk)
    data = change_form_data(admin_client.get(url))
    data["is_blocked"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "blocked_reason" in response.context["adminform"].form.errors


def test_deleting_a_company_is_audited(world: World, admin_client: Client) -> None:
    company_pk = world.company_b.pk
    response = admin_client.post(bo("accounts_company_delete", company_pk), {"post": "yes"})

    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="accounts.company", action=AuditAction.DELETE)
    assert entry.object_id == str(company_pk)
    assert entry.before is not None
    assert entry.before["name"] == "Bravo Tools"


def test_an_overlong_email_is_a_form_error(world: World, admin_client: Client) -> None:
    email = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".test"  # valid, but over 254

    response = admin_client.post(
        bo("accounts_company_invite", world.company_a.pk), {"email": email, "role": "buyer"}
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invite.objects.exists()
