"""Kinds and outcomes of the inventory domain."""

from django.db import models


class StockMovementKind(models.TextChoices):
    """Why a stock figure moved; every row of the ledger has one."""

    ERP_SYNC = "erp_sync", "ERP sync"
    RESERVATION = "reservation", "Reservation"
    RELEASE = "release", "Release"
    ADJUSTMENT = "adjustment", "Adjustment by staff"


class StockUpdateOutcome(models.TextChoices):
    """What ``set_stock_level`` did with a change (the batch result of an ERP import)."""

    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Already up to date"
    STALE = "stale", "Ignored: older than the stored change"
