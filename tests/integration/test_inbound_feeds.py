"""Each inbound feed end to end: customer prices, stock levels, stock deltas, order statuses;
and replaying a stored message."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile

from dealerdesk.core.models import AuditEntry
from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.inbound.process import replay
from dealerdesk.integration.models import InboundMessage
from dealerdesk.inventory.models import StockLevel
from dealerdesk.ordering.choices import OrderStatus
from dealerdesk.ordering.services import OrderLineRequest, place_order
from dealerdesk.pricing.models import CustomerPrice


def send(machine: Any, feed: str, rows: list[dict[str, Any]], key: str = "m-1") -> Any:
    return machine.post(f"/api/v1/sync/{feed}", {"rows": rows}, HTTP_IDEMPOTENCY_KEY=key)


def on_hand(world: Any, shop: Any) -> Decimal:
    return StockLevel.objects.get(product=world.product_a, warehouse=shop.depot).on_hand


def test_customer_prices_feed(erp, shop, world):  # type: ignore[no-untyped-def]
    row = {
        "external_id": "CP-1",
        "company": world.company_a.external_id,
        "sku": "CAB-001",
        "currency": "EUR",
        "amount": "99.90",
        "erp_version": 1,
    }

    response = send(erp, "customer-prices", [row, row | {"external_id": "CP-2", "company": "?"}])

    body = response.json()
    assert response.status_code == 200, body
    assert [(r["outcome"], r.get("code")) for r in body["rows"]] == [
        ("created", None),
        ("rejected", "unknown_company"),
    ]
    price = CustomerPrice.objects.get(external_id="CP-1")
    assert (price.company, price.amount) == (world.company_a, Decimal("99.90"))


def test_stock_levels_and_deltas_feeds(machine_for, shop, world):  # type: ignore[no-untyped-def]
    wms = machine_for("stock:write")
    level = {"sku": "CAB-001", "warehouse": shop.depot.code, "on_hand": "25", "erp_version": 4}

    levels = send(wms, "stock", [level, level | {"warehouse": "NOWHERE"}], key="s-1")
    deltas = send(
        wms,
        "stock-deltas",
        [
            {"sku": "CAB-001", "warehouse": shop.depot.code, "delta": "-5", "erp_version": 5},
            {"sku": "CAB-001", "warehouse": shop.depot.code, "delta": "7", "erp_version": 3},
        ],
        key="d-1",
    )

    assert [r["outcome"] for r in levels.json()["rows"]] == ["updated", "rejected"]
    assert levels.json()["rows"][1]["field"] == "warehouse"
    assert [r["outcome"] for r in deltas.json()["rows"]] == ["updated", "stale"]
    assert on_hand(world, shop) == Decimal("20")


def test_a_stock_row_with_a_bad_quantity_names_its_field(erp, shop):  # type: ignore[no-untyped-def]
    response = send(
        erp,
        "stock",
        [{"sku": "CAB-001", "warehouse": shop.depot.code, "on_hand": [], "erp_version": 1}],
    )

    row = response.json()["rows"][0]
    assert (row["row"], row["status"], row["field"]) == (0, "rejected", "on_hand")


def test_order_statuses_feed(erp, shop, world):  # type: ignore[no-untyped-def]
    order = place_order(
        world.company_a,
        world.buyer_a.user,
        [OrderLineRequest(world.product_a.pk, Decimal(2))],
        submission_key="feed-test-0001",
    ).order

    response = send(
        erp,
        "order-statuses",
        [
            {"order": order.number, "status": "accepted", "erp_version": 2},
            {"order": order.number, "status": "placed-ish", "erp_version": 3},
            {"status": "accepted", "erp_version": 4},
        ],
    )

    body = response.json()
    assert [(r["status"], r.get("field")) for r in body["rows"]] == [
        ("applied", None),
        ("rejected", "status"),
        ("rejected", "order"),
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED


@pytest.mark.parametrize(
    ("feed", "scope"),
    [
        ("stock", "prices:write"),
        ("order-statuses", "stock:write"),
        ("customer-prices", "orders:write"),
    ],
)
def test_each_feed_needs_its_scope(machine_for, feed, scope):  # type: ignore[no-untyped-def]
    response = send(machine_for(scope), feed, [])

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


def test_replay_applies_the_stored_body_again_as_a_new_message(  # type: ignore[no-untyped-def]
    erp, shop, world, django_capture_on_commit_callbacks
):
    world.product_a.external_id = "P-A"
    world.product_a.save()
    rows = [{"product": "P-A", "price_type": "W", "amount": "42", "erp_version": 9}]
    send(erp, "prices", rows, key="orig")
    first = InboundMessage.objects.get(message_id="orig")

    with django_capture_on_commit_callbacks(execute=True):
        again = replay(first, world.admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        third = replay(again, world.admin.user)

    again.refresh_from_db()
    assert (again.message_id, again.replay_of, again.status) == (
        "orig:replay:1",
        first,
        InboundStatus.DONE,
    )
    assert third.message_id == "orig:replay:2"
    assert again.body.name == first.body.name
    assert [row["outcome"] for row in again.result["rows"]] == ["stale"]  # already applied
    assert AuditEntry.objects.filter(verb="replayed", actor=world.admin.user).count() == 2


def test_a_stored_malformed_body_fails_its_replay_with_the_reason(  # type: ignore[no-untyped-def]
    erp, world, django_capture_on_commit_callbacks
):
    broken = InboundMessage.objects.create(
        client=erp.client,
        message_id="broken",
        feed="prices",
        category="prices",
        content_type="application/json",
        status=InboundStatus.FAILED,
        body=ContentFile(json.dumps({"no": "rows"}).encode(), name="broken.json"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        again = replay(broken, world.admin.user)

    again.refresh_from_db()
    assert again.status == InboundStatus.FAILED
    assert "rows" in again.error
