"""The fincode fields of the payment methods that complete later (QR wallets, konbini, bank transfer).

Mixed into ``payments.models.Payment`` so that every pay type stays one row, one
status machine. Names are fincode's (``Payment.PayPay``, ``Payment.Konbini``,
``Payment.VirtualAccount``); where a Python name would clash, the column is
renamed and the serializer maps it back (``wallet_payment_id`` → ``payment_id``).
"""

from __future__ import annotations

from django.db import models


def _text(max_length: int) -> models.CharField:
    return models.CharField(max_length=max_length, null=True, blank=True)


class AsyncProgress(models.Model):
    """What every method that completes later needs: deadlines, polling, webhook sequence."""

    # When the buyer must have paid (konbini ``payment_term``, wallet ``code_expiry_date``,
    # bank transfer ``payment_term``); past it, the provider is asked and the payment expires.
    payment_term_day = models.PositiveSmallIntegerField(null=True, blank=True)
    payment_term = models.DateTimeField(null=True, blank=True)  # indexed where set (Payment.Meta)
    payment_date = models.DateTimeField(null=True, blank=True)
    # When the provider was last asked about this payment (the sweeper polls non-final payments).
    provider_checked_at = models.DateTimeField(null=True, blank=True)
    # Per-payment sequence number of webhook events (outbox), incremented with each event.
    event_seq = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class WalletFields(models.Model):
    """``pay_type=Paypay``: a QR wallet payment, served by the wallet aggregator."""

    wallet = models.CharField(
        max_length=20, null=True, blank=True, help_text="Extension: which wallet (paypay, dpay, rakutenpay)."
    )
    redirect_url = _text(256)
    redirect_type = models.CharField(max_length=1, null=True, blank=True)
    order_description = _text(100)
    capture_description = _text(100)
    update_description = _text(100)
    cancel_description = _text(100)
    wallet_url = models.CharField(max_length=512, null=True, blank=True, help_text="The wallet's own link.")
    code_expiry_date = models.DateTimeField(null=True, blank=True)
    store_id = _text(18)
    code_id = _text(64)
    wallet_payment_id = _text(64)
    paypay_result_code = _text(256)
    merchant_payment_id = _text(64)
    merchant_capture_id = _text(64)
    merchant_update_id = _text(64)
    merchant_revert_id = _text(64)

    class Meta:
        abstract = True


class KonbiniFields(models.Model):
    """``pay_type=Konbini``: a payment slip paid in cash at a convenience store."""

    konbini_code = models.CharField(max_length=5, null=True, blank=True)
    konbini_store_code = _text(8)
    order_serial = _text(18)
    invoice_id = _text(20)
    konbini_result = models.CharField(max_length=3, null=True, blank=True)
    barcode = models.TextField(null=True, blank=True, help_text="Base64 PNG, made by PUT …/barcode.")
    barcode_format = models.CharField(max_length=3, null=True, blank=True)
    barcode_width = _text(9)
    barcode_height = _text(9)
    device_name = _text(20)
    os_version = _text(10)
    win_width = _text(5)
    win_height = _text(5)
    xdpi = _text(6)
    ydpi = _text(6)
    overpayment_flag = models.BooleanField(default=False)
    cancel_overpayment_flag = models.BooleanField(default=False)

    class Meta:
        abstract = True


class VirtualAccountFields(models.Model):
    """``pay_type=Virtualaccount``: a bank transfer to a virtual account opened for this payment."""

    billing_amount = models.BigIntegerField(null=True, blank=True)
    billing_tax = models.BigIntegerField(null=True, blank=True)
    va_bank_code = models.CharField(max_length=4, null=True, blank=True)
    va_branch_code = models.CharField(max_length=3, null=True, blank=True)
    va_branch_name = _text(15)
    va_account_number = models.CharField(max_length=7, null=True, blank=True)  # indexed where set
    va_account_name = _text(40)
    virtual_account_id = _text(10)
    account_assignment_date = models.DateTimeField(null=True, blank=True)
    transaction_date = models.DateField(null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    remitter_account_name = _text(48)
    remitter_bank_name = _text(30)
    remitter_branch_name = _text(15)
    transferred_amount = models.BigIntegerField(
        null=True, blank=True, help_text="Extension: the sum of every transfer received."
    )
    expire_overpayment_flag = models.BooleanField(default=False)

    class Meta:
        abstract = True


class DirectDebitFields(models.Model):
    """``pay_type=Directdebit`` (口座振替): a debit of a customer's registered bank account on a
    ``target_date``; the bank's result (``result_code``) arrives on or after that day."""

    payment_method_id = _text(25)  # the DirectDebitAccount debited (indexed where set)
    remarks = _text(9)
    target_date = models.DateField(null=True, blank=True)
    request_accept_end_date = models.DateField(null=True, blank=True)
    transfer_return_date = models.DateField(null=True, blank=True)
    withdrawal_date = models.DateField(null=True, blank=True)
    result_code = models.CharField(max_length=1, null=True, blank=True)
    dd_bank_code = models.CharField(max_length=4, null=True, blank=True)
    dd_bank_name = _text(45)
    dd_branch_code = models.CharField(max_length=3, null=True, blank=True)
    dd_branch_name = _text(45)

    class Meta:
        abstract = True


class BnplFields(models.Model):
    """``pay_type=Bnpl`` (extension): the credit check that decided it, and the buyer's invoice method."""

    credit_check = models.ForeignKey(
        "credit.CreditCheck",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    bnpl_invoice_method = models.CharField(
        max_length=20,
        null=True,
        blank=True,
        help_text="How the buyer pays the invoice: konbini or bank_transfer.",
    )
    bnpl_decline_category = models.CharField(
        max_length=30,
        null=True,
        blank=True,
        help_text="Why a BNPL payment was declined: a category, never the rule.",
    )

    class Meta:
        abstract = True
