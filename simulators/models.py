"""State of the test-mode simulators (the "outside world"): the card acquirer, and the wallets,
konbini and the bank.

Kept apart from the gateway's tables: the gateway knows them only over HTTP. The tables keep
the names they had when the simulators lived in ``payments``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F


class SimulatedProviderPayment(models.Model):
    """One payment at one provider (wallet, konbini, bank), keyed by the gateway's payment
    reference; every operation the gateway sent is remembered by its reference, so a repeated
    call is answered with the first result and never applied twice."""

    provider = models.CharField(max_length=20)
    payment_ref = models.CharField(max_length=64)
    provider_id = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=20)
    amount = models.BigIntegerField()
    capture = models.BooleanField(default=True)
    deadline = models.DateTimeField(null=True, blank=True)
    notify_url = models.CharField(max_length=500, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    description = models.CharField(max_length=200, blank=True)
    lookup = models.CharField(max_length=40, blank=True, db_index=True, help_text="Account or slip number.")
    data = models.JSONField(default=dict)
    references = models.JSONField(default=dict, help_text="Operation reference → its answer.")
    notifications = models.JSONField(default=list, help_text="Every notification sent (for replays).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "payments_simulatedproviderpayment"
        constraints = [
            models.UniqueConstraint(fields=["provider", "payment_ref"], name="simprovider_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.payment_ref} {self.state}"


class SimulatedAcquirerTransaction(models.Model):
    """State of the test-mode card acquirer simulator (the "outside world").

    Kept apart from the gateway's own tables: the gateway knows it only over HTTP.
    Each operation is recorded under the gateway's reference, so a repeated call
    with the same reference returns the first result (no double charge).
    """

    reference = models.CharField(max_length=64, unique=True)
    transaction_id = models.CharField(max_length=28, db_index=True)
    operation = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20)
    amount = models.BigIntegerField(default=0)
    decline_reason = models.CharField(max_length=40, blank=True)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "payments_simulatedacquirertransaction"
        indexes = [models.Index(F("created_at").desc(), name="simacq_recent")]

    def __str__(self) -> str:
        return f"{self.reference} {self.operation} {self.outcome}"
