"""The v1 API: one router per domain, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Dealer endpoints take a session or a personal token; the machine endpoints under ``/sync``
take an API key or an OAuth2 access token holding the scope each names. Every error has one
shape (``api.v1.errors``).
"""

from __future__ import annotations

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
    sync_orders,
)
from dealerdesk.api.v1.auth import DEALER_AUTH

api = NinjaAPI(
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
