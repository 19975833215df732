"""Merchant webhooks: settings (fincode's ``/v1/webhook_settings``), the outbox, deliveries and attempts.

* ``WebhookEvent`` is the transactional outbox: one row per payment event, written
  in the same transaction as the status change, with a per-payment sequence number.
* ``WebhookDelivery`` is one event for one endpoint (setting). Workers claim it with
  a conditional update (a lease with a fencing token), so that only one of them
  posts at a time and a delivered event is never posted again.
* ``WebhookAttempt`` logs every try: status, latency, an excerpt of the answer.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class WebhookSetting(models.Model):
    """Where to send one event type (fincode: one setting per event)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_settings")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    setting_id = models.CharField(max_length=50, default=id_factory("w", 22))
    url = models.URLField(max_length=2000)
    event = models.CharField(max_length=64)
    signature = models.CharField(
        max_length=60, blank=True, help_text="Sent as Fincode-Signature (the merchant's chosen string)."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "mode", "setting_id"], name="webhook_setting_unique_id"
            ),
        ]
        indexes = [
            models.Index(
                fields=["merchant", "mode", "event"],
                condition=Q(deleted_at__isnull=True),
                name="webhook_setting_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.setting_id} {self.event} → {self.url}"


class WebhookSecret(models.Model):
    """HMAC-SHA256 signing secrets of a merchant and mode; several are valid while one is rotated out."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_secrets")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    secret = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the current secret.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "mode"],
                condition=Q(expires_at__isnull=True),
                name="webhook_secret_one_current",
            )
        ]
        indexes = [models.Index(fields=["merchant", "mode", "expires_at"], name="webhook_secret_valid")]

    def __str__(self) -> str:
        return f"{self.secret[:10]}… ({self.mode})"


class WebhookEvent(models.Model):
    """The outbox: what happened, as the merchant will receive it (fincode's body + event name)."""

    event_id = models.CharField(max_length=40, unique=True, default=id_factory("evt", 24))
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.CASCADE, related_name="webhook_events", null=True
    )
    history = models.ForeignKey(
        "payments.PaymentEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sequence = models.PositiveIntegerField(help_text="Per payment: 1, 2, 3 … in the order of the changes.")
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "sequence"], name="webhook_event_unique_sequence")
        ]
        indexes = [models.Index(fields=["merchant", "mode", "-created_at"], name="webhook_event_recent")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event} #{self.sequence}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"
        CANCELED = "canceled", "Canceled (setting deleted)"

    delivery_id = models.CharField(max_length=40, unique=True, default=id_factory("wd", 24))
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    setting = models.ForeignKey(WebhookSetting, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "setting"], name="webhook_delivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"
            ),
            models.Index(fields=["setting", "-id"], name="webhook_delivery_setting"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    manual = models.BooleanField(default=False, help_text="Resent by the merchant or an operator.")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered = models.BooleanField()
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
