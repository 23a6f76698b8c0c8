"""Signing in and out, the lockout after repeated failures, and password reset by e-mail."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core import mail

from dealerdesk.accounts.models import User
from tests import factories as f
from tests.portal.pages import form_errors, text

WRONG = "not-the-password"
LOCKOUT_TEXT = (
    f"This account is locked for {int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes"
)


def sign_in(client, email: str, password: str = f.PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": email, "password": password, **extra})


def signed_in_as(client) -> int | None:  # type: ignore[no-untyped-def]
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


@pytest.mark.parametrize("typed", ["buyer@alpha.test", "BUYER@Alpha.Test", "  buyer@alpha.test  "])
def test_a_dealer_signs_in_with_their_email_in_any_case(world, client, typed):
    response = sign_in(client, typed)

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert signed_in_as(client) == world.buyer_a.user.pk


def test_sign_in_returns_to_the_page_asked_for(world, client):
    response = sign_in(client, "buyer@alpha.test", next="/portal/catalog/?q=nym")

    assert response["Location"] == "/portal/catalog/?q=nym"


def test_sign_in_never_redirects_off_site(world, client):
    response = sign_in(client, "buyer@alpha.test", next="https://evil.example/")

    assert response["Location"] == "/portal/"


def test_supplier_staff_land_in_the_back_office(world, client):
    response = sign_in(client, "manager.a@supplier.test")

    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"


def test_staff_who_also_work_for_a_dealer_land_in_the_portal(world, client):
    f.MembershipFactory(user=world.manager_a.user, company=world.company_a)

    response = sign_in(client, "manager.a@supplier.test")

    assert response["Location"] == "/portal/"


def test_a_dealer_opening_the_back_office_is_not_sent_round_in_circles(world, client_for):
    client = client_for(world.buyer_a.user)

    response = client.get("/backoffice/", follow=True)  # RedirectCycleError today

    assert response.status_code in {200, 403}
    assert len(response.redirect_chain) < 4


@pytest.mark.parametrize(
    ("email", "password"),
    [("buyer@alpha.test", WRONG), ("nobody@alpha.test", f.PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_a_failed_sign_in_says_so_without_telling_which_part_was_wrong(
    world, client, email, password
):
    response = sign_in(client, email, password)

    assert response.status_code == 400
    assert form_errors(response) == [
        "The e-mail or the password is not right. After several failed attempts the account "
        "is locked for a while."
    ]
    assert signed_in_as(client) is None


def test_a_switched_off_account_cannot_sign_in(world, client):
    User.objects.filter(pk=world.buyer_a.user.pk).update(is_active=False)

    response = sign_in(client, "buyer@alpha.test")

    assert response.status_code == 400
    assert signed_in_as(client) is None


def _fail(client, email: str, times: int):  # type: ignore[no-untyped-def]
    return [sign_in(client, email, WRONG) for _ in range(times)]


def test_repeated_failures_lock_the_account(world, client):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5

    # given limit-1 failures, each answered with the usual message
    for response in _fail(client, "buyer@alpha.test", limit - 1):
        assert response.status_code == 400
        assert "is not right" in text(response)

    # when the limit is reached
    locking = sign_in(client, "buyer@alpha.test", WRONG)
    # then the account is locked: even the right password is answered 429, not signed in
    right = sign_in(client, "buyer@alpha.test", f.PASSWORD)

    for response in (locking, right):
        assert response.status_code == 429
        page = text(response)
        assert LOCKOUT_TEXT in page
        assert "/password-reset/" in page
    assert signed_in_as(client) is None


def test_a_lockout_is_per_account(world, client):
    _fail(client, "buyer@alpha.test", settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "owner@alpha.test")

    assert response.status_code == 302
    assert signed_in_as(client) == world.owner_a.user.pk


def test_a_lockout_cannot_be_dodged_by_changing_the_case_of_the_email(world, client):
    _fail(client, "buyer@alpha.test", settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "Buyer@Alpha.test", f.PASSWORD)

    assert response.status_code == 429
    assert signed_in_as(client) is None


@pytest.mark.parametrize("how", ["axes-reset", "delete-attempts"])
def test_after_the_lock_is_lifted_sign_in_works(world, client, how):
    _fail(client, "buyer@alpha.test", settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, "buyer@alpha.test").status_code == 429

    if how == "axes-reset":
        reset(username="buyer@alpha.test")
    else:
        AccessAttempt.objects.all().delete()

    response = sign_in(client, "buyer@alpha.test")
    assert response.status_code == 302
    assert signed_in_as(client) == world.buyer_a.user.pk


def test_a_successful_sign_in_clears_earlier_failures(world, client):
    _fail(client, "buyer@alpha.test", settings.AXES_FAILURE_LIMIT - 1)
    sign_in(client, "buyer@alpha.test")
    client.post("/logout/")

    for response in _fail(client, "buyer@alpha.test", settings.AXES_FAILURE_LIMIT - 1):
        assert response.status_code == 400


def test_sign_out_needs_a_post(world, client_for):
    client = client_for(world.buyer_a.user)

    assert client.get("/logout/").status_code == 405
    assert signed_in_as(client) == world.buyer_a.user.pk

    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert signed_in_as(client) is None
    assert client.get("/portal/").status_code == 302


def test_a_signed_in_person_opening_the_login_page_goes_on(world, client_for):
    response = client_for(world.buyer_a.user).get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


# --- password reset ------------------------------------------------------------------------


def _reset_link(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"https?://testserver(/password-reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_email_end_to_end(world, client):
    # when a dealer asks for a reset
    response = client.post("/password-reset/", {"email": "BUYER@alpha.test"})

    # then they are told to check their e-mail, which has a link
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert "Check your e-mail" in text(client.get(response["Location"]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@alpha.test"]
    link = _reset_link(message)

    # when they follow the link, it hides the token and asks for a new password
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert "Choose a new password" in text(form)

    # and they choose one
    new = "Sunny meadow 4711!"
    saved = client.post(opened["Location"], {"new_password1": new, "new_password2": new})
    assert saved.status_code == 302
    assert saved["Location"] == "/password-reset/complete/"

    # then the new password signs in, the old one does not, and the link is spent
    assert sign_in(client, "buyer@alpha.test", f.PASSWORD).status_code == 400
    assert sign_in(client, "buyer@alpha.test", new).status_code == 302
    client.post("/logout/")
    again = client.get(link, follow=True)
    assert "This link does not work any more" in text(again)


def test_password_reset_refuses_a_weak_new_password(world, client):
    client.post("/password-reset/", {"email": "buyer@alpha.test"})
    opened = client.get(_reset_link(mail.outbox[0]))

    response = client.post(opened["Location"], {"new_password1": "123", "new_password2": "123"})

    assert response.status_code == 400
    assert "This password is too short" in text(response)
    world.buyer_a.user.refresh_from_db()
    assert world.buyer_a.user.check_password(f.PASSWORD)


def test_password_reset_for_an_unknown_email_reveals_nothing(world, client):
    known = client.post("/password-reset/", {"email": "buyer@alpha.test"})
    mail.outbox.clear()

    unknown = client.post("/password-reset/", {"email": "nobody@nowhere.test"})

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert mail.outbox == []


def test_a_tampered_reset_link_does_not_work(world, client):
    client.post("/password-reset/", {"email": "buyer@alpha.test"})
    link = _reset_link(mail.outbox[0])

    response = client.get(link[:-3] + "xx/", follow=True)

    assert "This link does not work any more" in text(response)
