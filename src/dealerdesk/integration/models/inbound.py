"""What the ERP sent: every inbound message, its body kept as received, and what became of
each row. One row per message is also the import job the back office follows."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.db import models

from dealerdesk.integration.choices import InboundStatus
from dealerdesk.integration.models.clients import ApiClient
from dealerdesk.integration.models.monitor import SyncCategoryCode


def private_storage() -> Storage:
    """Files no URL serves: ERP message bodies (every dealer's prices) and documents."""
    return storages["private"]


class InboundMessage(models.Model):
    """One message from a machine client: a batch of rows for one feed.

    ``message_id`` makes it idempotent: the same id from the same client is applied once and
    answered the same. The body is stored before anything is applied, so nothing the ERP
    sent is ever lost, and a failed or wrongly applied message can be replayed.
    """

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="messages")
    message_id = models.CharField(max_length=100)
    feed = models.CharField(max_length=32, db_index=True, help_text="e.g. prices, stock")
    category = models.CharField(
        max_length=20, choices=SyncCategoryCode.choices, db_index=True, help_text="Sync category"
    )
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.QUEUED, db_index=True
    )
    atomic = models.BooleanField(
        "all or nothing", default=False, help_text="Apply every row or none."
    )
    content_type = models.CharField(max_length=100)
    body = models.FileField(storage=private_storage, upload_to="inbound/%Y/%m/%d/")
    body_sha256 = models.CharField(max_length=64)
    body_bytes = models.PositiveBigIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(
        null=True, blank=True, help_text="When the import last got further (a chunk applied)"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0, help_text="Progress of a running import")
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    result = models.JSONField(
        null=True,
        blank=True,
        help_text="Per-row results: every row of a small batch, the rows not applied of a "
        "large one.",
    )
    error = models.TextField(blank=True, help_text="Why the whole message failed")
    latest_change_at = models.DateTimeField(
        null=True, blank=True, help_text="The newest ERP change time among the rows applied"
    )
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )

    class Meta:
        ordering = ("-received_at", "-id")
        verbose_name = "inbound message"
        constraints = [
            models.UniqueConstraint(fields=["client", "message_id"], name="inbound_message_once")
        ]
        indexes = [
            models.Index(fields=["category", "-received_at"], name="inbound_category_time"),
        ]

    def __str__(self) -> str:
        return f"{self.feed} {self.message_id}"

    @property
    def progress_percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))
