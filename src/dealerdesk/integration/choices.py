"""Scopes, statuses and kinds of the integration domain."""

from __future__ import annotations

from django.db import models


class Scope(models.TextChoices):
    """What a machine client may do. A client holds a set of these; every machine endpoint
    names the one it needs."""

    CATALOG_READ = "catalog:read", "Read the catalog"
    CATALOG_WRITE = "catalog:write", "Write categories and products"
    PRICES_WRITE = "prices:write", "Write price types, prices, customer prices and breaks"
    STOCK_WRITE = "stock:write", "Write warehouses and stock"
    CUSTOMERS_WRITE = "customers:write", "Write companies, contracts and credit"
    ORDERS_READ = "orders:read", "Read orders and pull order events"
    ORDERS_WRITE = "orders:write", "Write order statuses and documents"
    SYNC_READ = "sync:read", "Read sync messages and their results"


class InboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RowStatus(models.TextChoices):
    """What happened to one row of an inbound batch."""

    APPLIED = "applied", "Applied"
    UNCHANGED = "unchanged", "Unchanged"
    REJECTED = "rejected", "Rejected"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    RETRYING = "retrying", "Failed, will retry"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead-lettered"


class Cadence(models.TextChoices):
    REALTIME = "realtime", "Real-time push"
    MINUTES = "minutes", "Every N minutes"
    DAILY = "daily", "Daily"
