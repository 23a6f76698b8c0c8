"""The "ask for access" form on the public start page, as a prospect uses it."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.choices import AccessRequestStatus
from dealerdesk.accounts.models import AccessRequest
from dealerdesk.accounts.services import reject_access_request
from tests.portal.pages import field_errors, flash_messages

FIELDS = ("company", "name", "contact")
GOOD = {"company": "Acme Building Supply", "name": "Jane Doe", "contact": "jane@acme.test"}

# (field, value, what the person reads under that field)
BAD = [
    pytest.param("company", "", "Enter the company name.", id="company-empty"),
    pytest.param("company", "A", "The company name is too short.", id="company-short"),
    pytest.param(
        "company", "!!!", "The company name needs letters or digits.", id="company-garbage"
    ),
    pytest.param("name", "   ", "Enter your name.", id="name-blank"),
    pytest.param("name", "#", "Your name is too short.", id="name-short"),
    pytest.param("contact", "", "Enter an e-mail address or a phone number.", id="contact-empty"),
    pytest.param(
        "contact",
        "jane@acme",
        "This does not look like an e-mail address (for example name@company.com).",
        id="contact-invalid-email",
    ),
    pytest.param(
        "contact",
        "123",
        "Enter an e-mail address, or a phone number with its area code.",
        id="contact-too-few-digits",
    ),
    pytest.param(
        "contact",
        "+49 30 12",
        "This phone number is not valid. Write it with the country code, "
        "for example +49 30 1234567.",
        id="contact-invalid-phone",
    ),
    pytest.param(
        "contact",
        "+999 1234567",
        "This does not look like a phone number. Write it with the "
        "country code, for example +49 30 1234567.",
        id="contact-unknown-country",
    ),
    pytest.param("company", "Acme\x00", "Null characters are not allowed.", id="company-nul"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_a_bad_field_is_explained_next_to_that_field(client, field, value, message):
    # when a prospect sends the form with one field wrong
    response = client.post("/", {**GOOD, field: value})

    # then the form comes back (400) with the message under that field only
    assert response.status_code == 400
    assert message in field_errors(response, field)
    for other in FIELDS:
        if other != field:
            assert field_errors(response, other) == []
    # and the other answers are kept, nothing is saved
    assert f'value="{GOOD["name"]}"' in response.content.decode() or field == "name"
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_an_empty_form_explains_every_field(client):
    response = client.post("/", {"company": "", "name": "", "contact": ""})

    assert response.status_code == 400
    assert field_errors(response, "company") == ["Enter the company name."]
    assert field_errors(response, "name") == ["Enter your name."]
    assert field_errors(response, "contact") == ["Enter an e-mail address or a phone number."]
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_a_post_without_any_field_still_explains_what_is_missing(client):
    response = client.post("/", {})

    assert response.status_code == 400
    assert field_errors(response, "company") == ["Enter the company name."]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "limit"), [("company", 200), ("name", 150), ("contact", 200)])
def test_an_overlong_field_says_it_is_too_long(client, field, limit):
    response = client.post("/", {**GOOD, field: "A" * 10_000})

    assert response.status_code == 400
    errors = field_errors(response, field)
    assert f"Ensure this value has at most {limit} characters (it has 10000)." in errors
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", FIELDS)
def test_an_overlong_field_is_not_also_called_empty(client, field):
    response = client.post("/", {**GOOD, field: "A" * 201})

    assert len(field_errors(response, field)) == 1
    assert not any(message.startswith("Enter") for message in field_errors(response, field))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("contact", "email", "phone"),
    [
        ("  Jane.Doe@ACME.test ", "jane.doe@acme.test", ""),
        ("+49 30 901820", "", "+4930901820"),
        ("030 901820", "", "+4930901820"),
    ],
)
def test_a_valid_request_is_filed_and_thanked_for(client, contact, email, phone):
    # when a prospect sends a valid request
    response = client.post("/", {**GOOD, "contact": contact}, REMOTE_ADDR="198.51.100.4")

    # then they are redirected to the start page and thanked
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert any(
        m.startswith("Thank you! Your request is with our sales team") for m in flash_messages(page)
    )
    # and the request is waiting, with its contact normalised
    request = AccessRequest.objects.get()
    assert (request.contact_email, request.contact_phone) == (email, phone)
    assert (request.company_name, request.contact_name) == (GOOD["company"], GOOD["name"])
    assert request.status == AccessRequestStatus.PENDING
    assert request.remote_addr == "198.51.100.4"


@pytest.mark.django_db
def test_a_repeat_request_is_recognised_and_the_page_says_so(client):
    client.post("/", GOOD)
    client.get("/")  # read the first thank-you

    response = client.post("/", {**GOOD, "contact": "JANE@acme.test"}, follow=True)

    assert AccessRequest.objects.count() == 1
    assert AccessRequest.objects.get().times_requested == 2
    messages = flash_messages(response)
    assert any("We already have your request" in m for m in messages)
    assert not any(m.startswith("Thank you!") for m in messages)


@pytest.mark.django_db
def test_a_repeat_after_rejection_is_a_new_request(client, world):
    client.post("/", GOOD)
    reject_access_request(AccessRequest.objects.get(), by=world.admin.user, reason="Not now.")

    response = client.post("/", GOOD, follow=True)

    assert AccessRequest.objects.count() == 2
    assert any(m.startswith("Thank you!") for m in flash_messages(response))


@pytest.mark.django_db
def test_signed_in_dealer_opening_the_start_page_goes_to_the_dashboard(world, client_for):
    response = client_for(world.buyer_a.user).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_a_flood_from_one_address_is_slowed_down_and_says_so(db, client, settings):
    from dealerdesk.accounts.models import AccessRequest

    settings.DEALERDESK_ACCESS_REQUEST_RATE = "3/h"
    for n in range(3):
        response = client.post(
            "/", {"company": f"Flood {n} GmbH", "name": "Fay Flood", "contact": f"f{n}@x.example"}
        )
        assert response.status_code == 302

    response = client.post(
        "/", {"company": "Flood 9 GmbH", "name": "Fay Flood", "contact": "f9@x.example"}
    )

    assert response.status_code == 429
    assert "many requests from your network" in response.content.decode()
    assert AccessRequest.objects.count() == 3
    other = client.post(
        "/",
        {"company": "Calm GmbH", "name": "Cal Calm", "contact": "cal@calm.example"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302
