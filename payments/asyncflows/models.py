"""Rows of the methods that complete later: raw provider notifications, and which wallets a merchant uses."""

from __future__ import annotations

from django.db import models

from portal.models import Merchant, Mode


class ProviderNotification(models.Model):
    """A notification from a provider, stored raw once its signature is verified.

    ``(provider, event_id)`` is unique: a replayed notification is stored once and
    processed once. Processing happens in a Celery task queued on commit.
    """

    provider = models.CharField(max_length=20)
    mode = models.CharField(max_length=4, choices=Mode.choices)
    event_id = models.CharField(max_length=100)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_notification_unique")
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="provider_notification_todo")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.outcome or 'unprocessed'}"


class WalletTerms(models.Model):
    """Which QR wallets a merchant's ``Paypay`` contract covers, and the default one.

    Without a row, test mode offers every simulated wallet and live mode PayPay only.
    """

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="wallet_terms")
    wallets = models.JSONField(default=list, help_text='e.g. ["paypay", "dpay", "rakutenpay"]')
    default_wallet = models.CharField(max_length=20, default="paypay")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "wallet terms"

    def __str__(self) -> str:
        return f"{self.merchant} wallets {', '.join(self.wallets)}"
