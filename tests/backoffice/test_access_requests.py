"""The access-request queue: approve (new or existing company) and reject, through the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from dealerdesk.accounts.choices import AccessRequestStatus, MembershipRole
from dealerdesk.accounts.models import AccessRequest, Company, Invite
from dealerdesk.accounts.services import approve_access_request
from tests import factories as f
from tests.backoffice.conftest import bo
from tests.conftest import World


def approve(client: Client, access_request: AccessRequest, **data: Any) -> Any:
    return client.post(bo("accounts_accessrequest_approve", access_request.pk), data, follow=True)


def test_queue_shows_pending_requests_with_a_possible_match(
    world: World, admin_client: Client
) -> None:
    pending = f.AccessRequestFactory(company_name="ALPHA ELECTRIC LLC", times_requested=3)
    decided = f.AccessRequestFactory(status=AccessRequestStatus.REJECTED)

    response = admin_client.get(bo("accounts_accessrequest_changelist"))

    assert list(response.context["cl"].result_list) == [pending]
    content = response.content.decode()
    assert bo("accounts_company_change", world.company_a.pk) in content  # the match
    assert bo("accounts_accessrequest_approve", pending.pk) in content
    everything = admin_client.get(bo("accounts_accessrequest_changelist"), {"status": "all"})
    assert list(everything.context["cl"].result_list) == [pending, decided]


def test_dashboard_shows_the_pending_count(world: World, admin_client: Client) -> None:
    f.AccessRequestFactory()
    f.AccessRequestFactory()

    content = admin_client.get(bo("index")).content.decode()

    assert "2 access requests waiting for a decision" in content
    assert bo("accounts_accessrequest_changelist") in content


def test_approve_creates_the_company_and_sends_the_invite(
    world: World, admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    access_request = f.AccessRequestFactory(
        company_name="Echo Builders Ltd", contact_email="eva@echo.test", contact="eva@echo.test"
    )
    page = admin_client.get(bo("accounts_accessrequest_approve", access_request.pk))
    assert page.context["form"]["name"].value() == "Echo Builders Ltd"
    assert page.context["form"]["invite_email"].value() == "eva@echo.test"
    assert page.context["form"]["personal_manager"].value() == world.admin.pk

    with django_capture_on_commit_callbacks(execute=True):
        response = approve(
            admin_client,
            access_request,
            name="Echo Builders",
            legal_name="Echo Builders Ltd",
            tax_id="GB123456789",
            personal_manager=world.manager_a.pk,
            invite_email="eva@echo.test",
            role=MembershipRole.OWNER,
        )

    company = Company.objects.get(name="Echo Builders")
    assert company.tax_id == "GB123456789"
    assert company.personal_manager == world.manager_a
    invite = Invite.objects.get(company=company)
    assert invite.email == "eva@echo.test"
    assert invite.role == MembershipRole.OWNER
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.APPROVED
    assert access_request.company == company
    assert access_request.decided_by == world.admin.user
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["eva@echo.test"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invite/" in line)
    assert link.strip() in response.content.decode()  # staff can pass it on too


def test_a_second_request_of_the_same_company_links_to_it(
    world: World, admin_client: Client
) -> None:
    first = f.AccessRequestFactory(company_name="Acme LLC")
    second = f.AccessRequestFactory(company_name="ACME")
    approve(admin_client, first, name="Acme LLC", invite_email=first.contact_email, role="owner")
    acme = Company.objects.get(name="Acme LLC")

    page = admin_client.get(bo("accounts_accessrequest_approve", second.pk))
    assert page.context["form"]["company"].value() == acme.pk
    assert "Acme LLC" in page.content.decode()
    approve(admin_client, second, name="ACME", invite_email=second.contact_email, role="buyer")

    assert Company.objects.filter(name_key="acme").count() == 1
    second.refresh_from_db()
    assert second.status == AccessRequestStatus.APPROVED
    assert second.company == acme
    assert Invite.objects.filter(company=acme).count() == 2


def test_approving_a_phone_only_request_needs_an_email(world: World, admin_client: Client) -> None:
    access_request = f.AccessRequestFactory(
        company_name="Foxtrot Roofing",
        contact="+49 30 1234567",
        contact_email="",
        contact_phone="+49301234567",
    )

    response = approve(admin_client, access_request, name="Foxtrot Roofing", role="owner")

    assert response.status_code == 200
    assert "invite_email" in response.context["form"].errors
    assert "e-mail address is needed" in response.content.decode()
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING
    assert not Company.objects.filter(name="Foxtrot Roofing").exists()

    approve(
        admin_client,
        access_request,
        name="Foxtrot Roofing",
        invite_email="Boss@Foxtrot.test",
        role="owner",
    )
    assert Invite.objects.get(company__name="Foxtrot Roofing").email == "boss@foxtrot.test"


def test_approving_with_a_staff_email_is_refused_on_the_form(
    world: World, admin_client: Client
) -> None:
    access_request = f.AccessRequestFactory(company_name="Golf Tiles")

    response = approve(
        admin_client,
        access_request,
        name="Golf Tiles",
        invite_email="manager.a@supplier.test",
        role="owner",
    )

    assert "invite_email" in response.context["form"].errors
    assert not Company.objects.filter(name="Golf Tiles").exists()  # rolled back


def test_reject_needs_a_reason(
    world: World, admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    access_request = f.AccessRequestFactory(contact_email="x@hotel.test", contact="x@hotel.test")
    url = bo("accounts_accessrequest_reject", access_request.pk)

    empty = admin_client.post(url, {"reason": "   "})
    assert empty.status_code == 200
    assert "reason" in empty.context["form"].errors
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"reason": "We only sell to registered installers."})

    assert done.status_code == 302
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.REJECTED
    assert access_request.rejection_reason == "We only sell to registered installers."
    assert mail.outbox[0].to == ["x@hotel.test"]


@pytest.mark.parametrize("page", ["approve", "reject"])
def test_a_decided_request_cannot_be_decided_again(
    world: World, admin_client: Client, page: str
) -> None:
    access_request = f.AccessRequestFactory()
    approve_access_request(
        access_request, by=world.admin.user, invite_email=access_request.contact_email
    )
    invites_before = Invite.objects.count()

    shown = admin_client.get(bo(f"accounts_accessrequest_{page}", access_request.pk), follow=True)
    posted = admin_client.post(
        bo(f"accounts_accessrequest_{page}", access_request.pk),
        {"name": "Again", "invite_email": "again@example.test", "role": "owner", "reason": "No"},
        follow=True,
    )

    for response in (shown, posted):
        assert response.redirect_chain[-1][0] == bo(
            "accounts_accessrequest_change", access_request.pk
        )
        assert "already been decided" in response.content.decode()
    assert Invite.objects.count() == invites_before
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.APPROVED
    change_page = admin_client.get(bo("accounts_accessrequest_change", access_request.pk))
    assert bo("accounts_accessrequest_approve", access_request.pk) not in (
        change_page.content.decode()
    )


def test_manager_approval_makes_the_new_dealer_theirs(world: World, manager_client: Client) -> None:
    access_request = f.AccessRequestFactory(company_name="India Pumps")
    page = manager_client.get(bo("accounts_accessrequest_approve", access_request.pk))
    assert "personal_manager" not in page.context["form"].fields

    approve(
        manager_client,
        access_request,
        name="India Pumps",
        invite_email=access_request.contact_email,
        role="owner",
    )

    assert Company.objects.get(name="India Pumps").personal_manager == world.manager_a


def test_manager_cannot_approve_into_another_managers_dealer(
    world: World, manager_client: Client
) -> None:
    access_request = f.AccessRequestFactory(company_name="Bravo Tools GmbH")

    response = approve(
        manager_client, access_request, invite_email=access_request.contact_email, role="owner"
    )

    assert response.status_code == 200
    assert "another manager looks after" in response.content.decode()
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.PENDING
    assert not Invite.objects.filter(company=world.company_b).exists()


def test_requests_cannot_be_added_or_edited_by_hand(world: World, admin_client: Client) -> None:
    access_request = f.AccessRequestFactory()

    assert admin_client.get(bo("accounts_accessrequest_add")).status_code == 403
    response = admin_client.post(
        bo("accounts_accessrequest_change", access_request.pk), {"status": "approved"}
    )
    assert response.status_code == 403
