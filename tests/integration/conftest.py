"""Machine clients for the integration tests: a client with scopes and its API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from dealerdesk.integration.credentials import create_client, issue_api_key
from dealerdesk.integration.models import ApiClient


@dataclass
class Machine:
    """A machine client and a test HTTP client that sends its API key."""

    client: ApiClient
    key: str
    http: Client

    def headers(self, **extra: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **extra}

    def get(self, path: str, **extra: Any) -> Any:
        return self.http.get(path, **self.headers(), **extra)

    def post(
        self, path: str, data: Any = None, content_type: str = "application/json", **extra: Any
    ) -> Any:
        return self.http.post(path, data, content_type=content_type, **self.headers(), **extra)


@pytest.fixture
def machine_for(db: None):  # type: ignore[no-untyped-def]
    """``machine_for("prices:write", "stock:write")``: a new client holding these scopes."""
    made = 0

    def _make(*scopes: str, rate_limit: str = "100000/m", pulls_events: bool = False) -> Machine:
        nonlocal made
        made += 1
        client = create_client(
            f"ERP test client {made}",
            list(scopes),
            rate_limit=rate_limit,
            pulls_events=pulls_events,
        )
        _key, secret = issue_api_key(client, name="test")
        return Machine(client, secret, Client())

    return _make


@pytest.fixture
def erp(machine_for):  # type: ignore[no-untyped-def]
    """The ERP: a client holding every write scope and orders:read."""
    return machine_for(
        "catalog:write",
        "prices:write",
        "stock:write",
        "customers:write",
        "orders:read",
        "orders:write",
        "sync:read",
    )
