"""Cached reads go stale the moment what they were read from changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerdesk.core.cache import Generation
from dealerdesk.inventory.models import StockLevel, Warehouse, WarehouseAccess
from dealerdesk.pricing.choices import PromotionKind
from dealerdesk.pricing.models import Contract, CustomerPrice, Price, PriceType, Promotion
from tests import factories as f
from tests.portal.pages import listed_skus

pytestmark = pytest.mark.django_db


def test_a_generation_keeps_a_value_until_invalidated(db, django_capture_on_commit_callbacks):
    family = Generation("test-family")
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert family.get_or_set(("a",), read) == 1
    assert family.get_or_set(("a",), read) == 1  # cached
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        family.invalidate()
    assert len(callbacks) == 1  # and once more when the change commits
    assert family.get_or_set(("a",), read) == 2


def test_keys_of_typed_text_are_safe_for_any_cache(db):
    family = Generation("test-keys")
    key = family.key("counts", "Hammer drill 800W ü\n" * 20)
    assert " " not in key
    assert len(key) < 80


@pytest.fixture
def priced(world):  # type: ignore[no-untyped-def]
    base = PriceType.objects.create(code="W", name="Wholesale", currency="EUR", is_base=True)
    Price.objects.create(product=world.product_a, price_type=base, amount=Decimal("120"))
    Contract.objects.create(company=world.company_a, name="Prepayment", is_default=True)
    return base


def test_a_newly_assigned_category_shows_on_the_next_page(world, client_for):
    client = client_for(world.buyer_a.user)
    assert world.product_b.sku not in listed_skus(client.get("/portal/catalog/"))

    f.CatalogAssignmentFactory(company=world.company_a, category=world.cat_b)

    assert world.product_b.sku in listed_skus(client.get("/portal/catalog/"))


def test_a_switched_off_category_disappears_on_the_next_page(world, client_for):
    client = client_for(world.buyer_a.user)
    assert world.product_a_child.sku in listed_skus(client.get("/portal/catalog/"))

    world.cat_a_child.is_active = False
    world.cat_a_child.save()

    assert world.product_a_child.sku not in listed_skus(client.get("/portal/catalog/"))


def test_a_new_contract_shows_in_the_header_at_once(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    assert "Deferment 45 days" not in client.get("/portal/").content.decode()

    Contract.objects.create(company=world.company_a, name="Deferment 45 days")

    assert "Deferment 45 days" in client.get("/portal/").content.decode()


def test_a_new_promotion_reprices_the_next_page(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    url = f"/portal/products/{world.product_a.pk}/"
    assert "120.00 EUR" in client.get(url).content.decode()

    now = timezone.now()
    Promotion.objects.create(
        name="Spring",
        kind=PromotionKind.PERCENT_OFF,
        value=Decimal(10),
        starts_at=now - dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(days=1),
        product=world.product_a,
    )

    page = client.get(url).content.decode()
    assert "108.00 EUR" in page
    assert "promotion Spring" in page


def test_a_price_change_shows_on_the_next_page(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    url = f"/portal/products/{world.product_a.pk}/"
    client.get(url)

    CustomerPrice.objects.create(
        company=world.company_a, product=world.product_a, amount=Decimal("99.50")
    )

    assert "99.50 EUR" in client.get(url).content.decode()


def test_a_newly_opened_warehouse_shows_on_the_next_page(world, client_for, priced):
    client = client_for(world.buyer_a.user)
    url = f"/portal/products/{world.product_a.pk}/"
    north = Warehouse.objects.create(code="N", name="North depot")
    StockLevel.objects.create(product=world.product_a, warehouse=north, on_hand=Decimal(7))
    assert "North depot" not in client.get(url).content.decode()

    WarehouseAccess.objects.create(warehouse=north, company=world.company_a)

    assert "North depot" in client.get(url).content.decode()


def test_a_new_barcode_is_found_and_counted_at_once(world, client_for):
    client = client_for(world.buyer_a.user)
    code = "4012345678901"
    assert client.get("/api/v1/catalog/products", {"q": code}).json()["total"] == 0

    f.BarcodeFactory(product=world.product_a_child, code=code)

    body = client.get("/api/v1/catalog/products", {"q": code}).json()
    assert body["total"] == 1
    assert [item["sku"] for item in body["items"]] == [world.product_a_child.sku]
