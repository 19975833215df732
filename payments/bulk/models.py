"""Bulk payments, their lines and the lines' check errors.

A ``PaymentBulk`` is written whole when its file is uploaded, in one transaction: its
payments (``PaymentBulkDetail``, CHECKED) and, for a file with bad lines, the lines' errors
(``PaymentBulkLineError``; the bulk is then ERROR and never charged). The same file uploaded
again is the same bulk (a unique content hash). On its process plan date Celery charges each
line once: the line's payment is registered under the line's order id (unique per merchant),
and the payments core makes its acquirer call safe to repeat.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class PaymentBulk(models.Model):
    class Status(models.TextChoices):
        CHECKING = "CHECKING"  # fincode's; never stored here: a file is checked while uploaded
        CHECKED = "CHECKED"  # waiting for its process plan date
        RUNNING = "RUNNING"  # being charged (``lease_until`` says until when at most)
        COMPLETED = "COMPLETED"  # every line charged or failed
        ERROR = "ERROR"  # the file had bad lines: nothing is charged

    class PayType(models.TextChoices):
        CARD = "Card"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="payment_bulks")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    bulk_id = models.CharField(max_length=25, default=id_factory("bp", 22))
    pay_type = models.CharField(max_length=11, choices=PayType.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    process_plan_date = models.DateField()
    file_name = models.CharField(max_length=100)
    file_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the file: the same file is the same bulk."
    )
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=11, blank=True)
    process_start_date = models.DateTimeField(null=True, blank=True)
    process_end_date = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mode", "bulk_id"], name="payment_bulk_unique_id"),
            # Re-uploading a file gives back its bulk: never a second one to charge.
            models.UniqueConstraint(
                fields=["merchant", "mode", "file_hash"],
                condition=Q(deleted_at__isnull=True),
                name="payment_bulk_unique_file",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "mode", "-created"], name="payment_bulk_list"),
            models.Index(
                fields=["process_plan_date"],
                condition=Q(status__in=["CHECKED", "RUNNING"], deleted_at__isnull=True),
                name="payment_bulk_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bulk_id} {self.file_name}"


class PaymentBulkDetail(models.Model):
    """One payment of a bulk (one line of its file)."""

    class Status(models.TextChoices):
        CHECKED = "CHECKED"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    bulk = models.ForeignKey(PaymentBulk, on_delete=models.CASCADE, related_name="details")
    line = models.PositiveIntegerField(help_text="The payment's number in the file (1: the first).")
    order_id = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    amount = models.PositiveIntegerField()
    tax = models.PositiveIntegerField(default=0)
    customer_id = models.CharField(max_length=60)
    card_id = models.CharField(max_length=25, blank=True, help_text="Empty: the customer's default card.")
    client_field_1 = models.CharField(max_length=100, blank=True)
    client_field_2 = models.CharField(max_length=100, blank=True)
    client_field_3 = models.CharField(max_length=100, blank=True)
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="bulk_detail"
    )
    error_code = models.CharField(max_length=11, blank=True)
    tries = models.PositiveSmallIntegerField(default=0, help_text="Calls to the acquirer for this line.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["bulk", "line"], name="payment_bulk_detail_line"),
            models.UniqueConstraint(fields=["bulk", "order_id"], name="payment_bulk_detail_order"),
        ]
        indexes = [
            models.Index(fields=["bulk", "status"], name="payment_bulk_detail_status"),
            models.Index(fields=["order_id"], name="payment_bulk_detail_order_id"),
        ]

    def __str__(self) -> str:
        return f"{self.bulk_id} line {self.line}: {self.order_id} {self.status}"

    @property
    def total_amount(self) -> int:
        return self.amount + self.tax


class PaymentBulkLineError(models.Model):
    """The check errors of one bad line of an uploaded file (fincode's ``error_detail``)."""

    bulk = models.ForeignKey(PaymentBulk, on_delete=models.CASCADE, related_name="line_errors")
    line = models.PositiveIntegerField(help_text="The line's number in the file (1: the first payment).")
    order_id = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(help_text='[{"error_code": …, "error_message": …}]')

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["bulk", "line"], name="payment_bulk_error_line")]

    def __str__(self) -> str:
        return f"{self.bulk_id} line {self.line}"
