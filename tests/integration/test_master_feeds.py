"""The master-data feeds through the inbound pipeline (message id, row schema, domain
service, per-row results): odd input is answered row by row, never with an exception."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from dealerdesk.accounts.models import Company
from dealerdesk.catalog.models import Category, Product
from dealerdesk.core.models import AuditEntry
from dealerdesk.integration.choices import InboundStatus, Scope
from dealerdesk.integration.inbound import feeds
from dealerdesk.integration.inbound.master_feeds import MASTER_FEEDS
from dealerdesk.integration.inbound.process import answer
from dealerdesk.integration.inbound.receive import receive
from dealerdesk.integration.models.monitor import SyncCategoryCode
from dealerdesk.inventory.models import Warehouse
from dealerdesk.pricing.models import Contract, PriceType
from tests import factories as f

pytestmark = pytest.mark.django_db

BY_NAME = {feed.name: feed for feed in MASTER_FEEDS}


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The master feeds in the registry the pipeline reads (as the app registers them)."""
    for feed in MASTER_FEEDS:
        monkeypatch.setitem(feeds.FEEDS, feed.name, feed)


def send(erp, feed: str, rows: list[Any], message_id: str = "m-1", atomic: bool = False):  # type: ignore[no-untyped-def]
    body = json.dumps({"rows": rows}).encode()
    message = receive(
        client=erp.client,
        feed=feed,
        body=io.BytesIO(body),
        content_type="application/json",
        content_length=len(body),
        message_id=message_id,
        atomic=atomic,
    )
    return answer(message)


def test_every_feed_names_its_scope_and_monitor_category() -> None:
    assert {name: (feed.scope, feed.category) for name, feed in BY_NAME.items()} == {
        "companies": (Scope.CUSTOMERS_WRITE, SyncCategoryCode.CUSTOMERS),
        "credit": (Scope.CUSTOMERS_WRITE, SyncCategoryCode.CUSTOMERS),
        "contracts": (Scope.CUSTOMERS_WRITE, SyncCategoryCode.CUSTOMERS),
        "price-types": (Scope.PRICES_WRITE, SyncCategoryCode.PRICES),
        "quantity-breaks": (Scope.PRICES_WRITE, SyncCategoryCode.PRICES),
        "categories": (Scope.CATALOG_WRITE, SyncCategoryCode.PRODUCTS),
        "products": (Scope.CATALOG_WRITE, SyncCategoryCode.PRODUCTS),
        "warehouses": (Scope.STOCK_WRITE, SyncCategoryCode.STOCK),
    }
    for feed in MASTER_FEEDS:
        schema = feed.row.model_json_schema(mode="validation")
        assert "erp_version" in schema["properties"], feed.name


def test_a_company_batch_is_applied_row_by_row_and_a_repeat_applies_once(erp, registered) -> None:  # type: ignore[no-untyped-def]
    f.CustomerGroupFactory(code="WHOLESALE")
    rows = [
        {
            "external_id": "CP-1",
            "name": "Delta Electric",
            "customer_group": "WHOLESALE",
            "credit_limit": "5000.00",
            "erp_version": 1,
        },
        {"external_id": "CP-2", "name": "Echo", "customer_group": "NOPE", "erp_version": 1},
        {"external_id": "CP-3", "name": "Foxtrot", "erp_version": "many"},
    ]

    first = send(erp, "companies", rows)
    again = send(erp, "companies", rows)

    assert first["status"] == InboundStatus.DONE
    assert (first["applied"], first["rejected"]) == (1, 2)
    by_row = {row["row"]: row for row in first["rows"]}
    assert by_row[0]["outcome"] == "created"
    assert (by_row[1]["field"], by_row[1]["code"]) == ("customer_group", "unknown_customer_group")
    assert by_row[2]["field"] == "erp_version"
    assert again["rows"] == first["rows"]
    assert AuditEntry.objects.filter(object_type="accounts.company").count() == 1
    assert Company.objects.get(external_id="CP-1").credit_limit == 5000


def test_a_partial_company_row_deactivates_without_touching_the_rest(erp, registered) -> None:  # type: ignore[no-untyped-def]
    f.CompanyFactory(external_id="CP-1", name="Delta", phone="+1", erp_version=1)

    result = send(
        erp,
        "companies",
        [{"external_id": "CP-1", "name": "Delta", "active": False, "erp_version": 2}],
    )

    assert result["rows"][0]["outcome"] == "deactivated"
    stored = Company.objects.get(external_id="CP-1")
    assert (stored.is_blocked, stored.phone) == (True, "+1")


@pytest.mark.parametrize(
    ("feed", "row", "field"),
    [
        ("companies", {"external_id": "CP-9", "name": "Nul\x00"}, "name"),
        ("products", {"external_id": "P", "barcodes": ["40063813\x0033931"]}, "barcodes.0"),
        ("companies", {"external_id": "CP-9", "name": "n" * 201}, "name"),
        ("companies", {"external_id": "CP-9", "name": ["list"]}, "name"),
        (
            "companies",
            {"external_id": "CP-9", "name": "A", "credit_limit": "1e400"},
            "credit_limit",
        ),
        ("credit", {"company": "CP-9", "balance": "1", "currency": "EUR"}, "credit_limit"),
        ("categories", {"external_id": "C", "name": "C", "sort_order": -1}, "sort_order"),
        (
            "products",
            {"external_id": "P", "images": [{"url": "file:///etc/passwd"}]},
            "images.0.url",
        ),
        ("products", {"external_id": "P", "barcodes": "4006381333931"}, "barcodes"),
        ("products", {"external_id": "P", "unit": "parsec"}, "unit"),
        (
            "quantity-breaks",
            {"product": "P", "breaks": [{"min_quantity": 0, "discount_percent": 1}]},
            "breaks.0.min_quantity",
        ),
        (
            "quantity-breaks",
            {"product": "P", "breaks": [], "company": "C", "customer_group": "G"},
            "company",
        ),
        (
            "warehouses",
            {"external_id": "W", "code": "W", "name": "W", "lead_time_days": 10**6},
            "lead_time_days",
        ),
        (
            "contracts",
            {"external_id": "K", "company": "C", "name": "K", "vat_regime": "x"},
            "vat_regime",
        ),
        (
            "price-types",
            {"external_id": "T", "code": "T", "name": "T", "currency": "EURO"},
            "currency",
        ),
    ],
)
def test_odd_input_is_rejected_on_its_row_with_the_field(erp, registered, feed, row, field) -> None:  # type: ignore[no-untyped-def]
    result = send(erp, feed, [{**row, "erp_version": row.get("erp_version", 1)}])

    assert result["status"] == InboundStatus.DONE
    [rejected] = result["rows"]
    assert (rejected["status"], rejected["field"]) == ("rejected", field)


def test_categories_and_products_arrive_in_any_order_and_cycles_are_rejected(
    erp, registered
) -> None:  # type: ignore[no-untyped-def]
    categories = send(
        erp,
        "categories",
        [
            {"external_id": "C2", "name": "Power cables", "parent": "C1", "erp_version": 1},
            {"external_id": "C1", "name": "Cables", "erp_version": 1},
            {"external_id": "L1", "name": "Loop 1", "parent": "L2", "erp_version": 1},
            {"external_id": "L2", "name": "Loop 2", "parent": "L1", "erp_version": 1},
        ],
    )
    products = send(
        erp,
        "products",
        [
            {
                "external_id": "P-1",
                "sku": "CAB-1",
                "name": "Cable",
                "category": "C2",
                "brand": "Acme",
                "barcodes": ["4006381333931"],
                "erp_version": 1,
            },
            {
                "external_id": "P-2",
                "sku": "CAB-2",
                "name": "Cable",
                "category": "L1",
                "erp_version": 1,
            },
            {"external_id": "P-3", "name": "No SKU", "category": "C1", "erp_version": 1},
        ],
        message_id="m-2",
    )

    assert [row["outcome"] for row in categories["rows"]] == [
        "created",
        "created",
        "rejected",
        "rejected",
    ]
    assert {row.get("code") for row in categories["rows"][2:]} == {"category_cycle"}
    assert [(row["outcome"], row.get("code")) for row in products["rows"]] == [
        ("created", None),
        ("rejected", "unknown_category"),
        ("rejected", "required"),
    ]
    assert Product.objects.get(external_id="P-1").category == Category.objects.get(external_id="C2")


def test_an_all_or_nothing_batch_with_a_bad_row_applies_nothing(erp, registered) -> None:  # type: ignore[no-untyped-def]
    f.CompanyFactory(external_id="CP-1")

    result = send(
        erp,
        "contracts",
        [
            {"external_id": "K-1", "company": "CP-1", "name": "Prepayment", "erp_version": 1},
            {"external_id": "K-2", "company": "CP-404", "name": "Deferment", "erp_version": 1},
        ],
        atomic=True,
    )

    assert result["applied"] == 0
    assert not Contract.objects.exists()


def test_price_types_warehouses_credit_and_breaks_through_the_pipeline(erp, registered) -> None:  # type: ignore[no-untyped-def]
    f.CompanyFactory(external_id="CP-1", erp_version=1)
    f.ProductFactory(external_id="P-1")

    outcomes = [
        send(erp, feed, rows, message_id=f"m-{feed}")["rows"][0]["outcome"]
        for feed, rows in (
            (
                "price-types",
                [
                    {
                        "external_id": "PT-1",
                        "code": "W",
                        "name": "Wholesale",
                        "currency": "eur",
                        "is_base": True,
                        "erp_changed_at": "2026-12-01T10:00:00+00:00",
                    }
                ],
            ),
            (
                "warehouses",
                [{"external_id": "WH-1", "code": "C", "name": "Central", "erp_version": 1}],
            ),
            (
                "credit",
                [
                    {
                        "company": "CP-1",
                        "credit_limit": None,
                        "balance": "12.50",
                        "currency": "EUR",
                        "erp_version": 2,
                    }
                ],
            ),
            (
                "quantity-breaks",
                [
                    {
                        "product": "P-1",
                        "company": "CP-1",
                        "breaks": [{"min_quantity": "10", "discount_percent": "2.5"}],
                        "erp_version": 1,
                    }
                ],
            ),
        )
    ]

    assert outcomes == ["created", "created", "updated", "created"]
    assert PriceType.objects.get(external_id="PT-1").currency == "EUR"
    assert Warehouse.objects.filter(external_id="WH-1").exists()
    assert Company.objects.get(external_id="CP-1").credit_limit is None
