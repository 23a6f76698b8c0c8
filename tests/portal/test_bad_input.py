"""Garbage, oversized and malicious input to every portal form: 4xx with a message, never 500."""

from __future__ import annotations

import pytest
from django.test import Client

from dealerdesk.accounts.models import AccessRequest, Invite, Membership, User
from dealerdesk.accounts.services import create_invite
from tests.portal.pages import field_errors, form_errors, text

HUGE = "x" * 10_000
NUL = "bad\x00value"


@pytest.fixture
def invite_token(world):  # type: ignore[no-untyped-def]
    return create_invite(world.company_a, email="nina@alpha.test", invited_by=None).token


@pytest.mark.parametrize(
    "data",
    [
        {"company": HUGE, "name": HUGE, "contact": HUGE},
        {"company": NUL, "name": NUL, "contact": NUL},
        {"company": ["a", "b"], "name": "", "contact": "@@@"},
        {"unexpected": "field"},
        {"company": "Acme", "name": "Jane", "contact": "+" + "9" * 5000},
        {"company": "Acme", "name": "Jane", "contact": "a@" + "b" * 190 + ".test"},
    ],
    ids=["huge", "nul", "lists", "unknown-field", "huge-phone", "long-email"],
)
def test_home_form(client, data):
    response = client.post("/", data)

    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert "Ask for access" in text(response)
    else:
        assert AccessRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "not-an-email", "password": "x"}, "username", "Enter a valid email address."),
        ({"username": HUGE + "@a.test", "password": "x"}, "username", "at most 254 characters"),
        (
            {"username": NUL + "@a.test", "password": "x"},
            "username",
            "Null characters are not allowed.",
        ),
        ({"username": "a@b.test"}, "password", "This field is required."),
    ],
    ids=["non-email", "huge", "nul", "no-password"],
)
def test_login_form(client, data, field, message):
    response = client.post("/login/", data)

    assert response.status_code < 500
    assert any(message in error for error in field_errors(response, field))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login/", {"username": "not-an-email", "password": "x"}),
        ("/password-reset/", {"email": "x"}),
    ],
    ids=["login", "password-reset"],
)
def test_auth_forms_answer_invalid_input_with_400(client, url, data):
    assert client.post(url, data).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["nope", HUGE, NUL + "@a.test", ""])
def test_password_reset_form(client, email):
    response = client.post("/password-reset/", {"email": email})

    assert response.status_code < 500
    assert field_errors(response, "email")


@pytest.mark.parametrize(
    "data",
    [
        {"full_name": HUGE, "password1": HUGE, "password2": HUGE},
        {"full_name": NUL, "password1": NUL, "password2": NUL},
        {"full_name": "Nina", "password1": "", "password2": ""},
        {"something": "else"},
    ],
    ids=["huge", "nul", "empty-passwords", "unknown-field"],
)
def test_invite_form(world, client, invite_token, data):
    response = client.post(f"/invite/{invite_token}/", data)

    assert response.status_code in {200, 400}
    if data != {"something": "else"}:
        assert response.status_code == 400
        assert any(field_errors(response, f) for f in ("full_name", "password1", "password2"))
    assert not User.objects.filter(email="nina@alpha.test").exists()


@pytest.mark.parametrize("password", [HUGE, NUL, ""])
def test_invite_form_of_an_existing_account(world, client, password):
    token = create_invite(world.company_a, email="buyer@bravo.test", invited_by=None).token

    response = client.post(f"/invite/{token}/", {"password": password})

    assert response.status_code == 400
    assert field_errors(response, "password")
    assert not Membership.objects.filter(user=world.buyer_b.user, company=world.company_a).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": HUGE, "role": HUGE},
        {"email": NUL, "role": NUL},
        {"email": "ok@alpha.test", "role": "owner'; DROP TABLE x; --"},
        {},
    ],
    ids=["huge", "nul", "sql-ish-role", "empty"],
)
def test_team_invite_form(world, client_for, data):
    response = client_for(world.owner_a.user).post("/portal/team/invite/", data)

    assert response.status_code == 400
    assert field_errors(response, "email") or field_errors(response, "role")
    assert not Invite.objects.exists()


@pytest.mark.parametrize("role", [HUGE, NUL, "", "None"])
def test_role_form(world, client_for, role):
    response = client_for(world.owner_a.user).post(
        f"/portal/team/members/{world.buyer_a.pk}/", {"role": role}
    )

    assert response.status_code == 400
    assert field_errors(response, "role")


@pytest.mark.parametrize("company", ["abc", "", NUL, "1.5", "-1", "9" * 5000, "0x10", "1 OR 1=1"])
def test_switch_company_form(world, client_for, company):
    client = client_for(world.buyer_a.user)

    response = client.post("/portal/company/", {"company": company})

    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "Alpha Electric" in text(client.get("/portal/"))


def test_switch_company_refuses_get(world, client_for):
    assert client_for(world.buyer_a.user).get("/portal/company/").status_code == 405


@pytest.mark.parametrize(
    "path", ["/portal/products/abc/", "/portal/products/-1/", "/portal/team/members/1e3/"]
)
def test_malformed_ids_in_urls_are_not_found(world, client_for, path):
    assert client_for(world.buyer_a.user).get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/portal/products/99999999999999999999999/",
        "/catalog/products/99999999999999999999999/",
        "/portal/team/members/99999999999999999999999/",
    ],
)
def test_ids_beyond_the_database_range_are_not_found(world, client_for, path):
    assert client_for(world.buyer_a.user).get(path).status_code == 404


def test_csrf_failure_shows_the_expired_form_page(world):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/", {"company": "Acme", "name": "Jane", "contact": "j@acme.test"})

    assert response.status_code == 403
    assert "This form has expired" in text(response)
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_with_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

    response = client.post(
        "/", {"company": "x" * (128 * 1024), "name": "Jane", "contact": "j@a.test"}
    )

    assert response.status_code == 400
    assert not AccessRequest.objects.exists()


@pytest.mark.django_db
def test_too_many_fields_are_refused_with_400(client):
    response = client.post("/", {f"f{n}": "x" for n in range(1500)})

    assert response.status_code == 400


@pytest.mark.django_db
def test_login_errors_are_shown_for_a_non_email(client):
    response = client.post("/login/", {"username": "admin", "password": "admin"})

    assert field_errors(response, "username") == ["Enter a valid email address."]
    assert form_errors(response) == []
