"""Warehouses from the ERP: keyed by ERP id, switched off rather than deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dealerdesk.core.models import AuditEntry
from dealerdesk.core.sync import ErpStamp, Outcome
from dealerdesk.inventory.events import WAREHOUSES
from dealerdesk.inventory.models import StockLevel, Warehouse
from dealerdesk.inventory.sync_warehouses import WarehouseChange, upsert_warehouses
from tests import factories as f

pytestmark = pytest.mark.django_db

SOURCE = "ERP message m-1"


def warehouse(external_id: str = "WH-1", version: int = 1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("code", "C")
    kw.setdefault("name", "Central")
    return WarehouseChange(external_id=external_id, stamp=ErpStamp(version), **kw)


def test_a_warehouse_is_created_updated_unchanged_and_stale() -> None:
    north = f.RegionFactory(code="NORTH")
    token = WAREHOUSES.token()

    results = upsert_warehouses(
        [
            warehouse(region="NORTH", lead_time_days=2, open_to_all=True, address="Dock 4"),
            warehouse(version=3, region="NORTH", lead_time_days=3, open_to_all=True),
            warehouse(version=4, region="NORTH", lead_time_days=3, open_to_all=True),
            warehouse(version=2, name="Older"),
        ],
        source=SOURCE,
    )

    assert [r.outcome for r in results] == [
        Outcome.CREATED,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
        Outcome.STALE,
    ]
    stored = Warehouse.objects.get(external_id="WH-1")
    assert (stored.region, stored.lead_time_days, stored.address) == (north, 3, "")
    assert stored.erp_version == 4
    assert WAREHOUSES.token() != token
    assert AuditEntry.objects.filter(object_type="inventory.warehouse").count() == 2


def test_a_warehouse_held_by_code_without_an_erp_id_is_adopted() -> None:
    depot = Warehouse.objects.create(code="C", name="Central")

    [result] = upsert_warehouses([warehouse(name="Central depot")], source=SOURCE)

    depot.refresh_from_db()
    assert result.outcome == Outcome.UPDATED
    assert (depot.external_id, depot.name) == ("WH-1", "Central depot")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"region": "MARS"}, "region", "unknown_region"),
        ({"code": "TAKEN"}, "code", "code_taken"),
        ({"name": "n" * 151}, "name", "max_length"),
        ({"code": ""}, "code", "blank"),
    ],
)
def test_a_bad_warehouse_row_is_rejected(change, field, code) -> None:  # type: ignore[no-untyped-def]
    Warehouse.objects.create(code="TAKEN", name="Other", external_id="WH-OTHER")

    [result] = upsert_warehouses([warehouse(**change)], source=SOURCE)

    assert (result.outcome, result.field, result.code) == (Outcome.REJECTED, field, code)
    assert not Warehouse.objects.filter(external_id="WH-1").exists()


def test_deactivation_keeps_the_warehouse_and_its_stock() -> None:
    upsert_warehouses([warehouse()], source=SOURCE)
    depot = Warehouse.objects.get(external_id="WH-1")
    StockLevel.objects.create(product=f.ProductFactory(), warehouse=depot, on_hand=Decimal(5))

    [result] = upsert_warehouses([warehouse(version=2, active=False)], source=SOURCE)

    depot.refresh_from_db()
    assert result.outcome == Outcome.DEACTIVATED
    assert not depot.is_active
    assert StockLevel.objects.filter(warehouse=depot).count() == 1
