"""What the sync monitor keeps: per data category its cadence and SLA, alerts raised, and
the heartbeats of worker processes."""

from __future__ import annotations

from django.db import models

from dealerdesk.integration.choices import Cadence


class SyncCategoryCode(models.TextChoices):
    PRODUCTS = "products", "Products"
    PRICES = "prices", "Prices"
    STOCK = "stock", "Stock"
    CUSTOMERS = "customers", "Customers"
    ORDERS_OUT = "orders_out", "Orders out"
    ORDER_STATUSES = "order_statuses", "Order statuses in"


class SyncCategory(models.Model):
    """How often a kind of data is expected to sync, and when its lag is an alert."""

    code = models.CharField(max_length=20, choices=SyncCategoryCode.choices, unique=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.REALTIME)
    cadence_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="For 'every N minutes'."
    )
    sla_minutes = models.PositiveIntegerField(
        "alert after, minutes",
        null=True,
        blank=True,
        help_text="Stock older than this, or an order not accepted by the ERP within this, "
        "raises an alert. Empty: no alert.",
    )

    class Meta:
        ordering = ("code",)
        verbose_name = "sync category"
        verbose_name_plural = "sync categories"

    def __str__(self) -> str:
        return self.get_code_display()


class SyncAlert(models.Model):
    """An SLA breach of one category: raised once (e-mail and webhook), cleared when the
    lag is back within the threshold."""

    category = models.CharField(max_length=20, choices=SyncCategoryCode.choices, db_index=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ("-raised_at",)

    def __str__(self) -> str:
        return self.message


class WorkerHeartbeat(models.Model):
    """A worker process says it is alive; /readyz and the monitor read the newest."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-seen_at",)

    def __str__(self) -> str:
        return f"{self.worker_id} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
