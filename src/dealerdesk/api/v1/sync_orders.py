"""What the ERP sends about one order: its documents (an invoice PDF)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, field_validator

from dealerdesk.api.v1.auth import MachineAuth
from dealerdesk.api.v1.errors import ApiError, ErrorOut
from dealerdesk.core.sync import ErpStamp
from dealerdesk.core.text import printable
from dealerdesk.integration.choices import Scope
from dealerdesk.ordering.erp import DocumentError, attach_document, document_max_bytes
from dealerdesk.ordering.models import Order, OrderDocument

router = Router(tags=["sync"])

STATUS_OF = {"too_large": 413, "not_pdf": 415}


class DocumentIn(Schema):
    kind: str = Field(max_length=20, description="invoice, delivery_note or credit_note")
    number: str = Field(min_length=1, max_length=64, description="The ERP's document number")
    issued_on: dt.date | None = None
    erp_version: int | None = Field(
        None, ge=0, le=2**63 - 1, description="The ERP's change sequence of the document"
    )
    erp_changed_at: dt.datetime | None = Field(
        None, description="The ERP's change time (ISO 8601; without an offset, UTC)"
    )

    @field_validator("erp_changed_at")
    @classmethod
    def _plausible(cls, value: dt.datetime | None) -> dt.datetime | None:
        """A time a database can store in UTC: years 1900 to 9000 (a year 9999 with a
        negative offset does not convert)."""
        if value is not None and not 1900 <= value.year <= 9000:
            raise ValueError("Give a change time between the years 1900 and 9000.")
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class DocumentOut(Schema):
    order: str
    kind: str
    number: str
    issued_on: dt.date | None
    filename: str
    size: int
    sha256: str
    erp_version: int | None
    erp_changed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@router.post(
    "/{order_number}/documents",
    auth=MachineAuth(Scope.ORDERS_WRITE),
    response={
        200: DocumentOut,
        201: DocumentOut,
        404: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
    },
    summary="Attach a document the ERP issued for an order (a PDF)",
    description=(
        "Multipart form: `file` (a PDF), `kind`, `number`, `issued_on`, and the document's "
        "`erp_version` and/or `erp_changed_at`. The same kind and number again replaces the "
        "file only when the stamp is newer (else 200 with the stored one); an ERP invoice is "
        "the invoice the dealer downloads."
    ),
)
def upload_document(
    request: HttpRequest,
    order_number: str,
    data: Form[DocumentIn],
    file: File[UploadedFile],
) -> Status[DocumentOut]:
    order = Order.objects.filter(number=printable(order_number)[:20]).first()
    if order is None:
        raise ApiError(404, "unknown_order", f"No order has the number {order_number!r}.")
    if data.erp_version is None and data.erp_changed_at is None:
        raise ApiError(
            422,
            "validation_error",
            "Send the document's ERP sequence or change time; see errors.",
            [
                {
                    "field": "erp_version",
                    "code": "required",
                    "message": "Give erp_version and/or erp_changed_at, so that an older "
                    "document never replaces a newer one.",
                }
            ],
        )
    if (file.size or 0) > document_max_bytes():
        raise _api_error(DocumentError("too_large", "file", _too_large()))
    content = file.read()
    try:
        document = attach_document(
            order,
            kind=data.kind,
            number=data.number,
            issued_on=data.issued_on,
            content=content,
            filename=file.name or "",
            stamp=ErpStamp(data.erp_version, data.erp_changed_at),
            source=f"API client {request.machine.client}",  # type: ignore[attr-defined]
        )
    except DocumentError as error:
        raise _api_error(error) from error
    # A stored document with a newer stamp was kept: 200 with what is stored.
    kept = document.sha256 != hashlib.sha256(content).hexdigest()
    return Status(200 if kept else 201, _out(order, document))


def _too_large() -> str:
    return f"A document may be at most {document_max_bytes() // (1024 * 1024)} MB."


def _api_error(error: DocumentError) -> ApiError:
    return ApiError(
        STATUS_OF.get(error.code, 422),
        error.code,
        error.message,
        [{"field": error.field, "code": error.code, "message": error.message}],
    )


def _out(order: Order, document: OrderDocument) -> DocumentOut:
    return DocumentOut(
        order=order.number or "",
        kind=document.kind,
        number=document.number,
        issued_on=document.issued_on,
        filename=document.filename,
        size=document.size,
        sha256=document.sha256,
        erp_version=document.erp_version,
        erp_changed_at=document.erp_changed_at,
        created_at=document.created_at,
        updated_at=document.updated_at,
    )
