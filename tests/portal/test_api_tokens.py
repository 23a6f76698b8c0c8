"""Dealer users make and revoke personal API tokens for their own company."""

from __future__ import annotations

import pytest

from dealerdesk.integration.models import PersonalToken

pytestmark = pytest.mark.django_db


def test_a_token_is_shown_once_and_works_for_the_api(world, client_for):
    client = client_for(world.buyer_a.user)

    page = client.post("/portal/api-tokens/", {"name": "stock check", "expires": "30"})

    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("ddp_")
    assert client.get("/portal/api-tokens/").content.decode().count(secret) == 0
    client.logout()
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.json()["company"]["id"] == world.company_a.pk


def test_the_page_lists_only_my_tokens_for_this_company(world, client_for):
    from dealerdesk.integration.credentials import issue_personal_token

    issue_personal_token(world.owner_a.user, world.company_a, name="owner's")
    issue_personal_token(world.buyer_a.user, world.company_a, name="mine")

    body = client_for(world.buyer_a.user).get("/portal/api-tokens/").content.decode()

    assert "mine" in body
    assert "owner&#x27;s" not in body
    assert "owner's" not in body


def test_revoking_someone_elses_token_is_404(world, client_for):
    from dealerdesk.integration.credentials import issue_personal_token

    theirs, _secret = issue_personal_token(world.buyer_b.user, world.company_b)

    response = client_for(world.buyer_a.user).post(f"/portal/api-tokens/{theirs.pk}/revoke/")

    assert response.status_code == 404
    assert PersonalToken.objects.get(pk=theirs.pk).revoked_at is None


def test_revoke_stops_the_token(world, client_for):
    client = client_for(world.buyer_a.user)
    secret = client.post("/portal/api-tokens/", {"name": "x", "expires": ""}).context["secret"]
    token = PersonalToken.objects.get()

    client.post(f"/portal/api-tokens/{token.pk}/revoke/")
    client.logout()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_bad_form_is_400_and_makes_nothing(world, client_for):
    response = client_for(world.buyer_a.user).post(
        "/portal/api-tokens/", {"name": "", "expires": "7"}
    )
    assert response.status_code == 400
    assert not PersonalToken.objects.exists()
