"""Dealers follow and place their orders through the API, never another company's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from dealerdesk.accounts.choices import MembershipRole
from dealerdesk.integration.credentials import issue_personal_token
from dealerdesk.ordering.choices import DocumentKind, OrderStatus
from dealerdesk.ordering.models import Order, OrderDocument
from dealerdesk.ordering.services import OrderLineRequest, place_order
from tests import factories as f

pytestmark = pytest.mark.django_db


def _order(world, key: str = "api-order-1") -> Order:
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(2))],
        submission_key=key,
        po_number="PO-77",
    ).order


def test_orders_list_and_detail_are_the_companys_own(world, shop, client_for):
    order = _order(world)
    client = client_for(world.buyer_a.user)

    page = client.get("/api/v1/orders").json()
    detail = client.get(f"/api/v1/orders/{order.number}").json()

    assert [item["number"] for item in page["items"]] == [order.number]
    assert page["items"][0]["reached_erp"] is False
    assert detail["po_number"] == "PO-77"
    assert detail["lines"][0]["sku"] == "CAB-001"
    assert detail["lines"][0]["quantity"] == "2.000"
    assert [event["status"] for event in detail["events"]] == ["placed"]


def test_another_companys_order_is_404_by_session_and_by_token(world, shop, client_for, client):
    order = _order(world)
    _row, secret = issue_personal_token(world.buyer_b.user, world.company_b)

    by_session = client_for(world.buyer_b.user).get(f"/api/v1/orders/{order.number}")
    client.logout()
    by_token = client.get(f"/api/v1/orders/{order.number}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {secret}").json()

    assert by_session.status_code == 404
    assert by_token.status_code == 404
    assert by_token.json()["code"] == "not_found"
    assert listed["total"] == 0


def test_an_erp_document_downloads_for_its_company_only(world, shop, client_for):
    order = _order(world)
    document = OrderDocument.objects.create(
        order=order,
        kind=DocumentKind.INVOICE,
        number="INV-1",
        file=ContentFile(b"%PDF-1.4 test", "inv.pdf"),
        filename="INV-1.pdf",
        sha256="0" * 64,
        size=13,
    )
    url = f"/api/v1/orders/{order.number}/documents/{document.pk}"

    mine = client_for(world.buyer_a.user).get(url)
    theirs = client_for(world.buyer_b.user).get(url)

    assert mine.status_code == 200
    assert b"".join(mine.streaming_content).startswith(b"%PDF")
    assert theirs.status_code == 404


def test_placing_an_order_is_idempotent_by_submission_key(world, shop, client_for):
    client = client_for(world.buyer_a.user)
    body = {
        "submission_key": "erp-po-000123",
        "lines": [{"product_id": world.product_a.pk, "quantity": "3"}],
        "po_number": "PO-123",
    }

    first = client.post("/api/v1/orders", body, content_type="application/json")
    again = client.post("/api/v1/orders", body, content_type="application/json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    assert Order.objects.filter(company=world.company_a).count() == 1
    assert first.json()["status"] == OrderStatus.PLACED


def test_a_line_outside_the_catalog_is_422_naming_the_line(world, shop, client_for):
    response = client_for(world.buyer_a.user).post(
        "/api/v1/orders",
        {
            "submission_key": "erp-po-000124",
            "lines": [
                {"product_id": world.product_a.pk, "quantity": "1"},
                {"product_id": world.product_b.pk, "quantity": "1"},
            ],
        },
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "lines_invalid"
    assert body["errors"] == [
        {
            "row": 1,
            "field": "lines",
            "code": "not_in_catalog",
            "message": "This product is not in your catalog.",
        }
    ]
    assert not Order.objects.exists()


def test_a_viewer_cannot_place_orders(world, shop, client):
    viewer = f.MembershipFactory(company=world.company_a, role=MembershipRole.VIEWER)
    client.force_login(viewer.user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/api/v1/orders",
        {
            "submission_key": "viewer-0001",
            "lines": [{"product_id": world.product_a.pk, "quantity": "1"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "cannot_order"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"submission_key": "short", "lines": [{"product_id": 1, "quantity": "1"}]},
        {"submission_key": "valid-key-1", "lines": []},
        {"submission_key": "valid-key-1", "lines": [{"product_id": 1, "quantity": "-1"}]},
        {"submission_key": "valid-key-1", "lines": [{"product_id": "x", "quantity": "1"}]},
        {"submission_key": "valid-key-1", "lines": [{"product_id": 1, "quantity": "1e999"}]},
    ],
)
def test_bad_order_bodies_are_422_in_the_error_shape(world, shop, client_for, body):
    response = client_for(world.buyer_a.user).post(
        "/api/v1/orders", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"]
