"""The ERP's inbound sync: batches of rows per feed, idempotent by message id.

``POST /api/v1/sync/<feed>`` takes ``{"rows": [...]}`` as application/json or one row
object per line as application/x-ndjson, with the message id in ``Idempotency-Key``. The
body is read as a stream (never whole into memory), so Django's upload limit for
``request.body`` does not apply; ``DEALERDESK_INBOUND_MAX_BYTES`` does. One operation is
declared per feed registered when this module is imported (the app registers them at start).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Header, Router, Schema, Status

from dealerdesk.api.v1.auth import MachineAuth, machine
from dealerdesk.api.v1.errors import ApiError, ErrorOut
from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.inbound.errors import MessageRefused
from dealerdesk.integration.inbound.feeds import FEEDS, Feed
from dealerdesk.integration.inbound.process import answer
from dealerdesk.integration.inbound.receive import JSON, NDJSON, receive
from dealerdesk.integration.models import InboundMessage

router = Router(tags=["sync"])

ERRORS = frozenset({400, 401, 403, 409, 413, 415, 422, 429, 503})


class RowResultOut(Schema):
    row: int = Field(description="Index of the row in the batch as sent, from 0")
    status: Literal["applied", "unchanged", "rejected"]
    outcome: str = Field(description="created, updated, deactivated, unchanged, stale or rejected")
    key: str | None = Field(None, description="The row's identity as the ERP names it")
    field: str | None = Field(None, description="The field at fault")
    code: str | None = Field(None, description="A stable code, e.g. unknown_product, stale")
    message: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        None, description="Every field error of a row that failed validation"
    )


class BatchResult(Schema):
    message_id: str
    feed: str
    status: Literal["queued", "processing", "done", "failed"]
    atomic: bool = Field(description="All or nothing: if any row is rejected, none applies")
    total: int | None = Field(description="Rows in the message")
    rows_done: int = Field(description="Progress of an import job")
    applied: int
    unchanged: int
    rejected: int
    rows: list[RowResultOut] = Field(
        description="Every row of a batch up to 1,000 rows; of a larger one the rows not "
        "applied (at most 10,000)"
    )
    rows_left_out: int = Field(description="Rows not listed because of that cap")
    latest_change_at: dt.datetime | None = Field(
        description="The newest ERP change time among the rows applied"
    )
    received_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str = Field(description="Why the whole message failed")


def _request_body(feed: Feed) -> dict[str, Any]:
    """The OpenAPI request body of a feed: the row schema in both media types."""
    row = feed.row.model_json_schema(mode="validation")
    return {
        "required": True,
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {"rows": {"type": "array", "items": row}},
                }
            },
            NDJSON: {"schema": row},
        },
    }


def _receiver(feed: Feed) -> Callable[..., Any]:
    def receive_batch(
        request: HttpRequest,
        response: HttpResponse,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                description="Required. The message id (1 to 100 printable ASCII "
                "characters): the same id again is answered as the first time.",
            ),
        ] = None,
        atomic: bool = False,
    ) -> Any:
        try:
            length = int(request.headers.get("Content-Length") or 0) or None
        except ValueError:
            length = None
        try:
            message = receive(
                client=machine(request).client,
                feed=feed.name,
                body=request,
                content_type=request.headers.get("Content-Type", ""),
                content_length=length,
                message_id=idempotency_key,
                atomic=atomic,
            )
        except MessageRefused as refused:
            raise ApiError(refused.status, refused.code, refused.message, refused.errors) from None
        return _answer(message, response)

    return receive_batch


def _answer(message: InboundMessage, response: HttpResponse) -> Any:
    if message.status == InboundStatus.DONE:
        return Status(200, answer(message))
    if message.status == InboundStatus.FAILED:
        refused = (message.result or {}).get("refused")
        if refused:
            raise ApiError(
                refused["status"], refused["code"], refused["message"], refused["errors"]
            )
        raise ApiError(
            503,
            "message_failed",
            f"The message could not be applied ({message.error}); send it again with the same id.",
        )
    response["Location"] = reverse("api-v1:sync-message", kwargs={"message_id": message.message_id})
    return Status(202, answer(message))


for _feed in FEEDS.values():
    router.add_api_operation(
        f"/{_feed.name}",
        ["POST"],
        _receiver(_feed),
        auth=MachineAuth(_feed.scope),
        response={200: BatchResult, 202: BatchResult, ERRORS: ErrorOut},
        operation_id=f"sync_{_feed.name.replace('-', '_')}",
        summary=f"{_feed.summary} (scope {_feed.scope})",
        description=(
            'A batch of rows, as `{"rows": [...]}` (application/json) or one row object per '
            "line (application/x-ndjson). Every row carries `erp_version` and/or "
            "`erp_changed_at`; an older change never overwrites a newer one. Up to "
            "1,000 rows are applied at once and answered row by row (200); a larger batch "
            "becomes an import job (202, `Location` of its status). `atomic=true`: all rows "
            "or none."
        ),
        openapi_extra={"requestBody": _request_body(_feed)},
    )


@router.get(
    "/messages/{path:message_id}",
    auth=MachineAuth(None),
    response={200: BatchResult, frozenset({401, 404, 429}): ErrorOut},
    url_name="sync-message",
    summary="A message's status, progress and row results (the client's own messages)",
)
def message_status(request: HttpRequest, message_id: str) -> Any:
    message = InboundMessage.objects.filter(
        client=machine(request).client, message_id=message_id
    ).first()
    if message is None:
        raise ApiError(404, "not_found", "No message with this id from this client.")
    return Status(200, answer(message))
