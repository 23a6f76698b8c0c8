"""Every operation of the API, read from its own OpenAPI document: machine endpoints refuse a
client without the scope they need and a dealer's token; dealer endpoints refuse machine
credentials and never show another company's objects."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from dealerdesk.api.v1.api import api
from dealerdesk.integration.credentials import issue_personal_token
from dealerdesk.ordering.services import OrderLineRequest, place_order

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _machine(operation: dict[str, Any], path: str) -> bool:
    return path.startswith(f"{PREFIX}/sync")


def _fill(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "1")), path)


def _call(client: Client, method: str, url: str, **headers: str) -> Any:
    if method == "GET":
        return client.get(url, **headers)
    return client.generic(method, url, b"{}", content_type="application/json", **headers)


def test_the_document_lists_machine_and_dealer_operations():
    paths = {path for _method, path, _op in _operations()}
    assert any(path.startswith(f"{PREFIX}/sync/") for path in paths)
    assert f"{PREFIX}/orders" in paths
    assert f"{PREFIX}/catalog/products" in paths


def test_machine_endpoints_refuse_a_client_without_their_scope(machine_for):
    nobody = machine_for()  # a valid client holding no scope at all
    checked = 0
    for method, path, _operation in _operations():
        if not path.startswith(f"{PREFIX}/sync") or path == f"{PREFIX}/sync/client":
            continue
        url = _fill(path, {})
        response = _call(nobody.http, method, url, **nobody.headers())
        if path.startswith(f"{PREFIX}/sync/messages"):
            # a client reads only its own messages: a foreign or unknown one is not found
            assert response.status_code == 404, (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
            assert response.json()["code"] == "missing_scope"
        checked += 1
    assert checked >= 3


def test_machine_endpoints_refuse_dealer_sessions_and_tokens(world, client_for):
    _row, secret = issue_personal_token(world.buyer_a.user, world.company_a)
    session = client_for(world.buyer_a.user)
    for method, path, _operation in _operations():
        if not path.startswith(f"{PREFIX}/sync"):
            continue
        url = _fill(path, {})
        assert _call(session, method, url).status_code == 401, (method, path)
        assert (
            _call(Client(), method, url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
        )


def test_dealer_endpoints_refuse_machine_credentials(erp):
    for method, path, _operation in _operations():
        if path.startswith(f"{PREFIX}/sync"):
            continue
        response = _call(erp.http, method, _fill(path, {}), **erp.headers())
        assert response.status_code == 401, (method, path, response.status_code)


def test_no_dealer_endpoint_shows_another_companys_objects(world, shop, client):
    """Company B's token asks for company A's product, order and document ids."""
    order = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(1))],
        submission_key="matrix-order-1",
    ).order
    values = {
        "product_id": world.product_a.pk,
        "number": order.number,
        "document_id": 1,
    }
    _row, secret = issue_personal_token(world.buyer_b.user, world.company_b)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    leaks = [world.product_a.sku, order.number, "Alpha Electric"]
    for method, path, _operation in _operations():
        if path.startswith(f"{PREFIX}/sync") or method != "GET":
            continue
        url = _fill(path, values)
        if "{" in path:
            response = client.get(url, **headers)
            assert response.status_code == 404, (path, response.status_code)
        else:
            response = client.get(url, {"q": world.product_a.sku}, **headers)
            assert response.status_code in {200, 404, 422}, (path, response.status_code)
        body = response.content.decode()
        for secret_text in leaks:
            assert secret_text not in body, (path, secret_text)
