"""One stream of security events, the rules that turn them into alerts, and the alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.destinations import public_url


class Kind(models.TextChoices):
    LOGIN_FAILED = "login.failed", "Failed sign-in"
    LOGIN_THROTTLED = "login.throttled", "Sign-in locked out (throttled)"
    OTP_FAILED = "otp.failed", "One-time code failed"
    API_KEY_INVALID = "api_key.invalid", "Unknown or malformed API key"
    API_KEY_THROTTLED = "api_key.throttled", "API authentication throttled"
    API_KEY_NEW_ADDRESS = "api_key.new_address", "API key used from a new address"
    API_KEY_REVOKED_USED = "api_key.revoked_used", "Revoked or expired API key used"
    API_KEY_ROLLED = "api_key.rolled", "API key rolled"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    STAFF_PERMISSIONS_CHANGED = "staff.permissions_changed", "Staff permissions changed"
    WEBHOOK_URL_CHANGED = "webhook.url_changed", "Webhook URL changed"
    OUTBOUND_REFUSED = "outbound.refused", "Outbound destination refused"
    ADMISSION_REFUSAL_STORM = "admission.refusal_storm", "Admission refusal storm"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class SecurityEvent(models.Model):
    """Append-only: written by ``security.services.security_event_record`` and never changed."""

    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)  # e-mail, key prefix: kept if the user goes
    merchant = models.ForeignKey(
        "portal.Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "occurred_at"], name="security_kind_time"),
            models.Index(fields=["kind", "source_ip", "occurred_at"], name="security_kind_ip_time"),
            models.Index(fields=["kind", "merchant", "occurred_at"], name="security_kind_merchant_time"),
            models.Index(fields=["kind", "actor_label", "occurred_at"], name="security_kind_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.summary}"


class AlertRule(models.Model):
    class Type(models.TextChoices):
        THRESHOLD = "threshold", "Threshold: at least N events in the window"
        RATE = "rate", "Rate: N events in the window and F× the preceding windows' average"

    class GroupBy(models.TextChoices):
        NONE = "none", "All events together"
        SOURCE_IP = "source_ip", "Per source address"
        MERCHANT = "merchant", "Per merchant"
        ACTOR = "actor", "Per actor"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    rule_type = models.CharField(max_length=10, choices=Type.choices, default=Type.THRESHOLD)
    threshold = models.PositiveIntegerField(default=1, help_text="Events in the window that raise the alert.")
    window_seconds = models.PositiveIntegerField(default=300)
    rate_factor = models.PositiveIntegerField(
        default=5, help_text="Rate rules: the window's count must be this many times the usual."
    )
    group_by = models.CharField(max_length=10, choices=GroupBy.choices, default=GroupBy.NONE)
    cooldown_seconds = models.PositiveIntegerField(
        default=900, help_text="At most one alert per group in this time."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    email_to = models.CharField(max_length=500, blank=True, help_text="Comma-separated addresses.")
    webhook_url = models.URLField(
        blank=True,
        validators=[public_url],
        help_text="A JSON POST (Slack/Opsgenie-style incoming webhook): https, to a public address.",
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    class Delivery(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        NO_CHANNEL = "no_channel", "No channel configured"

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    group_key = models.CharField(max_length=254, blank=True)
    bucket = models.BigIntegerField(help_text="Cooldown period number: one alert per rule, group and period.")
    raised_at = models.DateTimeField(db_index=True)
    event_count = models.PositiveIntegerField()
    summary = models.CharField(max_length=300)
    last_event = models.ForeignKey(SecurityEvent, null=True, on_delete=models.SET_NULL, related_name="+")
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.PENDING)
    delivery_detail = models.CharField(max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "group_key", "bucket"], name="security_alert_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule.name}: {self.summary}"
