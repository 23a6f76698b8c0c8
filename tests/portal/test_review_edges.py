"""Inputs found in review that once made the server answer 500 or say too much."""

from __future__ import annotations

import pytest

from dealerdesk.accounts.errors import AccountsError, AccountsErrorCode
from dealerdesk.accounts.models import User
from dealerdesk.accounts.services import accept_invite, create_invite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["foo", "logout", "dashboard", "//evil.example/x", ""])
def test_switching_company_with_an_odd_next_lands_on_the_dashboard(world, client_for, target):
    client = client_for(world.buyer_a.user)
    response = client.post("/portal/company/", {"company": world.company_a.pk, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_a_huge_company_header_is_not_found(world, client_for):
    client = client_for(world.buyer_a.user)
    response = client.get("/api/v1/me", headers={"X-Company-Id": "9" * 30})
    assert response.status_code == 404


def test_a_switched_off_account_is_not_invited_or_switched_back_on(world):
    person = User.objects.create_user("gone@alpha.test", None, is_active=False)

    with pytest.raises(AccountsError) as refused:
        create_invite(world.company_b, email=person.email, invited_by=world.admin.user)
    assert refused.value.code == AccountsErrorCode.ACCOUNT_DISABLED

    User.objects.filter(pk=person.pk).update(is_active=True)
    issued = create_invite(world.company_b, email=person.email, invited_by=world.admin.user)
    User.objects.filter(pk=person.pk).update(is_active=False)
    with pytest.raises(AccountsError):
        accept_invite(issued.token, full_name="Gone", password="Quiet harbour 88")
    assert not User.objects.get(pk=person.pk).is_active
