"""Warehouses and stock in the back office: admins keep them through the inventory services
(ledger and audit), managers read, and the ledger is read-only for everyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from dealerdesk.core.models import AuditAction, AuditEntry
from dealerdesk.inventory.choices import StockMovementKind
from dealerdesk.inventory.models import (
    DefaultWarehouse,
    IncomingStock,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseAccess,
)
from dealerdesk.inventory.services import set_stock_level
from tests import factories as f
from tests.backoffice.conftest import bo, change_form_data, form_errors
from tests.conftest import World

D = Decimal


@dataclass
class Stock:
    central: Warehouse
    north: Warehouse
    level: StockLevel
    other_level: StockLevel
    movement: StockMovement
    default: DefaultWarehouse


@pytest.fixture
def stock(world: World) -> Stock:
    central = f.WarehouseFactory(code="CEN", name="Central", open_to_all=True)
    north = f.WarehouseFactory(code="NOR", name="North")
    f.WarehouseAccessFactory(warehouse=north, company=world.company_a)
    f.WarehouseAccessFactory(warehouse=north, company=world.company_b)
    level = set_stock_level(
        world.product_a, central, on_hand=D("40"), reserved=D("5"), safety_stock=D("2")
    ).stock_level
    other = set_stock_level(world.product_b, north, on_hand=D("3")).stock_level
    default = DefaultWarehouse.objects.create(company=world.company_a, warehouse=north)
    return Stock(
        central=central,
        north=north,
        level=level,
        other_level=other,
        movement=StockMovement.objects.order_by("id").first(),  # type: ignore[arg-type]
        default=default,
    )


INVENTORY_MODELS = ("warehouse", "defaultwarehouse", "stocklevel", "stockmovement")


def _objects(stock: Stock) -> dict[str, object]:
    return {
        "warehouse": stock.central,
        "defaultwarehouse": stock.default,
        "stocklevel": stock.level,
        "stockmovement": stock.movement,
    }


def test_every_inventory_page_answers_for_the_admin(stock: Stock, admin_client: Client) -> None:
    for model, obj in _objects(stock).items():
        changelist = bo(f"inventory_{model}_changelist")
        assert admin_client.get(changelist).status_code == 200, model
        assert admin_client.get(changelist, {"q": "a"}).status_code == 200, model
        add = admin_client.get(bo(f"inventory_{model}_add"))
        assert add.status_code == (403 if model == "stockmovement" else 200), model
        change = admin_client.get(bo(f"inventory_{model}_change", obj.pk))  # type: ignore[attr-defined]
        assert change.status_code == 200, model


def test_the_stock_list_shows_what_is_available(stock: Stock, admin_client: Client) -> None:
    response = admin_client.get(
        bo("inventory_stocklevel_changelist"),
        {"warehouse__id__exact": stock.central.pk, "o": "7"},
    )

    rows = list(response.context["cl"].result_list)
    assert rows == [stock.level]
    assert rows[0].available_quantity == D("33")  # 40 on hand - 5 reserved - 2 safety stock
    assert "33" in response.content.decode()


def test_editing_stock_writes_a_ledger_row_and_an_audit_entry(
    world: World, stock: Stock, admin_client: Client
) -> None:
    url = bo("inventory_stocklevel_change", stock.level.pk)
    page = admin_client.get(url)
    form = page.context["adminform"].form
    assert "reserved" not in form.fields  # reservations own it
    data = change_form_data(page)
    data.update(on_hand="55", safety_stock="4", incoming="20 2030-07-01\n5")
    movements = StockMovement.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    stock.level.refresh_from_db()
    assert (stock.level.on_hand, stock.level.reserved, stock.level.safety_stock) == (
        D("55"),
        D("5"),
        D("4"),
    )
    assert StockMovement.objects.count() == movements + 1
    movement = StockMovement.objects.order_by("-id").first()
    assert movement is not None
    assert movement.kind == StockMovementKind.ADJUSTMENT
    assert (movement.on_hand_delta, movement.on_hand_after) == (D("15"), D("55"))
    assert movement.actor == world.admin.user
    assert movement.source == "back office"
    [entry] = AuditEntry.objects.filter(
        object_type="inventory.stocklevel", object_id=str(stock.level.pk), actor=world.admin.user
    )
    assert entry.action == AuditAction.UPDATE
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["on_hand"] == "40.000"
    assert entry.after["on_hand"] == "55.000"
    assert entry.after["incoming"] == [["2030-07-01", "20"], [None, "5"]]
    assert {(i.quantity, i.expected_date) for i in IncomingStock.objects.all()} == {
        (D("20"), dt.date(2030, 7, 1)),
        (D("5"), None),
    }
    shown = admin_client.get(url).context["adminform"].form["incoming"].value()
    assert shown == "20 2030-07-01\n5"


def test_saving_stock_unchanged_writes_nothing(stock: Stock, admin_client: Client) -> None:
    url = bo("inventory_stocklevel_change", stock.level.pk)
    data = change_form_data(admin_client.get(url))
    movements, entries = StockMovement.objects.count(), AuditEntry.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert StockMovement.objects.count() == movements
    assert AuditEntry.objects.count() == entries


def test_adding_stock_goes_through_the_service(
    world: World, stock: Stock, admin_client: Client
) -> None:
    response = admin_client.post(
        bo("inventory_stocklevel_add"),
        {
            "product": world.product_a_child.pk,
            "warehouse": stock.north.pk,
            "on_hand": "12",
            "safety_stock": "0",
            "incoming": "",
        },
    )

    assert response.status_code == 302, form_errors(response)
    level = StockLevel.objects.get(product=world.product_a_child, warehouse=stock.north)
    assert level.on_hand == D("12")
    assert StockMovement.objects.filter(product=world.product_a_child, on_hand_delta=12).exists()
    entry = AuditEntry.objects.get(object_type="inventory.stocklevel", object_id=str(level.pk))
    assert entry.action == AuditAction.CREATE


def test_a_second_level_for_the_same_product_and_warehouse_is_refused(
    world: World, stock: Stock, admin_client: Client
) -> None:
    response = admin_client.post(
        bo("inventory_stocklevel_add"),
        {"product": world.product_a.pk, "warehouse": stock.central.pk, "on_hand": "1"},
    )

    assert response.status_code == 200
    assert StockLevel.objects.filter(product=world.product_a).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("on_hand", "-1", "cannot be negative"),
        ("on_hand", "abc", "Enter a number"),
        ("safety_stock", "-2", "cannot be negative"),
        ("incoming", "ten 2030-01-01", "is not a quantity"),
        ("incoming", "10 tomorrow", "is not a date"),
        ("incoming", "0", "more than zero"),
    ],
)
def test_bad_stock_figures_are_form_errors(
    stock: Stock, admin_client: Client, field: str, value: str, message: str
) -> None:
    url = bo("inventory_stocklevel_change", stock.level.pk)
    data = change_form_data(admin_client.get(url))
    data[field] = value
    movements = StockMovement.objects.count()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert message in response.content.decode()
    assert StockMovement.objects.count() == movements
    stock.level.refresh_from_db()
    assert stock.level.on_hand == D("40")


def test_nobody_deletes_stock_or_touches_the_ledger(stock: Stock, admin_client: Client) -> None:
    assert admin_client.post(bo("inventory_stocklevel_delete", stock.level.pk)).status_code == 403
    movement = bo("inventory_stockmovement_change", stock.movement.pk)
    assert not admin_client.get(movement).context["has_change_permission"]
    assert admin_client.post(movement, {"reference": "x"}).status_code == 403
    assert (
        admin_client.post(bo("inventory_stockmovement_delete", stock.movement.pk)).status_code
        == 403
    )
    assert StockLevel.objects.filter(pk=stock.level.pk).exists()


@pytest.mark.parametrize("model", INVENTORY_MODELS)
def test_a_manager_reads_warehouses_and_stock(
    stock: Stock, manager_client: Client, model: str
) -> None:
    obj = _objects(stock)[model]
    assert manager_client.get(bo(f"inventory_{model}_changelist")).status_code == 200
    page = manager_client.get(bo(f"inventory_{model}_change", obj.pk))  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert manager_client.get(bo(f"inventory_{model}_add")).status_code == 403


def test_a_manager_cannot_change_stock_by_post(stock: Stock, manager_client: Client) -> None:
    response = manager_client.post(
        bo("inventory_stocklevel_change", stock.level.pk), {"on_hand": "999"}
    )

    assert response.status_code == 403
    stock.level.refresh_from_db()
    assert stock.level.on_hand == D("40")


def test_a_manager_is_not_told_another_managers_dealers(
    world: World, stock: Stock, manager_client: Client
) -> None:
    DefaultWarehouse.objects.create(company=world.company_b, warehouse=stock.central)

    page = manager_client.get(bo("inventory_warehouse_change", stock.north.pk)).content.decode()
    defaults = manager_client.get(bo("inventory_defaultwarehouse_changelist"))

    assert "Alpha Electric" in page
    assert "Bravo" not in page
    assert list(defaults.context["cl"].result_list) == [stock.default]
    assert "Bravo" not in defaults.content.decode()


def test_an_admin_opens_a_warehouse_to_a_dealer_and_it_is_audited(
    world: World, stock: Stock, admin_client: Client
) -> None:
    url = bo("inventory_warehouse_change", stock.central.pk)
    data = change_form_data(admin_client.get(url))
    index = int(data["access-TOTAL_FORMS"])
    data["access-TOTAL_FORMS"] = str(index + 1)
    data[f"access-{index}-company"] = str(world.company_b.pk)
    data["lead_time_days"] = "3"

    response = admin_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert WarehouseAccess.objects.filter(warehouse=stock.central, company=world.company_b)
    created = AuditEntry.objects.get(
        object_type="inventory.warehouseaccess", action=AuditAction.CREATE
    )
    assert created.company_id == world.company_b.pk
    assert AuditEntry.objects.filter(
        object_type="inventory.warehouse", action=AuditAction.UPDATE
    ).exists()


def test_a_default_warehouse_must_be_open_to_the_dealer(
    world: World, stock: Stock, admin_client: Client
) -> None:
    closed = f.WarehouseFactory(code="CLS", name="Closed")
    url = bo("inventory_defaultwarehouse_change", stock.default.pk)
    data = change_form_data(admin_client.get(url))
    data["warehouse"] = str(closed.pk)

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "may not order from" in refused.content.decode()
    data["warehouse"] = str(stock.central.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    stock.default.refresh_from_db()
    assert stock.default.warehouse == stock.central
    [entry] = AuditEntry.objects.filter(object_type="inventory.defaultwarehouse")
    assert entry.verb == "default warehouse set"
    assert entry.actor == world.admin.user
    assert entry.company_id == world.company_a.pk
