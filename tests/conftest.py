"""Shared fixtures: a small world of two dealers with different closed catalogs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from dealerdesk.accounts.choices import MembershipRole, StaffRole
from dealerdesk.accounts.models import Company, Membership, StaffProfile, User
from dealerdesk.catalog.models import Category, Product
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.pricing.models import Contract, Price, PriceType
from tests import factories as f


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Real hashing costs ~0.3 s a user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Parallel workers share one Redis: give each its own key space.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES["default"]["KEY_PREFIX"] = f"dealerdesk-test-{worker}"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Counters (rate limits) and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class World:
    """Dealer A sees category "Cables" (and a subcategory); dealer B sees "Tools" only."""

    admin: StaffProfile
    manager_a: StaffProfile
    manager_b: StaffProfile
    company_a: Company
    company_b: Company
    owner_a: Membership
    buyer_a: Membership
    buyer_b: Membership
    cat_a: Category
    cat_a_child: Category
    cat_b: Category
    product_a: Product
    product_a_child: Product
    product_b: Product


@pytest.fixture
def world(db: None) -> World:
    admin = f.StaffFactory(role=StaffRole.ADMIN, user__email="admin@supplier.test")
    admin.user.is_superuser = True
    admin.user.save()
    manager_a = f.StaffFactory(user__email="manager.a@supplier.test")
    manager_b = f.StaffFactory(user__email="manager.b@supplier.test")
    company_a = f.CompanyFactory(name="Alpha Electric", personal_manager=manager_a)
    company_b = f.CompanyFactory(name="Bravo Tools", personal_manager=manager_b)
    cat_a = f.CategoryFactory(name="Cables")
    cat_a_child = f.CategoryFactory(name="Power cables", parent=cat_a)
    cat_b = f.CategoryFactory(name="Tools")
    product_a = f.ProductFactory(name="Cable NYM 3x1.5", sku="CAB-001", category=cat_a)
    product_a_child = f.ProductFactory(name="Cable NYY 5x10", sku="CAB-002", category=cat_a_child)
    product_b = f.ProductFactory(name="Hammer drill 800W", sku="TOOL-001", category=cat_b)
    f.BarcodeFactory(product=product_a, code="4006381333931")
    f.BarcodeFactory(product=product_b, code="5901234123457")
    f.CatalogAssignmentFactory(customer_group=company_a.customer_group, category=cat_a)
    f.CatalogAssignmentFactory(company=company_b, category=cat_b)
    return World(
        admin=admin,
        manager_a=manager_a,
        manager_b=manager_b,
        company_a=company_a,
        company_b=company_b,
        owner_a=f.MembershipFactory(
            company=company_a, role=MembershipRole.OWNER, user__email="owner@alpha.test"
        ),
        buyer_a=f.MembershipFactory(company=company_a, user__email="buyer@alpha.test"),
        buyer_b=f.MembershipFactory(company=company_b, user__email="buyer@bravo.test"),
        cat_a=cat_a,
        cat_a_child=cat_a_child,
        cat_b=cat_b,
        product_a=product_a,
        product_a_child=product_a_child,
        product_b=product_b,
    )


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def client_for(client: Client):  # type: ignore[no-untyped-def]
    """Sign the test client in as a given user: ``client_for(world.buyer_a.user)``."""

    def _login(user: User) -> Client:
        return login(client, user)

    return _login


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEALERDESK_ERP_SIM_CONFIG = tmp_path / "erp-sim.json"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    # Tasks (e-mail, webhook delivery, imports) run in the process that enqueues them, so a
    # test sees their effect; tests of the worker start worker processes of their own.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def frozen_now(monkeypatch):  # type: ignore[no-untyped-def]
    """Time stands still for the test: query counts must not change when a minute turns
    (running promotions are read once a minute)."""
    from django.utils import timezone

    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture
def postgres_only() -> None:
    """Races need row locks and concurrent writers: skip on SQLite, which serialises them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and concurrent writers")


@pytest.fixture
def delivery_options(db: None) -> dict[str, Any]:
    """One delivery option per method (a migration adds these; a flushed test database
    may not have them), by method."""
    from dealerdesk.ordering.choices import DeliveryMethod
    from dealerdesk.ordering.models import DeliveryOption

    return {
        method: DeliveryOption.objects.get_or_create(
            method=method, defaults={"name": label, "position": position}
        )[0]
        for position, (method, label) in enumerate(DeliveryMethod.choices)
    }


@dataclass
class Shop:
    """A dealer ready to order: prices, a default contract, a depot with stock."""

    contract: Contract
    depot: Warehouse
    base: PriceType


@pytest.fixture
def shop(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    for product, amount in ((world.product_a, "120"), (world.product_a_child, "80")):
        Price.objects.create(product=product, price_type=base, amount=Decimal(amount))
    contract = Contract.objects.create(
        company=world.company_a, name="Prepayment", is_default=True, payment_terms_days=0
    )
    depot = Warehouse.objects.create(code="C", name="Central", open_to_all=True)
    for product in (world.product_a, world.product_a_child):
        StockLevel.objects.create(product=product, warehouse=depot, on_hand=Decimal(10))
    return Shop(contract=contract, depot=depot, base=base)
