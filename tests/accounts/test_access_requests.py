"""A prospect's request for access: validation, de-duplication, approval and rejection."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealerdesk.accounts.choices import AccessRequestStatus, InviteStatus, MembershipRole
from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import AccessRequest, Company, Invite
from dealerdesk.accounts.services import (
    CompanyDetails,
    accept_invite,
    approve_access_request,
    find_invite,
    reject_access_request,
    request_access,
    validate_access_request,
)
from dealerdesk.core.models import AuditEntry
from tests import factories as f

VALID = {"company_name": "Acme Building Supply", "contact_name": "Jane Doe"}

# (field, company, name, contact, the message a person reads for that field)
BAD_FIELDS = [
    pytest.param(
        "company", "", "Jane Doe", "jane@acme.test", "Enter the company name.", id="company-empty"
    ),
    pytest.param(
        "company",
        "   ",
        "Jane Doe",
        "jane@acme.test",
        "Enter the company name.",
        id="company-blank",
    ),
    pytest.param(
        "company",
        "A",
        "Jane Doe",
        "jane@acme.test",
        "The company name is too short.",
        id="company-short",
    ),
    pytest.param(
        "company",
        "A" * 201,
        "Jane Doe",
        "jane@acme.test",
        "Keep the company name under 200 characters.",
        id="company-long",
    ),
    pytest.param(
        "company",
        "!!! ---",
        "Jane Doe",
        "jane@acme.test",
        "The company name needs letters or digits.",
        id="company-garbage",
    ),
    pytest.param("name", "Acme", "", "jane@acme.test", "Enter your name.", id="name-empty"),
    pytest.param("name", "Acme", "J", "jane@acme.test", "Your name is too short.", id="name-short"),
    pytest.param(
        "name",
        "Acme",
        "J" * 151,
        "jane@acme.test",
        "Keep your name under 150 characters.",
        id="name-long",
    ),
    pytest.param(
        "name",
        "Acme",
        "?!",
        "jane@acme.test",
        "Your name needs letters or digits.",
        id="name-garbage",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "",
        "Enter an e-mail address or a phone number.",
        id="contact-empty",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "jane@",
        "This does not look like an e-mail address",
        id="contact-bad-email",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "jane@acme",
        "This does not look like an e-mail address",
        id="contact-email-without-domain",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "12345",
        "a phone number with its area code",
        id="contact-too-few-digits",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "call me maybe",
        "a phone number with its area code",
        id="contact-words",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "+49 30 12",
        "This phone number is not valid",
        id="contact-invalid-phone",
    ),
    pytest.param(
        "contact",
        "Acme",
        "Jane Doe",
        "+999 123456789",
        "This does not look like a phone number",
        id="contact-unknown-country",
    ),
]


@pytest.mark.parametrize(("field", "company", "name", "contact", "message"), BAD_FIELDS)
def test_validate_access_request_names_the_field_and_the_problem(
    field, company, name, contact, message
):
    with pytest.raises(ValidationError) as error:
        validate_access_request(company, name, contact)

    problems = error.value.message_dict
    assert list(problems) == [field]
    assert len(problems[field]) == 1
    assert message in problems[field][0]


def test_validate_access_request_reports_every_field_at_once():
    with pytest.raises(ValidationError) as error:
        validate_access_request("", "", "")

    assert error.value.message_dict == {
        "company": ["Enter the company name."],
        "name": ["Enter your name."],
        "contact": ["Enter an e-mail address or a phone number."],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "company", "name", "contact", "message"), BAD_FIELDS)
def test_request_access_with_a_bad_field_saves_nothing(field, company, name, contact, message):
    with pytest.raises(ValidationError) as error:
        request_access(company_name=company, contact_name=name, contact=contact)

    assert message in error.value.message_dict[field][0]
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_an_overlong_email_is_refused_as_a_contact_problem():
    # 262 characters: valid for validate_email (limit 320), too long for contact_email (254)
    contact = "x" * 250 + "@example.com"

    with pytest.raises(ValidationError) as error:
        request_access(**VALID, contact=contact)

    assert "too long" in error.value.message_dict["contact"][0]
    assert not AccessRequest.objects.exists()


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300), st.text(max_size=300), st.text(max_size=300))
def test_validate_access_request_only_ever_says_no_with_field_messages(company, name, contact):
    problems: dict[str, list[str]] = {}
    try:
        company_text, name_text, parsed = validate_access_request(company, name, contact)
    except ValidationError as error:
        problems = error.message_dict

    if problems:
        assert set(problems) <= {"company", "name", "contact"}
        assert all(problems.values())
    else:
        assert 2 <= len(company_text) <= 200
        assert 2 <= len(name_text) <= 150
        assert bool(parsed.email) != bool(parsed.phone)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "email"),
    [
        ("jane.doe@acme.test", "jane.doe@acme.test"),
        ("  Jane.Doe@ACME.Test  ", "jane.doe@acme.test"),
    ],
)
def test_email_contact_is_stored_in_lower_case(typed, email):
    result = request_access(**VALID, contact=typed, remote_addr="203.0.113.7")

    request = AccessRequest.objects.get()
    assert result.created
    assert (request.contact_email, request.contact_phone) == (email, "")
    assert request.contact == typed.strip()
    assert request.remote_addr == "203.0.113.7"
    assert request.status == AccessRequestStatus.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["+49 30 901820", "030 901820", "030 90182-0", "+49 (0)30 901820", "0049 30 901820"],
)
def test_phone_contact_is_stored_in_e164(typed):
    request_access(**VALID, contact=typed)

    request = AccessRequest.objects.get()
    assert (request.contact_phone, request.contact_email) == ("+4930901820", "")


@pytest.mark.django_db
def test_names_are_stored_with_white_space_collapsed():
    request_access(
        company_name="  Acme \t Building  ", contact_name=" Jane   Doe ", contact="j@a.test"
    )

    request = AccessRequest.objects.get()
    assert (request.company_name, request.contact_name) == ("Acme Building", "Jane Doe")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("jane@acme.test", "JANE@acme.test "),
        ("+49 30 901820", "030 901820"),
    ],
    ids=["email", "phone"],
)
def test_a_repeat_from_the_same_contact_is_counted_not_filed_again(first, again):
    # given a pending request
    first_result = request_access(**VALID, contact=first)

    # when the same person asks again (written a bit differently, another company name even)
    repeat = request_access(company_name="Acme Ltd", contact_name="Jane", contact=again)

    # then there is still one request, asked for twice
    assert first_result.created
    assert not repeat.created
    assert AccessRequest.objects.count() == 1
    request = AccessRequest.objects.get()
    assert repeat.access_request.pk == request.pk
    assert request.times_requested == 2
    assert request.last_requested_at >= request.created_at


@pytest.mark.django_db
def test_a_repeat_after_rejection_files_a_new_request(world):
    # given a rejected request
    first = request_access(**VALID, contact="jane@acme.test").access_request
    reject_access_request(first, by=world.admin.user, reason="Outside our region.")

    # when the person asks again
    again = request_access(**VALID, contact="jane@acme.test")

    # then a new pending request is filed
    assert again.created
    assert AccessRequest.objects.count() == 2
    assert again.access_request.status == AccessRequestStatus.PENDING


@pytest.mark.django_db
def test_requests_of_two_contacts_are_two_requests():
    request_access(**VALID, contact="jane@acme.test")
    request_access(**VALID, contact="john@acme.test")

    assert AccessRequest.objects.count() == 2


# --- approval ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approval_creates_the_company_and_invites_the_contact_as_owner(
    world, django_capture_on_commit_callbacks
):
    request = request_access(**VALID, contact="jane@acme.test").access_request

    with django_capture_on_commit_callbacks(execute=True):
        issued = approve_access_request(request, by=world.manager_a.user, invite_email="")

    request.refresh_from_db()
    company = request.company
    assert company is not None
    assert company.name == "Acme Building Supply"
    assert company.email == "jane@acme.test"
    assert company.personal_manager == world.manager_a
    assert request.status == AccessRequestStatus.APPROVED
    assert request.decided_by == world.manager_a.user
    assert issued.invite.email == "jane@acme.test"
    assert issued.invite.role == MembershipRole.OWNER
    assert issued.invite.company == company
    assert find_invite(issued.token) == issued.invite
    assert [m.to for m in mail.outbox] == [["jane@acme.test"]]
    assert issued.url in mail.outbox[0].body
    assert "Jane Doe" in mail.outbox[0].body
    verbs = set(AuditEntry.objects.values_list("verb", flat=True))
    assert {"created from access request", "approved", "invited"} <= verbs


@pytest.mark.django_db
def test_a_new_dealer_is_announced_to_the_erp_once_and_an_existing_one_not(world):
    from dealerdesk.core.models import OutboxMessage

    request = request_access(**VALID, contact="jane@acme.test").access_request
    approve_access_request(request, by=world.manager_a.user, invite_email="")
    existing = request_access(
        company_name="alpha electric gmbh", contact_name="Eve", contact="eve@alpha.test"
    ).access_request
    approve_access_request(existing, by=world.admin.user, invite_email="")

    [event] = OutboxMessage.objects.filter(topic="company.created")
    request.refresh_from_db()
    assert event.key == f"company:{request.company_id}"
    assert event.payload["name"] == "Acme Building Supply"
    assert event.payload["email"] == "jane@acme.test"
    assert event.payload["personal_manager"] == world.manager_a.user.email


@pytest.mark.django_db
def test_two_requests_of_the_same_company_make_one_company(world):
    # given "Acme LLC" and "ACME" asked separately, by two people
    first = request_access(company_name="Acme LLC", contact_name="Jane", contact="jane@acme.test")
    second = request_access(company_name="ACME", contact_name="John", contact="john@acme.test")

    # when both are approved
    one = approve_access_request(first.access_request, by=world.admin.user, invite_email="")
    two = approve_access_request(second.access_request, by=world.admin.user, invite_email="")

    # then both people are invited to the same, single company
    assert one.invite.company == two.invite.company
    assert Company.objects.filter(name_key="acme").count() == 1
    first.access_request.refresh_from_db()
    second.access_request.refresh_from_db()
    assert first.access_request.company == second.access_request.company == one.invite.company


@pytest.mark.django_db
def test_approval_links_to_an_existing_company_with_the_same_name(world):
    request = request_access(
        company_name="alpha electric gmbh", contact_name="Eve", contact="eve@alpha.test"
    ).access_request

    issued = approve_access_request(request, by=world.admin.user, invite_email="")

    assert issued.invite.company == world.company_a
    assert Company.objects.count() == 2


@pytest.mark.django_db
def test_approval_to_a_chosen_company_and_with_details(world):
    chosen = approve_access_request(
        request_access(**VALID, contact="a@acme.test").access_request,
        by=world.admin.user,
        invite_email="",
        company=world.company_b,
        role=MembershipRole.BUYER,
    )
    assert (chosen.invite.company, chosen.invite.role) == (world.company_b, MembershipRole.BUYER)

    group = f.CustomerGroupFactory()
    detailed = approve_access_request(
        request_access(
            company_name="Zeta", contact_name="Zed", contact="z@zeta.test"
        ).access_request,
        by=world.admin.user,
        invite_email="",
        details=CompanyDetails(name="Zeta Trading", tax_id="DE123", customer_group=group),
    )
    company = detailed.invite.company
    assert (company.name, company.tax_id, company.customer_group) == (
        "Zeta Trading",
        "DE123",
        group,
    )


@pytest.mark.django_db
def test_a_manager_cannot_approve_into_another_managers_dealer(world):
    # given a request naming B (looked after by manager B)
    request = request_access(
        company_name="Bravo Tools Ltd", contact_name="Bo", contact="bo@bravo.test"
    ).access_request

    # when manager A approves it, by name or by picking B explicitly
    for kwargs in ({}, {"company": world.company_b}):
        with pytest.raises(AccountsError) as error:
            approve_access_request(request, by=world.manager_a.user, invite_email="", **kwargs)
        assert error.value.code == AccountsErrorCode.NOT_YOUR_DEALER

    # then nothing happened; B's own manager may approve it
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING
    assert not Invite.objects.exists()
    issued = approve_access_request(request, by=world.manager_b.user, invite_email="")
    assert issued.invite.company == world.company_b


@pytest.mark.django_db
def test_approving_a_phone_only_request_needs_an_email(world):
    # given a request that left only a phone number
    request = request_access(**VALID, contact="+49 30 901820").access_request

    # when staff approve without giving an e-mail for the invitation
    with pytest.raises(AccountsError) as error:
        approve_access_request(request, by=world.admin.user, invite_email="  ")

    # then it is refused and nothing changed
    assert error.value.code == AccountsErrorCode.EMAIL_REQUIRED
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING
    assert not Invite.objects.exists()
    assert not Company.objects.filter(name="Acme Building Supply").exists()


@pytest.mark.django_db
def test_approving_a_phone_only_request_with_an_email(world):
    request = request_access(**VALID, contact="+49 30 901820").access_request

    issued = approve_access_request(request, by=world.admin.user, invite_email=" Jane@Acme.TEST ")

    assert issued.invite.email == "jane@acme.test"
    assert issued.invite.company.phone == "+4930901820"


@pytest.mark.django_db
@pytest.mark.parametrize("first_decision", ["approve", "reject"])
def test_a_decided_request_cannot_be_decided_again(world, first_decision):
    request = request_access(**VALID, contact="jane@acme.test").access_request
    if first_decision == "approve":
        approve_access_request(request, by=world.admin.user, invite_email="")
    else:
        reject_access_request(request, by=world.admin.user, reason="No.")

    with pytest.raises(AccountsError) as approving:
        approve_access_request(request, by=world.admin.user, invite_email="other@acme.test")
    with pytest.raises(AccountsError) as rejecting:
        reject_access_request(request, by=world.admin.user, reason="Changed my mind.")

    assert approving.value.code == rejecting.value.code == AccountsErrorCode.ALREADY_DECIDED
    assert Invite.objects.filter(email="other@acme.test").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_rejection_needs_a_reason(world, reason):
    request = request_access(**VALID, contact="jane@acme.test").access_request

    with pytest.raises(AccountsError) as error:
        reject_access_request(request, by=world.admin.user, reason=reason)

    assert error.value.code == AccountsErrorCode.REASON_REQUIRED
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING


@pytest.mark.django_db
def test_rejection_tells_the_prospect_by_email(world, django_capture_on_commit_callbacks):
    request = request_access(**VALID, contact="Jane@Acme.test").access_request

    with django_capture_on_commit_callbacks(execute=True):
        reject_access_request(request, by=world.admin.user, reason="  We only serve Berlin.  ")

    request.refresh_from_db()
    assert request.status == AccessRequestStatus.REJECTED
    assert request.rejection_reason == "We only serve Berlin."
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jane@acme.test"]
    assert "We only serve Berlin." in mail.outbox[0].body
    assert "Acme Building Supply" in mail.outbox[0].body


@pytest.mark.django_db
def test_rejecting_a_phone_only_request_sends_no_email(world, django_capture_on_commit_callbacks):
    request = request_access(**VALID, contact="+49 30 901820").access_request

    with django_capture_on_commit_callbacks(execute=True):
        reject_access_request(request, by=world.admin.user, reason="No.")

    assert mail.outbox == []
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.REJECTED


@pytest.mark.django_db
def test_approval_invite_can_be_used_and_makes_an_owner(world):
    request = request_access(**VALID, contact="jane@acme.test").access_request
    issued = approve_access_request(request, by=world.admin.user, invite_email="")

    membership = accept_invite(issued.token, full_name="Jane Doe", password="a-long passphrase 7")

    assert membership.role == MembershipRole.OWNER
    assert membership.company == issued.invite.company
    issued.invite.refresh_from_db()
    assert issued.invite.status == InviteStatus.ACCEPTED
