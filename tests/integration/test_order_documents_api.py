"""POST /api/v1/sync/orders/{number}/documents: the ERP's invoice PDF for an order."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealerdesk.ordering.models import Order, OrderDocument
from dealerdesk.ordering.services import OrderLineRequest, place_order

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% an invoice\n%%EOF\n"


@pytest.fixture
def order(world, shop) -> Order:  # type: ignore[no-untyped-def]
    return place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(2))],
        submission_key="api-doc-0001",
    ).order


def url(number: str) -> str:
    return f"/api/v1/sync/orders/{number}/documents"


def form(content: bytes = PDF, name: str = "INV-77.pdf", **fields: str) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "invoice",
        "number": "INV-77",
        "issued_on": "2026-05-02",
        "erp_version": "5",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value != "-"}


def send(machine, number: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return machine.http.post(url(number), data, **machine.headers())


def test_the_erp_uploads_an_invoice(erp, order) -> None:
    response = send(erp, order.number, form())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order"] == order.number
    assert (body["kind"], body["number"], body["issued_on"]) == ("invoice", "INV-77", "2026-05-02")
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["size"], body["erp_version"], body["filename"]) == (len(PDF), 5, "INV-77.pdf")
    document = OrderDocument.objects.get()
    assert document.order_id == order.pk


def test_an_older_upload_keeps_the_stored_document(erp, order) -> None:
    send(erp, order.number, form(erp_version="5"))

    response = send(erp, order.number, form(PDF + b"% old", erp_version="4"))

    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_a_change_time_is_enough_as_the_stamp(erp, order) -> None:
    response = send(erp, order.number, form(erp_version="-", erp_changed_at="2026-05-02T10:00"))

    assert response.status_code == 201, response.content
    assert response.json()["erp_changed_at"].startswith("2026-05-02T10:00:00")


def test_an_unknown_order_is_404(erp, order) -> None:
    response = send(erp, "DD-0999999", form())

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_order"


def test_not_a_pdf_is_415(erp, order) -> None:
    response = send(erp, order.number, form(b"PK\x03\x04 a zip", name="invoice.pdf"))

    assert response.status_code == 415
    body = response.json()
    assert body["code"] == "not_pdf"
    assert body["errors"][0]["field"] == "file"
    assert not OrderDocument.objects.exists()


def test_too_large_is_413(erp, order, settings) -> None:
    settings.DEALERDESK_DOCUMENT_MAX_BYTES = 1024

    response = send(erp, order.number, form(PDF + b"0" * 2048))

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "-"}, "kind"),
        ({"number": "-"}, "number"),
        ({"file": "-"}, "file"),
        ({"erp_version": "-"}, "erp_version"),
        ({"erp_version": "soon"}, "erp_version"),
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"erp_changed_at": "9999-12-31T23:00:00-14:00"}, "erp_changed_at"),
        ({"kind": "receipt"}, "kind"),
    ],
)
def test_missing_or_bad_fields_are_422_naming_the_field(erp, order, fields, field) -> None:
    response = send(erp, order.number, form(**fields))

    assert response.status_code == 422, response.content
    body = response.json()
    assert field in [error["field"] for error in body["errors"]], body
    assert not OrderDocument.objects.exists()


def test_json_instead_of_a_form_is_a_clear_error(erp, order) -> None:
    response = erp.post(url(order.number), {"kind": "invoice"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_client_without_orders_write_is_refused(machine_for, order) -> None:
    reader = machine_for("orders:read")

    response = send(reader, order.number, form())

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


def test_no_credential_is_401(client, order) -> None:
    response = client.post(url(order.number), form())

    assert response.status_code == 401
