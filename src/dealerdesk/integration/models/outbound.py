"""Delivering outbox events to the ERP: webhook endpoints, one delivery per event and
receiver (an endpoint, or a client that pulls), and every attempt made."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dealerdesk.core.models import OutboxMessage, TimeStampedModel
from dealerdesk.integration.choices import DeliveryStatus
from dealerdesk.integration.models.clients import ApiClient


class WebhookEndpoint(TimeStampedModel):
    """An address of the ERP that receives events as Standard Webhooks (signed POSTs).

    The circuit breaker state lives here, shared by every worker: after
    ``consecutive_failures`` reaches the threshold nothing is sent until
    ``circuit_open_until``; then one delivery tries (half-open) and success closes it.
    """

    name = models.CharField(max_length=150)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=100,
        help_text="Signing secret, whsec_ and base64 (Standard Webhooks); the receiver "
        "verifies with the same secret.",
    )
    topics = models.JSONField(
        default=list, blank=True, help_text="Event types to send, e.g. order.placed; empty: all."
    )
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=255, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(default=10)
    max_attempts = models.PositiveSmallIntegerField(
        default=12, help_text="After this many failures a delivery is dead-lettered."
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    circuit_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("name",)
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name

    def wants(self, topic: str) -> bool:
        return not self.topics or topic in self.topics


class Delivery(models.Model):
    """One outbox event on its way to one receiver: a webhook endpoint, or a client that
    pulls events and acknowledges them."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it until then"
    )
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(endpoint__isnull=False, client__isnull=True)
                | Q(endpoint__isnull=True, client__isnull=False),
                name="delivery_one_receiver",
            ),
            models.UniqueConstraint(
                fields=["message", "endpoint"],
                condition=Q(endpoint__isnull=False),
                name="delivery_once_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["message", "client"],
                condition=Q(client__isnull=False),
                name="delivery_once_per_client",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint or self.client}"


class DeliveryAttempt(models.Model):
    """One try to deliver: what was sent, what came back, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    url = models.CharField(max_length=500)
    request_headers = models.JSONField(default=dict)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ("delivery", "number")

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
