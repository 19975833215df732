"""Invoices, their lines and the reminders sent about them.

An invoice is written as a DRAFT (lines and amounts may change), opened (``AWAITING_CUSTOMER_PAYMENT``:
its hosted page is live and, if it offers bank transfer, a virtual account is issued for it as a
``Virtualaccount`` payment), then PAID (by its card or transfer payment, or marked paid outside)
or CANCELED. One table of transitions (``services.TRANSITIONS``), one function writes a status.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT"
        AWAITING_CUSTOMER_PAYMENT = "AWAITING_CUSTOMER_PAYMENT"
        PAID = "PAID"
        CANCELED = "CANCELED"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invoices")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    invoice_id = models.CharField(max_length=30, default=id_factory("iv", 22))
    status = models.CharField(max_length=25, choices=Status.choices, default=Status.DRAFT)
    invoice_number = models.CharField(max_length=30, blank=True)
    customer = models.ForeignKey(
        "payments.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    customer_honorific = models.CharField(max_length=20, blank=True)
    customer_overwrite = models.JSONField(default=dict, blank=True)
    issuer_overwrite = models.JSONField(default=dict, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    is_tax_included = models.BooleanField(default=False)
    memo = models.CharField(max_length=1000, blank=True)
    pay_types = models.JSONField(
        default=list, help_text='The pay types the buyer may use: "Card", "Virtualaccount".'
    )
    card_job_code = models.CharField(max_length=7, default="CAPTURE")
    total_amount = models.PositiveBigIntegerField(default=0, help_text="What the buyer pays, tax included.")
    tax = models.PositiveBigIntegerField(default=0)
    bill_mail_send_flag = models.BooleanField(default=False)
    receipt_mail_send_flag = models.BooleanField(default=False)
    underpayment_mail_send_flag = models.BooleanField(default=False)
    client_field_1 = models.CharField(max_length=100, blank=True)
    client_field_2 = models.CharField(max_length=100, blank=True)
    client_field_3 = models.CharField(max_length=100, blank=True)
    is_uncollectible = models.BooleanField(default=False)
    is_paid_externally = models.BooleanField(default=False)
    transaction_date = models.DateField(null=True, blank=True)
    page_token = models.CharField(max_length=40, default=id_factory("ivp", 32), unique=True)
    transfer_payment = models.ForeignKey(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    card_payment = models.ForeignKey(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mode", "invoice_id"], name="invoice_unique_id"),
        ]
        indexes = [
            models.Index(fields=["merchant", "mode", "-created"], name="invoice_list"),
            models.Index(
                fields=["due_date"], condition=Q(status="AWAITING_CUSTOMER_PAYMENT"), name="invoice_open"
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_id


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    date = models.DateField(null=True, blank=True)
    name = models.CharField(max_length=200)
    unit_price = models.PositiveBigIntegerField()
    quantity = models.PositiveIntegerField()
    tax_rate = models.PositiveSmallIntegerField(default=10, help_text="Percent.")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")]

    def __str__(self) -> str:
        return f"{self.invoice_id} #{self.position} {self.name}"


class InvoiceReminder(models.Model):
    """A reminder e-mail sent about an open invoice: at most one per invoice and kind."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due"
        OVERDUE = "overdue"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_to = models.CharField(max_length=254)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "kind"], name="invoice_reminder_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.kind}"
