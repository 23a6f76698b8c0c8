"""An address nothing answers: JSON in the API's error shape under /api/, the site's page
elsewhere."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    ["/api/v1/no-such-thing", "/api/v1/sync/messages/a%0Ab", "/api/v2/sync/prices", "/api/"],
)
def test_an_unknown_api_address_answers_json(client, address):  # type: ignore[no-untyped-def]
    response = client.get(address)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert response.json()["errors"] == []


def test_an_unknown_page_is_the_sites_page(client):  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
