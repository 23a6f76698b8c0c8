"""A dealer's orders over the API: follow them (status, whether the ERP has them, its
number, the documents it issued) and place new ones — the same rules and isolation as the
portal's order pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from dealerdesk.api.v1.auth import membership
from dealerdesk.api.v1.errors import ApiError, ErrorOut
from dealerdesk.core.text import printable
from dealerdesk.ordering.choices import KNOWN_TO_ERP, OrderStatus
from dealerdesk.ordering.errors import OrderingError
from dealerdesk.ordering.models import Order, OrderDocument
from dealerdesk.ordering.services import MAX_ORDER_LINES, OrderLineRequest, place_order

router = Router(tags=["orders"])

# What an order's detail shows beside the order.
DETAIL = ("lines", "events", "documents")


class OrderSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    reached_erp: bool
    erp_number: str
    created_at: dt.datetime
    currency: str
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    po_number: str


class OrderLineOut(Schema):
    number: int
    sku: str
    name: str
    warehouse_id: int
    quantity: Decimal
    backorder: bool
    unit_price: Decimal
    vat_rate: Decimal
    line_net: Decimal
    line_gross: Decimal


class OrderEventOut(Schema):
    at: dt.datetime
    status: str
    note: str


class DocumentOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: dt.date | None
    url: str


class OrderOut(OrderSummaryOut):
    contract_id: int
    payment_terms_days: int
    comment: str
    delivery_method: str
    delivery_address: str
    desired_date: dt.date | None
    lines: list[OrderLineOut]
    events: list[OrderEventOut]
    documents: list[DocumentOut]


class OrderPage(Schema):
    total: int
    page: int
    per_page: int
    items: list[OrderSummaryOut]


class OrderQuery(Schema):
    status: OrderStatus | None = None
    since: dt.date | None = Field(None, description="Placed on or after this day")
    until: dt.date | None = Field(None, description="Placed on or before this day")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


class LineIn(Schema):
    product_id: int = Field(ge=1, lt=2**62)
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    warehouse_id: int | None = Field(None, ge=1, lt=2**62)
    backorder: bool = False


class PlaceOrderIn(Schema):
    submission_key: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Your id for this order: sending it again gives the same order, not a "
        "second one",
    )
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    contract_id: int | None = Field(None, ge=1, lt=2**62)
    po_number: str = Field("", max_length=64)
    comment: str = Field("", max_length=2000)


def _orders(request: HttpRequest) -> QuerySet[Order]:
    return Order.objects.filter(company=membership(request).company)


def _summary(order: Order) -> OrderSummaryOut:
    return OrderSummaryOut(
        number=order.number or "",
        status=order.status,
        status_label=order.get_status_display(),
        reached_erp=order.status in KNOWN_TO_ERP or bool(order.erp_number),
        erp_number=order.erp_number,
        created_at=order.created_at,
        currency=order.currency,
        total_net=order.total_net,
        total_vat=order.total_vat,
        total_gross=order.total_gross,
        po_number=order.po_number,
    )


def _document_url(order: Order, document: OrderDocument) -> str:
    return f"/api/v1/orders/{order.number}/documents/{document.pk}"


def _detail(order: Order) -> OrderOut:
    return OrderOut(
        **_summary(order).model_dump(),
        contract_id=order.contract_id,
        payment_terms_days=order.payment_terms_days,
        comment=order.comment,
        delivery_method=order.delivery_method,
        delivery_address=order.delivery_address,
        desired_date=order.desired_date,
        lines=[
            OrderLineOut.model_validate(line, from_attributes=True) for line in order.lines.all()
        ],
        events=[
            OrderEventOut(at=event.at, status=event.status, note=event.note)
            for event in order.events.all()
        ],
        documents=[
            DocumentOut(
                id=document.pk,
                kind=document.kind,
                number=document.number,
                issued_on=document.issued_on,
                url=_document_url(order, document),
            )
            for document in order.documents.all()
        ],
    )


def _own_order(request: HttpRequest, number: str, *related: str) -> Order:
    """One of the caller's company's orders by number (404 otherwise), with ``related``
    prefetched."""
    order = (
        _orders(request).prefetch_related(*related).filter(number=printable(number)[:20]).first()
    )
    if order is None:
        raise ApiError(404, "not_found", "No such order among your company's.")
    return order


@router.get("", response=OrderPage, summary="Your company's orders, newest first")
def list_orders(request: HttpRequest, filters: Query[OrderQuery]) -> OrderPage:
    found = _orders(request)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.since:
        found = found.filter(created_at__date__gte=filters.since)
    if filters.until:
        found = found.filter(created_at__date__lte=filters.until)
    start = (filters.page - 1) * filters.per_page
    page = list(found.order_by("-created_at", "-id")[start : start + filters.per_page])
    return OrderPage(
        total=found.count(),
        page=filters.page,
        per_page=filters.per_page,
        items=[_summary(order) for order in page],
    )


@router.get(
    "/{number}",
    response={200: OrderOut, 404: ErrorOut},
    summary="One of your orders: lines, timeline, documents, and whether the ERP has it",
)
def get_order(request: HttpRequest, number: str) -> OrderOut:
    return _detail(_own_order(request, number, *DETAIL))


@router.get(
    "/{number}/documents/{document_id}",
    response={200: None, 404: ErrorOut},
    summary="A document the supplier's ERP issued for your order (PDF)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_document(request: HttpRequest, number: str, document_id: int) -> FileResponse:
    order = _own_order(request, number)
    document = order.documents.filter(pk=document_id).first()
    if document is None:
        raise ApiError(404, "not_found", "No such document for this order.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise ApiError(404, "not_found", "The document's file is missing.") from error
    return FileResponse(handle, filename=document.filename, content_type="application/pdf")


@router.post(
    "",
    response={201: OrderOut, 200: OrderOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Place an order (idempotent by submission_key)",
)
def create_order(request: HttpRequest, payload: PlaceOrderIn) -> Status[OrderOut]:
    current = membership(request)
    if not current.can_order:
        raise ApiError(403, "cannot_order", "Your role in this company does not place orders.")
    try:
        placed = place_order(
            current.company,
            current.user,
            [
                OrderLineRequest(line.product_id, line.quantity, line.warehouse_id, line.backorder)
                for line in payload.lines
            ],
            submission_key=payload.submission_key,
            contract_id=payload.contract_id,
            po_number=printable(payload.po_number),
            comment=printable(payload.comment),
            source="api",
        )
    except OrderingError as error:
        raise ApiError(
            422,
            str(error.code),
            error.message,
            errors=[
                {
                    "row": line.index,
                    "field": "lines",
                    "code": str(line.problem),
                    "message": line.message,
                }
                for line in error.lines
            ],
        ) from error
    order = _own_order(request, placed.order.number or "", *DETAIL)
    return Status(201 if placed.created else 200, _detail(order))
