"""State of the test-mode simulators of wallets, konbini and the bank (the "outside world").

Kept apart from the gateway's tables: the gateway knows them only over HTTP.
One row per payment at one provider, keyed by the gateway's payment reference;
every operation the gateway sent is remembered by its reference, so a repeated
call is answered with the first result and never applied twice.
"""

from __future__ import annotations

from django.db import models


class SimulatedProviderPayment(models.Model):
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
        constraints = [
            models.UniqueConstraint(fields=["provider", "payment_ref"], name="simprovider_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.payment_ref} {self.state}"
