"""What follows a change to where dealers may order from.

Stock levels are never cached: every page reads the rows of the products it shows, so a
stock change touches one row. Cached per :data:`WAREHOUSES` generation: which warehouses
each company may order from and its default one. Saving or deleting a warehouse, an access
rule or a default starts a new generation.
"""

from __future__ import annotations

from dealerdesk.core.cache import Generation

WAREHOUSES = Generation("warehouses")


def connect() -> None:
    from dealerdesk.inventory.models import DefaultWarehouse, Warehouse, WarehouseAccess

    WAREHOUSES.follow(Warehouse, WarehouseAccess, DefaultWarehouse)
