"""The simulator's configuration: where the portal is, its credentials, what it may change.

``dealerdesk seed-demo`` writes it (``var/erp-sim.json``); a person can edit it. Every
problem is reported with the key it concerns, so a broken file is fixed in one go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook


class ConfigError(ValueError):
    """The configuration file is missing, unreadable, or says something impossible."""


@dataclass(frozen=True)
class Pace:
    """Seconds, at speed 1, from receiving an order to each step of its life in the ERP, and
    between two rounds of price and stock changes."""

    accept: float = 3.0
    invoice: float = 20.0
    ship: float = 45.0
    deliver: float = 90.0
    market: float = 30.0

    def faster(self, speed: float) -> Pace:
        return Pace(
            accept=self.accept / speed,
            invoice=self.invoice / speed,
            ship=self.ship / speed,
            deliver=self.deliver / speed,
            market=self.market / speed,
        )


@dataclass(frozen=True)
class Warehouse:
    code: str
    portal_id: int | None = None  # order lines name the portal's warehouse id


@dataclass(frozen=True)
class Product:
    """A product the ERP may reprice and restock: its ERP id and/or SKU, and the levels it
    starts from (price per price type code, on hand per warehouse code)."""

    external_id: str | None
    sku: str | None
    name: str = ""
    prices: dict[str, Decimal] = field(default_factory=dict)
    stock: dict[str, Decimal] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.external_id or self.sku or ""

    def reference(self) -> dict[str, str]:
        """How a sync row names this product: by ERP id when it has one, else by SKU."""
        if self.external_id:
            return {"product": self.external_id}
        return {"sku": self.sku or ""}


@dataclass(frozen=True)
class Supplier:
    """Who issues the invoices."""

    name: str = "Northwind Building Supply GmbH"
    address: str = ""
    tax_id: str = ""
    iban: str = ""
    email: str = ""


@dataclass(frozen=True)
class SimConfig:
    portal_url: str
    client_id: str
    client_secret: str
    webhook_secret: str
    listen_host: str = "127.0.0.1"
    listen_port: int = 8001
    speed: float = 1.0
    pace: Pace = field(default_factory=Pace)
    supplier: Supplier = field(default_factory=Supplier)
    warehouses: tuple[Warehouse, ...] = ()
    price_types: tuple[str, ...] = ()
    products: tuple[Product, ...] = ()
    changes_per_round: int = 3
    books: Path | None = None  # where the state is kept across restarts; None: memory only

    @property
    def timing(self) -> Pace:
        """The pace at the configured speed."""
        return self.pace.faster(self.speed)

    def with_overrides(
        self, *, listen: str | None = None, speed: float | None = None, portal: str | None = None
    ) -> SimConfig:
        """The command line wins over the file."""
        changed = self
        if portal is not None:
            if not portal.startswith(("http://", "https://")):
                raise ConfigError("--portal must start with http:// or https://.")
            changed = replace(changed, portal_url=portal.rstrip("/"))
        if listen is not None:
            host, port = parse_listen(listen, "--listen")
            changed = replace(changed, listen_host=host, listen_port=port)
        if speed is not None:
            if not speed > 0:
                raise ConfigError("--speed must be a number above 0.")
            changed = replace(changed, speed=speed)
        return changed


def load(path: Path) -> SimConfig:
    """Read and check a configuration file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        config = parse(raw)
    except FileNotFoundError as error:
        raise ConfigError(
            f"{path} does not exist. `dealerdesk seed-demo` writes it for the demo."
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} cannot be read: {error}") from error
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from error
    if config.books is not None and not config.books.is_absolute():
        config = replace(config, books=path.parent / config.books)
    return config


def parse(raw: Any) -> SimConfig:
    if not isinstance(raw, dict):
        raise ConfigError("The configuration must be a JSON object.")
    problems: list[str] = []

    def text(key: str, *, required: bool = True, default: str = "") -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or (required and not value.strip()):
            problems.append(f"{key}: a non-empty string is required.")
            return default
        return value.strip()

    portal_url = text("portal_url").rstrip("/")
    if portal_url and not portal_url.startswith(("http://", "https://")):
        problems.append("portal_url: must start with http:// or https://.")
    client_id = text("client_id")
    client_secret = text("client_secret")
    webhook_secret = text("webhook_secret")
    if webhook_secret:
        try:
            Webhook(webhook_secret)
        except (ValueError, EmptyWebhookSecretError):  # binascii.Error is a ValueError
            problems.append("webhook_secret: whsec_ and base64 is required (Standard Webhooks).")
    host, port = "127.0.0.1", 8001
    try:
        host, port = parse_listen(raw.get("listen", "127.0.0.1:8001"), "listen")
    except ConfigError as error:
        problems.append(str(error))
    speed = raw.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not speed > 0:
        problems.append("speed: a number above 0 is required.")
        speed = 1
    changes = raw.get("changes_per_round", 3)
    if isinstance(changes, bool) or not isinstance(changes, int) or changes < 0:
        problems.append("changes_per_round: a whole number, 0 or more, is required.")
        changes = 3
    pace = _pace(raw.get("pace", {}), problems)
    supplier = _supplier(raw.get("supplier", {}), problems)
    warehouses = _warehouses(raw.get("warehouses", []), problems)
    price_types = raw.get("price_types", [])
    if not isinstance(price_types, list) or not all(
        isinstance(code, str) and code for code in price_types
    ):
        problems.append("price_types: a list of price type codes is required.")
        price_types = []
    products = _products(raw.get("products", []), problems)
    books = raw.get("books")
    if books is not None and (not isinstance(books, str) or not books.strip()):
        problems.append("books: a file path (relative to this file) or null is required.")
        books = None
    if problems:
        raise ConfigError("The configuration has problems:\n  " + "\n  ".join(problems))
    return SimConfig(
        portal_url=portal_url,
        client_id=client_id,
        client_secret=client_secret,
        webhook_secret=webhook_secret,
        listen_host=host,
        listen_port=port,
        speed=float(speed),
        pace=pace,
        supplier=supplier,
        warehouses=warehouses,
        price_types=tuple(price_types),
        products=products,
        changes_per_round=changes,
        books=Path(books) if books else None,
    )


def parse_listen(value: Any, key: str) -> tuple[str, int]:
    """``host:port`` → (host, port)."""
    if not isinstance(value, str) or ":" not in value:
        raise ConfigError(f"{key}: host:port is required, e.g. 127.0.0.1:8001.")
    host, _, port_text = value.rpartition(":")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"{key}: {port_text!r} is not a port number.")
    return host.strip("[]") or "127.0.0.1", int(port_text)


def _pace(raw: Any, problems: list[str]) -> Pace:
    if not isinstance(raw, dict):
        problems.append("pace: an object of seconds per step is required.")
        return Pace()
    defaults = Pace()
    values: dict[str, float] = {}
    for key in ("accept", "invoice", "ship", "deliver", "market"):
        value = raw.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"pace.{key}: seconds, 0 or more, are required.")
            continue
        values[key] = float(value)
    unknown = sorted(set(raw) - {"accept", "invoice", "ship", "deliver", "market"})
    if unknown:
        problems.append(f"pace: unknown step {', '.join(unknown)}.")
    return replace(defaults, **values)


def _supplier(raw: Any, problems: list[str]) -> Supplier:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        problems.append("supplier: an object of strings is required.")
        return Supplier()
    known = {"name", "address", "tax_id", "iban", "email"}
    return Supplier(**{key: value for key, value in raw.items() if key in known})


def _warehouses(raw: Any, problems: list[str]) -> tuple[Warehouse, ...]:
    if not isinstance(raw, list):
        problems.append("warehouses: a list is required.")
        return ()
    found = []
    for index, item in enumerate(raw):
        if isinstance(item, str) and item:
            found.append(Warehouse(item))
        elif isinstance(item, dict) and isinstance(item.get("code"), str) and item["code"]:
            portal_id = item.get("id")
            if portal_id is not None and (
                isinstance(portal_id, bool) or not isinstance(portal_id, int)
            ):
                problems.append(f"warehouses[{index}].id: a whole number is required.")
                continue
            found.append(Warehouse(item["code"], portal_id))
        else:
            problems.append(f"warehouses[{index}]: a code, or an object with a code, is required.")
    return tuple(found)


def _products(raw: Any, problems: list[str]) -> tuple[Product, ...]:
    if not isinstance(raw, list):
        problems.append("products: a list is required.")
        return ()
    found = []
    for index, item in enumerate(raw):
        where = f"products[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: an object is required.")
            continue
        external_id, sku = item.get("product"), item.get("sku")
        if not (isinstance(external_id, str) and external_id) and not (
            isinstance(sku, str) and sku
        ):
            problems.append(f"{where}: a product (ERP id) or an sku is required.")
            continue
        found.append(
            Product(
                external_id=external_id or None,
                sku=sku or None,
                name=str(item.get("name", "")),
                prices=_amounts(item.get("prices", {}), f"{where}.prices", problems),
                stock=_amounts(item.get("stock", {}), f"{where}.stock", problems),
            )
        )
    return tuple(found)


def _amounts(raw: Any, where: str, problems: list[str]) -> dict[str, Decimal]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an object of code → amount is required.")
        return {}
    amounts = {}
    for code, value in raw.items():
        try:
            amount = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            problems.append(f"{where}.{code}: {value!r} is not an amount, 0 or more.")
            continue
        amounts[code] = amount
    return amounts
