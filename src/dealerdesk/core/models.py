"""Base models shared by every domain, and the audit log."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from dealerdesk.core.sync import ErpStamp


class TimeStampedModel(models.Model):
    """Creation and last-change times kept by the database layer."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ErpRecord(TimeStampedModel):
    """A record that mirrors one in the supplier's ERP.

    ``external_id`` is the ERP's own id (a GUID in 1C, a DocEntry in SAP B1, …); ``erp_version``
    and ``erp_changed_at`` are the sequence number and time of the ERP change this row reflects,
    so that an older delta never overwrites a newer one. Rows created in Dealerdesk before the
    ERP knows them have no external id yet.
    """

    external_id = models.CharField(
        "ERP id", max_length=100, unique=True, null=True, blank=True, default=None
    )
    erp_version = models.BigIntegerField(
        "ERP change sequence", null=True, blank=True, help_text="Monotonic sequence of the change"
    )
    erp_changed_at = models.DateTimeField("ERP change time", null=True, blank=True)

    class Meta:
        abstract = True

    def is_newer_erp_change(self, version: int | None, changed_at: Any = None) -> bool:
        """True when an ERP change (sequence, else time) is newer than what this row holds."""
        return ErpStamp(version, changed_at).is_newer_than(self.erp_version, self.erp_changed_at)


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    ACTION = "action", "Action"


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after (NetBox's ObjectChange)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_repr = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    verb = models.CharField(max_length=100, blank=True, help_text="e.g. 'approved', 'invited'")
    # Both are found through the (object_type, object_id, -created_at) index below: an index
    # of each alone would only slow the bulk writes of ERP imports.
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    company_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    source = models.CharField(
        max_length=100, blank=True, help_text="back office, portal, API client or ERP message"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_repr or 'system'} {self.verb or self.action} {self.object_repr}"


class OutboxMessage(models.Model):
    """An event for the ERP, written in the same transaction as the change it reports
    (the transactional outbox): it exists exactly when the change committed. Delivery
    (signed webhooks, the ERP's pull endpoint) reads from here and marks what it sent.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    topic = models.CharField(max_length=64, help_text="e.g. order.placed, order.cancelled")
    key = models.CharField(
        max_length=100, help_text="The record the event is about, e.g. order:DD-0000123"
    )
    company_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    fanned_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When its deliveries (one per receiver) were made"
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["delivered_at", "created_at"], name="outbox_pending"),
            models.Index(fields=["fanned_out_at", "created_at"], name="outbox_to_fan_out"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"
