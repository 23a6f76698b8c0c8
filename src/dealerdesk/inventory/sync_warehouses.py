"""Warehouses as the ERP sends them, keyed by the ERP id.

A warehouse the ERP closes is switched off (``active=False``), never deleted: its stock
history and the orders shipped from it stay. Saves go through the ORM, so the warehouse
cache (``inventory.events.WAREHOUSES``) follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from dealerdesk.accounts.models import Region
from dealerdesk.core import batch
from dealerdesk.core.batch import rejection, serialise, snapshot
from dealerdesk.core.models import AuditAction
from dealerdesk.core.sync import ErpStamp, Outcome, RowResult
from dealerdesk.inventory.models import Warehouse

VERB = "synced from the ERP"
_record = partial(batch.record, verb=VERB)
FIELDS = [
    "code",
    "name",
    "region",
    "address",
    "lead_time_days",
    "open_to_all",
    "is_active",
    "sort_order",
]


@dataclass(frozen=True)
class WarehouseChange:
    """A warehouse as the ERP states it; ``region`` is a region code (None: none)."""

    external_id: str
    code: str
    name: str
    stamp: ErpStamp
    region: str | None = None
    address: str = ""
    lead_time_days: int = 0
    open_to_all: bool = False
    active: bool = True
    sort_order: int = 0


def upsert_warehouses(rows: Sequence[WarehouseChange], *, source: str) -> list[RowResult]:
    """Create, update or switch off warehouses by ERP id; one result per row, in order.

    A warehouse Dealerdesk holds by its code without an ERP id is taken as the one named.
    """
    with transaction.atomic():
        serialise("warehouses")
        query = Warehouse.objects.select_for_update().filter(
            Q(external_id__in={r.external_id for r in rows}) | Q(code__in={r.code for r in rows})
        )
        held = list(query.order_by("pk"))
        by_id = {w.external_id: w for w in held if w.external_id}
        by_code = {w.code: w for w in held}
        regions = {
            r.code: r for r in Region.objects.filter(code__in={r.region for r in rows if r.region})
        }
        return [
            _upsert(index, row, by_id, by_code, regions, source) for index, row in enumerate(rows)
        ]


def _upsert(
    index: int,
    row: WarehouseChange,
    by_id: dict[str, Warehouse],
    by_code: dict[str, Warehouse],
    regions: dict[str, Region],
    source: str,
) -> RowResult:
    key = row.external_id
    warehouse, taken = batch.claimed(by_id, by_code, key, row.code, noun="warehouse")
    if taken is not None:
        return RowResult.rejected(index, key, *taken)
    if stale := RowResult.stale_against(index, key, row.stamp, warehouse):
        return stale
    if row.region and row.region not in regions:
        return RowResult.rejected(
            index, key, "region", "unknown_region", f"No region with the code {row.region!r}."
        )
    created = warehouse is None
    if warehouse is None:
        warehouse = Warehouse()
    before = snapshot(warehouse, FIELDS)
    was_active = warehouse.is_active
    old_code = warehouse.code
    warehouse.external_id, warehouse.code, warehouse.name = key, row.code, row.name
    warehouse.region = regions[row.region] if row.region else None
    warehouse.address, warehouse.lead_time_days = row.address, row.lead_time_days
    warehouse.open_to_all, warehouse.is_active = row.open_to_all, row.active
    warehouse.sort_order = row.sort_order
    try:
        warehouse.full_clean(exclude=["region"], validate_unique=False)
    except ValidationError as error:
        if not created:
            warehouse.refresh_from_db()
        return RowResult.rejected(index, key, *rejection(error, {"is_active": "active"}))
    warehouse.erp_version, warehouse.erp_changed_at = row.stamp.version, row.stamp.changed_at
    warehouse.save()
    by_id[key] = warehouse
    by_code.pop(old_code, None)
    by_code[warehouse.code] = warehouse
    after = snapshot(warehouse, FIELDS)
    if created:
        _record(warehouse, AuditAction.CREATE, None, after, source)
        return RowResult(index, Outcome.CREATED, key)
    if before == after:
        return RowResult(index, Outcome.UNCHANGED, key)
    _record(warehouse, AuditAction.UPDATE, before, after, source)
    deactivated = was_active and not warehouse.is_active
    return RowResult(index, Outcome.DEACTIVATED if deactivated else Outcome.UPDATED, key)
