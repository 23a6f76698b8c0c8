"""The v1 API: one router per domain, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from dealerdesk import __version__
from dealerdesk.api.v1 import accounts, catalog, pricing
from dealerdesk.api.v1.auth import DealerSession

api = NinjaAPI(
    title="Dealerdesk API",
    version=f"1 ({__version__})",
    description=(
        "Dealer-facing API: the signed-in dealer's own catalog, its prices under the contract "
        "it picks, and stock as its display policy allows."
    ),
    urls_namespace="api-v1",
    auth=DealerSession(),
)
api.add_router("/", accounts.router)
api.add_router("/catalog", catalog.router)
api.add_router("/pricing", pricing.router)
