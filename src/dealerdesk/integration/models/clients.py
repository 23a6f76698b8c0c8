"""Who may call the machine API: clients (the ERP, a WMS, an integration platform) with
their scopes and credentials, and dealer users' personal tokens.

Secrets are never stored: an API key or a personal token is shown once when it is made, and
only its SHA-256 digest is kept (the secret is 256 random bits, so a fast digest is the right
tool, as for GitHub's tokens; a password hash would only slow every request).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from dealerdesk.accounts.models import Company
from dealerdesk.core.models import TimeStampedModel
from dealerdesk.integration.choices import Scope
from dealerdesk.integration.rates import validate_rate


def _scopes_help() -> str:
    return "Any of: " + ", ".join(scope.value for scope in Scope)


class ApiClient(TimeStampedModel):
    """A machine that talks to the portal: its scopes, its request rate, its credentials
    (API keys, and an OAuth2 application for the client-credentials flow)."""

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    scopes = models.JSONField(default=list, blank=True, help_text=_scopes_help())
    is_active = models.BooleanField(default=True)
    rate_limit = models.CharField(
        max_length=20,
        default="1200/m",
        validators=[validate_rate],
        help_text="Requests per client, e.g. 1200/m, 50/s, 100000/h.",
    )
    pulls_events = models.BooleanField(
        "pulls order events",
        default=False,
        help_text="This client fetches order events from the pull endpoint and acknowledges "
        "them, instead of (or as well as) receiving webhooks.",
    )
    oauth_application = models.OneToOneField(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_client",
        help_text="The OAuth2 application whose client id and secret get access tokens.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class SecretDigest(TimeStampedModel):
    """A credential kept as the digest of its secret, with the first characters to tell
    several apart, an expiry and a revocation time."""

    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class ApiKey(SecretDigest):
    """A long-lived key of a machine client (``ddk_…``), sent as a bearer token."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.client} {self.prefix}…"


class PersonalToken(SecretDigest):
    """A dealer user's token for the API (``ddp_…``): the same rights as their session, for
    one company they belong to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "personal API token"

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} {self.prefix}…"
