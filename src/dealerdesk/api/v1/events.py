"""Order events for ERPs that pull instead of receiving webhooks: fetch, then acknowledge."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dealerdesk.api.v1.auth import MachineAuth, machine
from dealerdesk.api.v1.errors import ApiError, ErrorOut
from dealerdesk.integration.choices import Scope
from dealerdesk.integration.outbound.pull import (
    MAX_PAGE,
    PullError,
    PullErrorCode,
    acknowledge,
    pull_events,
)

router = Router(tags=["sync"])

ERRORS: dict[int, type[ErrorOut]] = {
    401: ErrorOut,
    403: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


class EventsQuery(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="Events per page.")
    after: uuid.UUID | None = Field(
        None, description="The id of the last event of the previous page."
    )


class EventOut(Schema):
    id: uuid.UUID = Field(description="The event id; webhooks send it as webhook-id.")
    type: str = Field(description="e.g. order.placed, order.cancelled")
    key: str = Field(description="The record it is about, e.g. order:DD-0000123")
    created_at: dt.datetime
    data: dict[str, Any]


class EventPageOut(Schema):
    events: list[EventOut]
    more: bool = Field(description="More unacknowledged events follow this page.")


class AckIn(Schema):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_PAGE)


class AckOut(Schema):
    acknowledged: int
    unknown: list[uuid.UUID] = Field(
        description="Ids not waiting for this client: unknown, another client's, or "
        "acknowledged already."
    )


def _refused(error: PullError) -> ApiError:
    if error.code is PullErrorCode.UNKNOWN_CURSOR:
        fault = {"row": None, "field": "after", "code": error.code, "message": error.message}
        return ApiError(422, error.code, error.message, errors=[fault])
    return ApiError(409, error.code, error.message)


@router.get(
    "",
    auth=MachineAuth(Scope.ORDERS_READ),
    response={200: EventPageOut, **ERRORS},
    summary="This client's unacknowledged events, oldest first",
)
def list_events(request: HttpRequest, query: Query[EventsQuery]) -> Any:
    try:
        page = pull_events(machine(request).client, limit=query.limit, after=query.after)
    except PullError as error:
        raise _refused(error) from error
    return EventPageOut(
        events=[EventOut(**vars(event)) for event in page.events],
        more=page.more,
    )


@router.post(
    "/ack",
    auth=MachineAuth(Scope.ORDERS_READ),
    response={200: AckOut, **ERRORS},
    summary="Acknowledge events this client has applied",
)
def acknowledge_events(request: HttpRequest, payload: AckIn) -> Any:
    try:
        done = acknowledge(machine(request).client, payload.ids)
    except PullError as error:
        raise _refused(error) from error
    return AckOut(acknowledged=done.acknowledged, unknown=done.unknown)
