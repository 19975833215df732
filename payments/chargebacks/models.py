"""A chargeback (fincode's チャージバック, ``ShopChargeBackListItem``): one per disputed payment.

Status codes are fincode's: 4005 要対応 (the merchant must answer), 4006 回答済み (evidence
submitted, the acquirer decides), 4007 回答済み (decided for the merchant), 4011 回答済み
(decided against the merchant), 4009 精算済み (closed by the acquirer's withdrawal:
``canceled``). The ledger effect of each transition is in ``services``.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from payments.models import Payment
from portal.ids import id_factory
from portal.models import Merchant, Mode, User


class Status(models.IntegerChoices):
    OPEN = 4005, "Action required"
    SUBMITTED = 4006, "Answered (evidence submitted)"
    WON = 4007, "Answered (won by the merchant)"
    SETTLED = 4009, "Settled (canceled by the acquirer)"
    LOST = 4011, "Answered (lost by the merchant)"


class Category(models.IntegerChoices):
    FRAUD_SUSPECTED = 0, "Suspected fraud"
    INQUIRY = 1, "Inquiry"
    FRAUD_CONFIRMED = 2, "Confirmed fraud"


class Request(models.IntegerChoices):
    HOLD_SHIPPING = 1, "Hold shipping"
    STOP_SHIPPING = 2, "Stop shipping"
    NOT_RECOGNISED = 11, "Not recognised"
    SERVICE_NOT_PROVIDED = 12, "Service not provided"
    SERVICE_NOT_PERFORMED = 13, "Service not performed"
    NOT_RECEIVED = 14, "Goods not received"
    NOT_AS_DESCRIBED = 15, "Goods not as described"
    AMOUNT_DIFFERS = 16, "Amount differs"
    DEFECTIVE = 17, "Defective goods"
    CANCEL_MISSED = 18, "Cancellation not processed"
    HOW_TO_CANCEL = 19, "How to cancel"
    CANCEL_ON_BEHALF = 20, "Cancel on the buyer's behalf"
    CONTACT = 21, "Contact details"
    CONFIRM_TRADE = 22, "Confirm the transaction"


OPEN_STATUSES = (Status.OPEN, Status.SUBMITTED)


def _chargeback_id() -> int:
    return 100_000_000 + secrets.randbelow(900_000_000)


class Chargeback(models.Model):
    chargeback_id = models.BigIntegerField(unique=True, default=_chargeback_id, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="chargebacks")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="chargebacks")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    currency = models.CharField(max_length=3, default="JPY")
    amount = models.BigIntegerField(help_text="Minor units; at most the captured amount.")
    category = models.PositiveSmallIntegerField(choices=Category.choices)
    request = models.PositiveSmallIntegerField(choices=Request.choices)
    status_code = models.PositiveIntegerField(choices=Status.choices, default=Status.OPEN)
    acquirer_reference = models.CharField(
        max_length=64,
        unique=True,
        help_text="The acquirer's case id: a repeated notice is the same chargeback.",
    )
    reason_code = models.CharField(max_length=10, blank=True)
    reason_text = models.CharField(max_length=500, blank=True)
    trade_registration_date = models.DateTimeField()
    process_date = models.DateField()
    opened_to_shop_date = models.DateTimeField()
    evidence_due_date = models.DateField()
    canceled = models.BooleanField(default=False)
    canceled_date = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    event_seq = models.PositiveIntegerField(default=0, help_text="Numbers the chargeback's webhook events.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_to_shop_date", "-id"]
        indexes = [models.Index(fields=["merchant", "mode", "opened_to_shop_date"], name="chargeback_list")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="chargeback_amount_positive"),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status_code__in=[4005, 4006]),
                name="chargeback_one_open_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"Chargeback {self.chargeback_id} ({self.status_code})"

    @property
    def ledger_reference(self) -> str:
        return f"cb_{self.chargeback_id}"

    @property
    def is_open(self) -> bool:
        return self.status_code in OPEN_STATUSES


def _evidence_path(instance: ChargebackEvidence, filename: str) -> str:
    # Never trust the client's file name for storage.
    return f"chargebacks/{instance.chargeback.chargeback_id}/{instance.public_id}.{instance.extension}"


class ChargebackEvidence(models.Model):
    CONTENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("cbe"), editable=False)
    chargeback = models.ForeignKey(Chargeback, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.CONTENT_TYPES.get(self.content_type, "bin")


class ChargebackEvent(models.Model):
    """The chargeback's timeline: one row per transition or upload."""

    chargeback = models.ForeignKey(Chargeback, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    status_code = models.PositiveIntegerField(choices=Status.choices)
    actor_label = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} → {self.status_code}"
