"""Who a machine client is, as the portal sees its credential: for integrators checking a
new key or token before they send data."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from dealerdesk.api.v1.auth import MachineAuth, machine
from dealerdesk.api.v1.errors import ErrorOut

router = Router(tags=["sync"])


class ClientOut(Schema):
    name: str
    scopes: list[str]
    credential: str
    rate_limit: str
    pulls_events: bool


@router.get(
    "",
    auth=MachineAuth(None),
    response={200: ClientOut, 401: ErrorOut, 429: ErrorOut},
    summary="The calling machine client: its name, scopes and rate",
)
def whoami(request: HttpRequest) -> ClientOut:
    principal = machine(request)
    client = principal.client
    return ClientOut(
        name=client.name,
        scopes=sorted(principal.scopes),
        credential=principal.credential,
        rate_limit=client.rate_limit,
        pulls_events=client.pulls_events,
    )
