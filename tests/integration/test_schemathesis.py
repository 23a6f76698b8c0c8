"""The API against its own OpenAPI document, with data schemathesis generates from it: no
answer is a server error, and every answer matches the document (status codes, content
types, bodies). Machine operations run with a client holding every scope, dealer operations
with a dealer's personal token."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dealerdesk.integration.credentials import (
    create_client,
    issue_api_key,
    issue_personal_token,
)
from dealerdesk.integration.models import ApiClient


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_context: Any, value: Any) -> bytes:
    """NDJSON bodies: one JSON value per line (a generated list, or the rows of an object)."""
    if isinstance(value, dict) and isinstance(value.get("rows"), list):
        value = value["rows"]
    rows = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(row, default=str) for row in rows).encode()


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
EXAMPLES = int(os.environ.get("DEALERDESK_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def _connection_kept_between_requests():  # type: ignore[no-untyped-def]
    """The WSGI application closes old database connections at the end of each request, as
    a server should; inside a test transaction that would close the test's own connection.
    Django's test client switches this off in the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(world, shop, _connection_kept_between_requests) -> dict[str, str]:  # type: ignore[no-untyped-def]
    client = ApiClient.objects.filter(name="Schemathesis ERP").first() or create_client(
        "Schemathesis ERP",
        _scopes(),
        rate_limit="1000000/m",
        pulls_events=True,
    )
    _key, machine = issue_api_key(client)
    _token, dealer = issue_personal_token(world.buyer_a.user, world.company_a)
    return {"machine": machine, "dealer": dealer}


def _scopes() -> list[str]:
    from dealerdesk.integration.choices import Scope

    return [scope.value for scope in Scope]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_document(case, credentials):  # type: ignore[no-untyped-def]
    machine = case.path.startswith("/api/v1/sync")
    token = credentials["machine" if machine else "dealer"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
