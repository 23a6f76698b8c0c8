"""The v1 API: one router per domain, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Dealer endpoints take a session or a personal token; the machine endpoints under ``/sync``
take an API key or an OAuth2 access token holding the scope each names. Every error has one
shape (``api.v1.errors``).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from dealerdesk import __version__
from dealerdesk.api.v1 import (
    accounts,
    catalog,
    errors,
    events,
    machine,
    orders,
    pricing,
    sync,
    sync_images,
    sync_orders,
)
from dealerdesk.api.v1.auth import DEALER_AUTH

# Errors any operation may answer, in the one error shape, by kind of caller: a dealer (session
# or personal token) or a machine client (API key or OAuth2 token, with scopes and a rate).
DEALER_ERRORS = {
    401: "Not signed in, or the token is not valid",
    403: "The company's account is on hold, or the role does not allow it",
    404: "No such object among your company's",
    422: "A parameter or field is not valid; errors names each",
}
MACHINE_ERRORS = {
    400: "The message cannot be read (e.g. no Idempotency-Key, not JSON)",
    401: "No valid API key or OAuth2 token",
    403: "The credential does not hold the scope this operation needs",
    404: "No such object among this client's",
    409: "In conflict with what is stored (e.g. a message id used for another body)",
    413: "The body is larger than allowed",
    415: "The content type is not one this operation reads",
    422: "Rows or fields are not valid; errors names each row and field",
    429: "Over this client's rate; see Retry-After",
}


class DealerdeskAPI(NinjaAPI):
    """The API whose document also states every error each operation may answer."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = errors.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components.setdefault("ErrorOut", error)
        for path, item in schema["paths"].items():
            documented = MACHINE_ERRORS if path.startswith("/api/v1/sync") else DEALER_ERRORS
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, description in documented.items():
                    responses.setdefault(
                        str(status),
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorOut"}
                                }
                            },
                        },
                    )
        return schema


api = DealerdeskAPI(
    title="Dealerdesk API",
    version=f"1 ({__version__})",
    description=(
        "Dealers: their own catalog, their prices under the contract they pick, stock as "
        "their display policy allows, and their orders (session or personal token). "
        "The ERP and other machine clients: bulk and delta sync of master data, prices, "
        "stock and order statuses, and order events to pull (API key or OAuth2 client "
        "credentials from /api/v1/oauth/token, with scopes)."
    ),
    urls_namespace="api-v1",
    auth=DEALER_AUTH,
)
errors.install(api)
api.add_router("/", accounts.router)
api.add_router("/catalog", catalog.router)
api.add_router("/pricing", pricing.router)
api.add_router("/orders", orders.router)
api.add_router("/sync", sync.router)
api.add_router("/sync/client", machine.router)
api.add_router("/sync/events", events.router)
api.add_router("/sync/orders", sync_orders.router)
api.add_router("/sync/products", sync_images.router)
