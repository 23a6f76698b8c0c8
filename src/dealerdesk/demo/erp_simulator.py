"""The demo's ERP: an API client and a webhook endpoint for ``dealerdesk erp-sim``, and the
configuration file that tells the simulator how to reach the portal and what it may change.

Idempotent: a second run keeps the client, the endpoint and the file. New OAuth2
credentials are issued only when the file is missing (the secret is shown once and the file
is the only place it is kept) or no longer names the client's credentials.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dealerdesk.catalog.models import Product
from dealerdesk.integration.credentials import create_client, issue_oauth_credentials
from dealerdesk.integration.models import ApiClient, WebhookEndpoint
from dealerdesk.integration.outbound.signing import new_secret
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Price, PriceType

CLIENT_NAME = "ERP simulator"
ENDPOINT_NAME = "ERP (simulator)"
SCOPES = ["prices:write", "stock:write", "orders:write", "orders:read", "sync:read"]
LISTEN = "127.0.0.1:8001"
SAMPLE_SIZE = 24  # products whose prices and stock the simulator moves
BOOKS = "erp-sim-books.json"  # the simulator's state across restarts, beside its config


@dataclass(frozen=True)
class SimulatorSetup:
    path: Path
    client: ApiClient
    endpoint: WebhookEndpoint
    client_created: bool
    endpoint_created: bool
    file_written: bool


def config_path() -> Path:
    return Path(getattr(settings, "DEALERDESK_ERP_SIM_CONFIG", settings.DATA_DIR / "erp-sim.json"))


def seed_erp_simulator(
    path: Path | None = None, *, portal_url: str | None = None, listen: str = LISTEN
) -> SimulatorSetup:
    """Create what the simulator needs unless it exists; write its configuration file."""
    path = path or config_path()
    with transaction.atomic():
        client = ApiClient.objects.filter(name=CLIENT_NAME).first()
        client_created = client is None
        if client is None:
            client = create_client(
                CLIENT_NAME,
                SCOPES,
                description="The ERP simulator of the demo (dealerdesk erp-sim).",
            )
        endpoint = WebhookEndpoint.objects.filter(name=ENDPOINT_NAME).first()
        endpoint_created = endpoint is None
        if endpoint is None:
            endpoint = WebhookEndpoint.objects.create(
                name=ENDPOINT_NAME, url=f"http://{listen}/webhooks", secret=new_secret()
            )
        application = client.oauth_application
        current = application.client_id if application is not None else None
        write = client_created or _client_id_in(path) != current or current is None
        if write:
            credentials = issue_oauth_credentials(client)
            config = {
                "portal_url": (portal_url or settings.BASE_URL).rstrip("/"),
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "webhook_secret": endpoint.secret,
                "listen": listen,
                "speed": 1,
                "pace": {"accept": 3, "invoice": 20, "ship": 45, "deliver": 90, "market": 30},
                "changes_per_round": 3,
                "books": BOOKS,  # next to this file
                "supplier": _supplier(),
                **_sample(),
            }
            _write_private(path, config)
            if client_created:
                # A new client means a new portal database: the simulator's orders and
                # numbering belong to the old one.
                path.with_name(BOOKS).unlink(missing_ok=True)
    return SimulatorSetup(path, client, endpoint, client_created, endpoint_created, write)


def _client_id_in(path: Path) -> str | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("client_id")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def _write_private(path: Path, config: dict[str, Any]) -> None:
    """Write the file readable by its owner only (it holds a client secret), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(config, file, indent=2, ensure_ascii=False)
        file.write("\n")
    os.chmod(partial, 0o600)  # an existing partial file keeps its old mode on open
    os.replace(partial, path)


def _supplier() -> dict[str, str]:
    supplier = settings.DEALERDESK_SUPPLIER
    return {
        "name": supplier.get("legal_name", settings.DEALERDESK_SUPPLIER_NAME),
        "address": supplier.get("address", ""),
        "tax_id": supplier.get("tax_id", ""),
        "iban": supplier.get("iban", ""),
        "email": supplier.get("email", ""),
    }


def _sample() -> dict[str, Any]:
    """Products with prices and stock (by ERP id, else SKU), warehouses, price types."""
    products = list(
        Product.objects.filter(is_active=True, prices__isnull=False, stock_levels__isnull=False)
        .distinct()
        .order_by("pk")
        .values("pk", "external_id", "sku", "name")[:SAMPLE_SIZE]
    )
    ids = [product["pk"] for product in products]
    prices: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    # Oldest first: the price in force (the latest start) is the one left in the dict.
    for product_id, code, amount in (
        Price.objects.filter(product_id__in=ids)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=timezone.localdate()))
        .order_by(F("valid_from").asc(nulls_first=True))
        .values_list("product_id", "price_type__code", "amount")
    ):
        prices[product_id][code] = amount
    stock: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    for product_id, code, on_hand in StockLevel.objects.filter(
        product_id__in=ids, warehouse__is_active=True
    ).values_list("product_id", "warehouse__code", "on_hand"):
        stock[product_id][code] = on_hand
    return {
        "warehouses": [
            {"code": code, "id": pk}
            for pk, code in Warehouse.objects.filter(is_active=True)
            .order_by("sort_order", "code")
            .values_list("pk", "code")
        ],
        "price_types": list(PriceType.objects.order_by("code").values_list("code", flat=True)),
        "products": [
            {
                **({"product": p["external_id"]} if p["external_id"] else {}),
                "sku": p["sku"],
                "name": p["name"],
                "prices": {code: str(amount) for code, amount in prices[p["pk"]].items()},
                "stock": {code: _plain(level) for code, level in stock[p["pk"]].items()},
            }
            for p in products
        ],
    }


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
