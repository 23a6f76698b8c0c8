"""Machine clients authenticate with API keys or OAuth2 client-credentials tokens, hold
scopes, are rate-limited per client; dealers may use personal tokens. Secrets are stored
only as digests."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from dealerdesk.core.models import AuditEntry
from dealerdesk.integration.credentials import (
    CredentialError,
    create_client,
    digest,
    issue_api_key,
    issue_oauth_credentials,
    issue_personal_token,
    revoke,
    rotate_api_key,
)
from dealerdesk.integration.models import ApiKey, PersonalToken

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/sync/client"


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _token(client: Client, client_id: str, secret: str, **form: str) -> dict:
    response = client.post(
        "/api/v1/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            **form,
        },
    )
    return {"status": response.status_code, **response.json()}


def test_an_api_key_identifies_its_client_and_scopes(client):
    erp = create_client("1C ERP", ["prices:write", "stock:write"])
    _key, secret = issue_api_key(erp, name="production")

    body = client.get(WHOAMI, **_bearer(secret)).json()

    assert body["name"] == "1C ERP"
    assert body["scopes"] == ["prices:write", "stock:write"]
    assert body["credential"].startswith("API key ddk_")


def test_only_the_digest_of_a_key_is_stored(client):
    erp = create_client("SAP B1", ["prices:write"])
    key, secret = issue_api_key(erp)

    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.secret_hash == digest(secret)
    assert secret not in str(list(ApiKey.objects.values()))
    assert secret not in str(list(AuditEntry.objects.values()))
    assert secret.startswith(stored.prefix)


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ddk_not-a-key",
        "Bearer " + "x" * 5000,
        "Basic dXNlcjpwYXNz",
        "Bearer ddk_\x00",
    ],
)
def test_missing_or_wrong_credentials_are_401_in_the_error_shape(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(WHOAMI, **headers)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized"
    assert body["message"]
    assert body["errors"] == []
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_at_once(client):
    erp = create_client("Odoo", ["orders:read"])
    key, secret = issue_api_key(erp)
    assert client.get(WHOAMI, **_bearer(secret)).status_code == 200

    revoke(key)

    assert client.get(WHOAMI, **_bearer(secret)).status_code == 401


def test_an_expired_key_is_refused(client):
    erp = create_client("NetSuite", ["orders:read"])
    _key, secret = issue_api_key(erp, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(WHOAMI, **_bearer(secret)).status_code == 401


def test_an_inactive_client_is_refused_whatever_its_key(client):
    erp = create_client("Dynamics", ["orders:read"])
    _key, secret = issue_api_key(erp)
    erp.is_active = False
    erp.save()
    assert client.get(WHOAMI, **_bearer(secret)).status_code == 401


def test_rotation_gives_a_new_key_and_ends_the_old_after_the_grace(client):
    erp = create_client("1C", ["stock:write"])
    old, old_secret = issue_api_key(erp, name="main")

    new, new_secret = rotate_api_key(old, grace=dt.timedelta(hours=1))

    assert new.name == "main"
    assert client.get(WHOAMI, **_bearer(new_secret)).status_code == 200
    # the old key works through the grace period, then not
    assert client.get(WHOAMI, **_bearer(old_secret)).status_code == 200
    old.refresh_from_db()
    assert old.expires_at is not None
    assert old.expires_at <= timezone.now() + dt.timedelta(hours=1)
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert client.get(WHOAMI, **_bearer(old_secret)).status_code == 401


def test_rotation_without_grace_revokes_the_old_key_now(client):
    erp = create_client("1C", ["stock:write"])
    old, old_secret = issue_api_key(erp)
    rotate_api_key(old)
    assert client.get(WHOAMI, **_bearer(old_secret)).status_code == 401
    with pytest.raises(CredentialError):
        rotate_api_key(ApiKey.objects.get(pk=old.pk))


def test_unknown_scopes_are_refused_when_a_client_is_made():
    with pytest.raises(CredentialError, match="catalog:delete"):
        create_client("ERP", ["catalog:delete"])


def test_oauth2_client_credentials_give_a_token_with_the_clients_scopes(client):
    erp = create_client("1C ERP", ["prices:write", "orders:read"])
    credentials = issue_oauth_credentials(erp)

    token = _token(client, credentials.client_id, credentials.client_secret)

    assert token["status"] == 200
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"prices:write", "orders:read"}
    body = client.get(WHOAMI, **_bearer(token["access_token"])).json()
    assert body["name"] == "1C ERP"
    assert body["credential"] == "OAuth2 token"


def test_oauth2_with_http_basic_client_authentication(client):
    erp = create_client("SAP", ["orders:read"])
    credentials = issue_oauth_credentials(erp)
    basic = base64.b64encode(
        f"{credentials.client_id}:{credentials.client_secret}".encode()
    ).decode()
    response = client.post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200
    assert "access_token" in response.json()


def test_a_token_cannot_be_asked_for_a_scope_the_client_does_not_hold(client):
    erp = create_client("ERP", ["orders:read"])
    credentials = issue_oauth_credentials(erp)
    token = _token(client, credentials.client_id, credentials.client_secret, scope="prices:write")
    assert token["status"] == 400
    assert token["error"] == "invalid_scope"


def test_a_wrong_client_secret_gets_no_token(client):
    erp = create_client("ERP", ["orders:read"])
    credentials = issue_oauth_credentials(erp)
    token = _token(client, credentials.client_id, credentials.client_secret + "x")
    assert token["status"] == 401
    assert "access_token" not in token


def test_a_new_client_secret_revokes_the_tokens_of_the_old_one(client):
    erp = create_client("ERP", ["orders:read"])
    first = issue_oauth_credentials(erp)
    token = _token(client, first.client_id, first.client_secret)["access_token"]

    second = issue_oauth_credentials(erp)

    assert second.client_id == first.client_id
    assert client.get(WHOAMI, **_bearer(token)).status_code == 401
    assert _token(client, first.client_id, first.client_secret)["status"] == 401
    assert _token(client, second.client_id, second.client_secret)["status"] == 200


def test_an_expired_token_is_refused(client):
    erp = create_client("ERP", ["orders:read"])
    credentials = issue_oauth_credentials(erp)
    token = _token(client, credentials.client_id, credentials.client_secret)["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(WHOAMI, **_bearer(token)).status_code == 401


def test_a_scope_taken_from_a_client_stops_working_for_tokens_already_issued(client):
    erp = create_client("ERP", ["orders:read", "prices:write"])
    credentials = issue_oauth_credentials(erp)
    token = _token(client, credentials.client_id, credentials.client_secret)["access_token"]
    erp.scopes = ["orders:read"]
    erp.save()
    assert client.get(WHOAMI, **_bearer(token)).json()["scopes"] == ["orders:read"]


def test_requests_over_the_clients_rate_get_429_with_retry_after(client):
    erp = create_client("Chatty ERP", ["orders:read"], rate_limit="3/m")
    quiet = create_client("Quiet ERP", ["orders:read"], rate_limit="3/m")
    _key, secret = issue_api_key(erp)
    _key, quiet_secret = issue_api_key(quiet)

    answers = [client.get(WHOAMI, **_bearer(secret)).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    limited = client.get(WHOAMI, **_bearer(secret))
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) >= 1
    # the limit is per client: another client is not slowed down
    assert client.get(WHOAMI, **_bearer(quiet_secret)).status_code == 200


def test_a_dealer_personal_token_acts_for_its_company_only(world, client):
    token, secret = issue_personal_token(world.buyer_a.user, world.company_a, name="ERP sync")

    mine = client.get("/api/v1/catalog/products?per_page=96", **_bearer(secret))
    other = client.get(f"/api/v1/catalog/products/{world.product_b.pk}", **_bearer(secret))
    foreign_header = client.get(
        "/api/v1/me", **_bearer(secret), HTTP_X_COMPANY_ID=str(world.company_b.pk)
    )

    assert mine.status_code == 200
    assert {item["sku"] for item in mine.json()["items"]} == {"CAB-001", "CAB-002"}
    assert other.status_code == 404
    assert client.get("/api/v1/me", **_bearer(secret)).json()["company"]["id"] == (
        world.company_a.pk
    )
    assert foreign_header.json()["company"]["id"] == world.company_a.pk
    assert PersonalToken.objects.get(pk=token.pk).secret_hash == digest(secret)


def test_a_personal_token_stops_when_the_membership_ends_or_it_is_revoked(world, client):
    token, secret = issue_personal_token(world.buyer_a.user, world.company_a)
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 200

    world.buyer_a.is_active = False
    world.buyer_a.save()
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 404

    world.buyer_a.is_active = True
    world.buyer_a.save()
    revoke(token, source="portal")
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 401


def test_a_personal_token_cannot_be_made_for_someone_elses_company(world):
    with pytest.raises(CredentialError):
        issue_personal_token(world.buyer_a.user, world.company_b)


def test_a_personal_token_is_no_machine_credential_and_a_key_is_no_dealer(world, client, erp):
    _token_row, secret = issue_personal_token(world.buyer_a.user, world.company_a)
    assert client.get(WHOAMI, **_bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", **_bearer(erp.key)).status_code == 401
    assert client.get("/api/v1/catalog/products", **_bearer(erp.key)).status_code == 401
