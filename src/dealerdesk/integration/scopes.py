"""OAuth2 scopes per client: a token gets the scopes its API client holds, never more."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    """django-oauth-toolkit's scopes backend, narrowed to the client's own scopes.

    A client that asks for no scope gets all of its own; asking for one it does not hold is
    refused by the token endpoint (``invalid_scope``).
    """

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        client = getattr(application, "api_client", None) if application is not None else None
        if client is None or not client.is_active:
            return []
        known = set(super().get_all_scopes())
        return [scope for scope in client.scopes if scope in known]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)
