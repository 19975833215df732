"""A tenant shop's examination (fincode's 本番環境申請 / 審査), hung off the portal's Application.

The portal's ``Application`` (its status, its ``ApplicationMethod`` decisions, its documents and
screening flags) stays the one record of the review; ``Examination`` adds what fincode's API
carries besides: the application information in fincode's shape, the immediate-use request, and
the state last announced to the platform by ``contracts.status_code.updated``.
"""

from __future__ import annotations

import secrets

from django.db import models

from portal.models import Application, ApplicationDocument, ApplicationMethod


class Examination(models.Model):
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="examination")
    info = models.JSONField(
        default=dict,
        blank=True,
        help_text="fincode's ExaminationInfo.V2 (contract_info, shop_info, bank_account_info, "
        "deposit_cycle_info, merchant_category_code), plus what only the old API carries.",
    )
    enable_immediate_use = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True, help_text="POST /v1/contracts/examinations.")
    notified_state = models.JSONField(
        default=dict,
        blank=True,
        help_text="The status last sent to the platform (contracts.status_code.updated).",
    )
    event_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Examination of {self.application.merchant.name}"


class ExaminationFile(models.Model):
    """fincode's file type of an application document uploaded through the examination API."""

    document = models.OneToOneField(
        ApplicationDocument, on_delete=models.CASCADE, related_name="examination_file"
    )
    file_type = models.CharField(max_length=40)

    def __str__(self) -> str:
        return self.file_type


def _reservation_id() -> int:
    return 100_000_000 + secrets.randbelow(900_000_000)


class ProviderReservation(models.Model):
    """A payment provider applied for after the examination (``…/providers/reserve``): the pay
    type's ``ApplicationMethod`` is under review again until an operator decides it."""

    reservation_id = models.BigIntegerField(unique=True, default=_reservation_id, editable=False)
    examination = models.ForeignKey(Examination, on_delete=models.CASCADE, related_name="reservations")
    method = models.ForeignKey(ApplicationMethod, on_delete=models.CASCADE, related_name="reservations")
    provider = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["examination", "provider"], name="reservation_unique_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({self.method.pay_type}: {self.method.decision})"
