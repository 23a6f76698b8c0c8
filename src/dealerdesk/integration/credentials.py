"""Machine clients and their credentials, and dealer users' personal tokens: made, rotated,
revoked, and recognised when a request presents one.

A secret is shown once, when it is made; only its SHA-256 digest is stored. OAuth2 access
tokens come from django-oauth-toolkit's token endpoint (client credentials) for the client's
OAuth2 application; they carry the client's scopes (``integration.scopes``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from dealerdesk.accounts.models import Company, Membership
from dealerdesk.core import audit
from dealerdesk.core.models import AuditAction
from dealerdesk.integration.choices import Scope
from dealerdesk.integration.models import ApiClient, ApiKey, PersonalToken

API_KEY_PREFIX = "ddk_"
PERSONAL_TOKEN_PREFIX = "ddp_"  # noqa: S105 (a prefix, not a secret)
SOURCE = "back office"
# Touching last_used_at on every request would write a row per call: once a minute is enough
# to tell a key in use from a forgotten one.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class CredentialError(ValueError):
    """A credential could not be made as asked (unknown scope, no such membership, …)."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(prefix: str) -> tuple[str, str]:
    """A fresh secret (``prefix`` + 43 url-safe characters, 256 bits) and its shown prefix."""
    body = secrets.token_urlsafe(32)
    return f"{prefix}{body}", f"{prefix}{body[:6]}"


def clean_scopes(scopes: list[str]) -> list[str]:
    known = {scope.value for scope in Scope}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise CredentialError(f"Unknown scope: {', '.join(unknown)}.")
    return sorted(set(scopes))


# --- machine clients ------------------------------------------------------------------------


@dataclass(frozen=True)
class OAuthCredentials:
    client_id: str
    client_secret: str  # shown once


def create_client(
    name: str,
    scopes: list[str],
    *,
    by: Any = None,
    description: str = "",
    rate_limit: str = "1200/m",
    pulls_events: bool = False,
) -> ApiClient:
    """A new machine client with these scopes (no credentials yet)."""
    with transaction.atomic():
        client = ApiClient(
            name=name.strip(),
            description=description,
            scopes=clean_scopes(scopes),
            rate_limit=rate_limit,
            pulls_events=pulls_events,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        client.full_clean()
        client.save()
        audit.record(
            actor=by,
            instance=client,
            action=AuditAction.CREATE,
            verb="created an API client",
            after={"name": client.name, "scopes": client.scopes},
            source=SOURCE,
        )
    return client


def issue_oauth_credentials(client: ApiClient, *, by: Any = None) -> OAuthCredentials:
    """Give the client an OAuth2 client id and a new secret (client credentials grant).

    Called again, it replaces the secret: the old one stops working and tokens already
    issued with it are revoked.
    """
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        application = locked.oauth_application
        if application is None:
            application = Application(
                name=f"Dealerdesk API client {locked.pk}: {locked.name}"[:255],
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                client_secret=secret,  # hashed by the model on save
                skip_authorization=True,
            )
            application.save()
            locked.oauth_application = application
            locked.save(update_fields=["oauth_application", "updated_at"])
            verb = "issued OAuth2 credentials"
        else:
            application.client_secret = secret
            application.save()
            AccessToken.objects.filter(application=application).delete()
            verb = "replaced the OAuth2 client secret"
        audit.record(
            actor=by,
            instance=locked,
            verb=verb,
            after={"client_id": application.client_id},
            source=SOURCE,
        )
    client.oauth_application = application
    return OAuthCredentials(application.client_id, secret)


def issue_api_key(
    client: ApiClient,
    *,
    name: str = "",
    expires_at: dt.datetime | None = None,
    by: Any = None,
) -> tuple[ApiKey, str]:
    """A new API key for the client; returns the row and the secret, shown once."""
    secret, shown = _new_secret(API_KEY_PREFIX)
    with transaction.atomic():
        key = ApiKey.objects.create(
            client=client,
            name=name.strip()[:100],
            prefix=shown,
            secret_hash=digest(secret),
            expires_at=expires_at,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(
            actor=by,
            instance=key,
            action=AuditAction.CREATE,
            verb="issued an API key",
            after={"client": client.name, "prefix": shown, "expires_at": _iso(expires_at)},
            source=SOURCE,
        )
    return key, secret


def rotate_api_key(
    key: ApiKey, *, grace: dt.timedelta = dt.timedelta(0), by: Any = None
) -> tuple[ApiKey, str]:
    """A new key in place of ``key``; the old one keeps working for ``grace`` (so the ERP
    can switch without a gap), then expires."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise CredentialError("A revoked key cannot be rotated; issue a new one.")
        new_key, secret = issue_api_key(locked.client, name=locked.name, expires_at=None, by=by)
        ends = timezone.now() + grace
        if grace <= dt.timedelta(0):
            locked.revoked_at = ends
        elif locked.expires_at is None or locked.expires_at > ends:
            locked.expires_at = ends
        locked.save(update_fields=["revoked_at", "expires_at", "updated_at"])
        audit.record(
            actor=by,
            instance=locked,
            verb="rotated an API key",
            after={"replaced_by": new_key.prefix, "old_key_ends": ends.isoformat()},
            source=SOURCE,
        )
    return new_key, secret


def revoke(credential: ApiKey | PersonalToken, *, by: Any = None, source: str = SOURCE) -> None:
    """Stop a key or a personal token from working, now."""
    with transaction.atomic():
        model = type(credential)
        locked = model.objects.select_for_update().get(pk=credential.pk)
        if locked.revoked_at is not None:
            return
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=by,
            instance=locked,
            verb="revoked an API credential",
            after={"prefix": locked.prefix},
            company_id=getattr(locked, "company_id", None),
            source=source,
        )
    credential.revoked_at = locked.revoked_at


# --- dealer users' personal tokens ---------------------------------------------------------


def issue_personal_token(
    user: Any,
    company: Company,
    *,
    name: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[PersonalToken, str]:
    """A token for the API that acts as ``user`` for ``company`` (one of their companies)."""
    if not Membership.objects.filter(
        user=user, company=company, is_active=True, user__is_active=True
    ).exists():
        raise CredentialError("You are not a member of that company.")
    secret, shown = _new_secret(PERSONAL_TOKEN_PREFIX)
    with transaction.atomic():
        token = PersonalToken.objects.create(
            user=user,
            company=company,
            name=name.strip()[:100],
            prefix=shown,
            secret_hash=digest(secret),
            expires_at=expires_at,
            created_by=user,
        )
        audit.record(
            actor=user,
            instance=token,
            action=AuditAction.CREATE,
            verb="created a personal API token",
            after={"prefix": shown, "expires_at": _iso(expires_at)},
            company_id=company.pk,
            source="portal",
        )
    return token, secret


# --- recognising a bearer ------------------------------------------------------------------


@dataclass(frozen=True)
class MachinePrincipal:
    """A machine client as a request presents it, with the scopes this credential grants."""

    client: ApiClient
    scopes: frozenset[str]
    credential: str  # "api key …" or "oauth2 token" — for the audit trail

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def machine_principal(bearer: str) -> MachinePrincipal | None:
    """The active client behind an API key or an OAuth2 access token, else None."""
    now = timezone.now()
    if bearer.startswith(API_KEY_PREFIX):
        key = ApiKey.objects.select_related("client").filter(secret_hash=digest(bearer)).first()
        if key is None or not key.is_usable(now) or not key.client.is_active:
            return None
        _touch(key, now)
        _touch(key.client, now)
        return MachinePrincipal(key.client, frozenset(key.client.scopes), f"API key {key.prefix}")
    token = (
        AccessToken.objects.select_related("application__api_client")
        .filter(token_checksum=digest(bearer))
        .first()
    )
    if token is None or token.is_expired():
        return None
    client = getattr(token.application, "api_client", None) if token.application else None
    if client is None or not client.is_active:
        return None
    _touch(client, now)
    # The token's scopes as granted, narrowed to what the client holds now (a scope taken
    # away from a client stops working at once, not when its tokens expire).
    granted = frozenset(token.scope.split()) & frozenset(client.scopes)
    return MachinePrincipal(client, granted, "OAuth2 token")


def personal_token(bearer: str) -> PersonalToken | None:
    """The usable personal token for this bearer, else None (membership checked by the
    caller, as for a session)."""
    if not bearer.startswith(PERSONAL_TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        PersonalToken.objects.select_related("user", "company")
        .filter(secret_hash=digest(bearer))
        .first()
    )
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    _touch(token, now)
    return token


def _touch(row: ApiClient | ApiKey | PersonalToken, now: dt.datetime) -> None:
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
