"""Payments, customers, saved cards, card tokens and the encrypted card vault.

Field names follow the fincode API. Money is integer minor units (JPY has no
decimals: ``amount=1000`` is ¥1,000) plus an ISO currency.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.db.models import Q

from payments.method_fields import (
    AsyncProgress,
    BnplFields,
    DirectDebitFields,
    KonbiniFields,
    VirtualAccountFields,
    WalletFields,
)
from portal.ids import id_factory
from portal.models import Merchant, Mode
from portal.pay_types import pay_type_choices

# A payment's id when the merchant gives none (fincode's ``o_…``). Admission control names a
# new session's lease with it before the payment exists (payments.admission.middleware).
new_order_id = id_factory("o", 22)


class Status(models.TextChoices):
    """fincode's PaymentStatus."""

    UNPROCESSED = "UNPROCESSED"
    CHECKED = "CHECKED"
    AUTHORIZED = "AUTHORIZED"
    AWAITING_CUSTOMER_PAYMENT = "AWAITING_CUSTOMER_PAYMENT"
    AWAITING_PAYMENT_APPROVAL = "AWAITING_PAYMENT_APPROVAL"
    CAPTURED = "CAPTURED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    AUTHENTICATED = "AUTHENTICATED"
    FAILED = "FAILED"


class JobCode(models.TextChoices):
    CHECK = "CHECK"
    AUTH = "AUTH"
    CAPTURE = "CAPTURE"


class CardSecret(models.Model):
    """A card number, AES-GCM encrypted, kept only while a provider needs it.

    Purposes: a single-use token (30 minutes), a saved card (until deleted), a
    payment between execute and authorisation (3-D Secure). Never the security code.
    """

    class Purpose(models.TextChoices):
        TOKEN = "token"  # noqa: S105 -- a purpose name, not a secret
        CARD = "card"
        PAYMENT = "payment"
        ACCOUNT = "account"  # a direct-debit bank account number (``DirectDebitAccount``)

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    key_id = models.CharField(max_length=32, help_text="Which encryption key; for rotation.")
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key_id"], name="cardsecret_key_id")]

    def __str__(self) -> str:
        return f"{self.purpose} secret #{self.pk} ({self.key_id})"


class CardFields(models.Model):
    """What may be shown of a card: masked number, brand, expiry, holder, hash."""

    card_no = models.CharField(max_length=16, help_text="Masked: ************1111")
    brand = models.CharField(max_length=10, blank=True)
    expire = models.CharField(max_length=4, help_text="YYMM")
    holder_name = models.CharField(max_length=50, blank=True)
    card_no_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        abstract = True


class CardToken(CardFields):
    """A single-use card token from ``POST /v1/tokens/cards`` (public key)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # DO_NOTHING: the secret is detached before it is deleted (and the database refuses otherwise),
    # so deleting a secret is one DELETE with no look-ups.
    secret = models.ForeignKey(CardSecret, on_delete=models.DO_NOTHING, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.card_no}"


class WalletTokenUse(models.Model):
    """A wallet payment token (Apple Pay, Google Pay) that a payment has used: a token is good for
    one payment, so a second execute with it is refused. Keyed by the wallet's own id of the
    token (Apple Pay's ``transactionId``, Google Pay's ``messageId``), digested; kept for
    ``WALLET_TOKEN_USE_DAYS`` (longer than any such token lives), then purged."""

    pay_type = models.CharField(max_length=20)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pay_type", "digest"], name="wallet_token_used_once")]

    def __str__(self) -> str:
        return f"{self.pay_type} token {self.digest[:12]}…"


class Customer(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="customers")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    customer_id = models.CharField(max_length=60, default=id_factory("c", 22))
    name = models.CharField(max_length=384, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone_cc = models.CharField(max_length=3, blank=True)
    phone_no = models.CharField(max_length=15, blank=True)
    addr_country = models.CharField(max_length=3, blank=True)
    addr_state = models.CharField(max_length=3, blank=True)
    addr_city = models.CharField(max_length=50, blank=True)
    addr_line_1 = models.CharField(max_length=50, blank=True)
    addr_line_2 = models.CharField(max_length=50, blank=True)
    addr_line_3 = models.CharField(max_length=50, blank=True)
    addr_post_code = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mode", "customer_id"], name="customer_unique_id"),
        ]
        indexes = [models.Index(fields=["merchant", "mode", "-created"], name="customer_list")]

    def __str__(self) -> str:
        return self.customer_id


class Card(CardFields):
    """A customer's saved card."""

    class CardType(models.TextChoices):
        UNKNOWN = "0"
        DEBIT = "1"
        PREPAID = "2"
        CREDIT = "3"

    card_id = models.CharField(max_length=25, unique=True, default=id_factory("cs", 22))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="cards")
    default_flag = models.BooleanField(default=False)
    type = models.CharField(max_length=1, choices=CardType.choices, default=CardType.UNKNOWN)
    secret = models.ForeignKey(CardSecret, on_delete=models.DO_NOTHING, related_name="+")
    # Set when the card was saved as a payment method (``/v1/customers/{id}/payment_methods``).
    client_field_1 = models.CharField(max_length=100, null=True, blank=True)
    client_field_2 = models.CharField(max_length=100, null=True, blank=True)
    client_field_3 = models.CharField(max_length=100, null=True, blank=True)
    return_url = models.CharField(max_length=256, null=True, blank=True)
    return_url_on_failure = models.CharField(max_length=256, null=True, blank=True)
    tds_type = models.CharField(max_length=1, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(default_flag=True), name="card_one_default_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.card_no}"


class PaymentMethodStatus(models.TextChoices):
    """fincode's PaymentMethodStatus."""

    INACTIVATED = "INACTIVATED"
    AWAITING_CUSTOMER_ACTION = "AWAITING_CUSTOMER_ACTION"
    ACTIVATED = "ACTIVATED"
    FAILED = "FAILED"


class DirectDebitAccount(models.Model):
    """A customer's bank account for direct debit: fincode's payment method of ``pay_type``
    ``Directdebit`` (a ``Card`` payment method is a saved ``Card``).

    The bank confirms the application (``status``): online through the buyer's bank
    (``redirect_url``), or on paper. The account number is kept AES-GCM encrypted (``secret``,
    the card vault's keys) and shown masked.
    """

    class ApplicationType(models.TextChoices):
        PAPER = "PAPER"
        ONLINE = "ONLINE"

    payment_method_id = models.CharField(max_length=25, unique=True, default=id_factory("pm", 22))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="direct_debit_accounts")
    status = models.CharField(
        max_length=30, choices=PaymentMethodStatus.choices, default=PaymentMethodStatus.INACTIVATED
    )
    default_flag = models.BooleanField(default=False)
    application_type = models.CharField(max_length=6, choices=ApplicationType.choices)
    bank_type = models.CharField(max_length=1, help_text="0: a bank, 1: Japan Post Bank (bank_code 9900).")
    bank_code = models.CharField(max_length=4)
    bank_name = models.CharField(max_length=45, blank=True)
    branch_code = models.CharField(max_length=3, blank=True)
    branch_name = models.CharField(max_length=45, blank=True)
    account_type = models.CharField(max_length=1, blank=True)
    account_number = models.CharField(max_length=7, blank=True, help_text="Masked: ****999")
    postal_account_number_1 = models.CharField(max_length=5, blank=True)
    postal_account_number_2 = models.CharField(max_length=8, blank=True, help_text="Masked.")
    account_name = models.CharField(max_length=45, blank=True)
    account_name_kana = models.CharField(max_length=45)
    secret = models.ForeignKey(CardSecret, on_delete=models.DO_NOTHING, related_name="+")
    # The bank's id of this application (its mandate), which debits name.
    bank_reference = models.CharField(max_length=64, blank=True)
    bank_failure_reason = models.CharField(max_length=200, blank=True)
    # Paper applications (依頼書)
    request_form_id = models.CharField(max_length=20, blank=True)
    preregistered_date = models.DateTimeField(null=True, blank=True)
    # Online applications: where the buyer approves at the bank (once; ``redirect_token``).
    redirect_token = models.CharField(max_length=40, blank=True)
    bank_redirect_url = models.CharField(max_length=500, blank=True)
    redirect_url_accessed = models.BooleanField(default=False)
    return_url = models.CharField(max_length=256, null=True, blank=True)
    return_url_on_failure = models.CharField(max_length=256, null=True, blank=True)
    client_field_1 = models.CharField(max_length=100, null=True, blank=True)
    client_field_2 = models.CharField(max_length=100, null=True, blank=True)
    client_field_3 = models.CharField(max_length=100, null=True, blank=True)
    expected_billable_date = models.DateTimeField(null=True, blank=True)
    last_withdrawal_date = models.DateTimeField(null=True, blank=True)
    last_result_code = models.CharField(max_length=1, null=True, blank=True)
    process_date = models.DateTimeField(null=True, blank=True)
    # Webhook events of this payment method, numbered (``customers.payment_methods.updated``).
    event_seq = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(default_flag=True),
                name="directdebit_one_default_per_customer",
            )
        ]
        indexes = [models.Index(fields=["customer", "created"], name="directdebit_account_list")]

    def __str__(self) -> str:
        return f"{self.payment_method_id} {self.bank_code} {self.account_number} {self.status}"


class Payment(
    AsyncProgress,
    WalletFields,
    KonbiniFields,
    VirtualAccountFields,
    BnplFields,
    DirectDebitFields,
    models.Model,
):
    """One payment (fincode: 決済). ``order_id`` is fincode's ``id``.

    Fields of the methods that complete later (wallets, konbini, bank transfer) come
    from the mixins in ``payments.method_fields``.
    """

    # Indexed by the composite indexes below, which all lead with it.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payments", db_index=False)
    mode = models.CharField(max_length=4, choices=Mode.choices)
    order_id = models.CharField(max_length=30, default=new_order_id)
    access_id = models.CharField(max_length=24, unique=True, default=id_factory("a", 22))
    pay_type = models.CharField(max_length=20, choices=pay_type_choices)
    job_code = models.CharField(max_length=7, choices=JobCode.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.UNPROCESSED)
    currency = models.CharField(max_length=3, default="JPY")
    amount = models.BigIntegerField()
    tax = models.BigIntegerField(default=0)
    client_field_1 = models.CharField(max_length=100, null=True, blank=True)
    client_field_2 = models.CharField(max_length=100, null=True, blank=True)
    client_field_3 = models.CharField(max_length=100, null=True, blank=True)

    # Card details of the payment (masked; never the number).
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments", db_index=False
    )
    card = models.ForeignKey(
        Card, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments", db_index=False
    )
    card_no = models.CharField(max_length=16, null=True, blank=True)
    brand = models.CharField(max_length=10, null=True, blank=True)
    expire = models.CharField(max_length=4, null=True, blank=True)
    holder_name = models.CharField(max_length=50, null=True, blank=True)
    card_no_hash = models.CharField(max_length=64, null=True, blank=True)
    method = models.CharField(max_length=1, null=True, blank=True)
    pay_times = models.PositiveSmallIntegerField(null=True, blank=True)
    # The card number while 3-D Secure is in progress; deleted once authorised or failed.
    card_secret = models.ForeignKey(
        CardSecret, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", db_index=False
    )

    # 3-D Secure 2
    tds_type = models.CharField(max_length=1, null=True, blank=True)
    tds2_type = models.CharField(max_length=1, null=True, blank=True)
    tds2_status = models.CharField(max_length=20, null=True, blank=True)
    tds2_ret_url = models.CharField(max_length=256, null=True, blank=True)
    return_url = models.CharField(max_length=256, null=True, blank=True)
    return_url_on_failure = models.CharField(max_length=256, null=True, blank=True)
    td_tenant_name = models.CharField(max_length=25, null=True, blank=True)

    # Acquirer results
    forward = models.CharField(max_length=7, null=True, blank=True)
    issuer = models.CharField(max_length=7, null=True, blank=True)
    transaction_id = models.CharField(max_length=28, null=True, blank=True)
    approve = models.CharField(max_length=7, null=True, blank=True)
    auth_max_date = models.DateTimeField(null=True, blank=True)
    item_code = models.CharField(max_length=7, null=True, blank=True)
    error_code = models.CharField(max_length=11, null=True, blank=True)

    # An operation sent to the provider whose outcome is not known yet
    # (timeout, crash). Reconciliation resolves it by querying the provider.
    pending_operation = models.CharField(max_length=20, null=True, blank=True)
    pending_reference = models.CharField(max_length=64, null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    pending_amount = models.BigIntegerField(null=True, blank=True)
    operation_seq = models.PositiveIntegerField(default=0, help_text="Provider operations sent so far.")

    process_date = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mode", "order_id"], name="payment_unique_order_id"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(tax__gte=0), name="payment_amounts_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "mode", "pay_type", "-created"], name="payment_list"),
            models.Index(fields=["merchant", "mode", "status"], name="payment_status"),
            # Columns that most payments leave empty are indexed only where set: a card payment's
            # INSERT and every status change (never a HOT update: status is indexed) then write
            # five index entries, not fifteen. Lookups by value (``= x``, ``< x``, ``IN (…)``)
            # imply NOT NULL, so PostgreSQL uses these.
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"payment_{name}")
                for name in (
                    "customer",
                    "card",
                    "card_secret",
                    "credit_check",
                    "pending_since",
                    "payment_term",
                    "va_account_number",
                    "payment_method_id",
                )
            ),
        ]
        permissions = [("reconcile_payment", "Can reconcile payments with the provider")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.pay_type} {self.status}"

    @classmethod
    def new(cls, **values: Any) -> Payment:
        """A payment not saved yet, as ``Payment(**values)``: each column not in ``values`` at its
        default. Built as Django builds a row it loads (``Model.from_db``): every column's value,
        in order, positionally — not a hundred columns' defaults looked up keyword by keyword
        (a registration builds one payment per request). A related object (``merchant=``) is
        set as the keyword would set it, its id in the row and the object cached.
        """
        relations = _relations(cls)
        related = [(name, values.pop(name)) for name in relations if name in values]
        for name, obj in related:
            values[relations[name]] = None if obj is None else obj.pk
        row = [
            values.pop(attname) if attname in values else default() if call else default
            for attname, default, call in _column_defaults(cls)
        ]
        if values:
            raise TypeError(f"{cls.__name__}.new() got unexpected keyword arguments: {', '.join(values)}")
        payment = cls(*row)
        for name, obj in related:
            setattr(payment, name, obj)
        return payment

    @property
    def total_amount(self) -> int:
        return self.amount + self.tax


@functools.cache
def _column_defaults(model: type[models.Model]) -> tuple[tuple[str, Any, bool], ...]:
    """(attname, default, default is a callable) of each of ``model``'s columns, in order.
    ``default`` is what ``Field.get_default`` gives — the same object every time for a plain
    default, as Django's — or the callable to call for each new row."""
    columns = []
    for field in model._meta.concrete_fields:
        call = field.has_default() and callable(field.default)
        columns.append((field.attname, field.default if call else field.get_default(), call))
    return tuple(columns)


@functools.cache
def _relations(model: type[models.Model]) -> dict[str, str]:
    """The name → attname (``merchant`` → ``merchant_id``) of each of ``model``'s relation columns."""
    return {field.name: field.attname for field in model._meta.concrete_fields if field.is_relation}


class PaymentEvent(models.Model):
    """A payment's history: every transition and provider outcome, with time and actor."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    actor = models.CharField(max_length=100, help_text="api_key:…, operator e-mail, provider:…, or system.")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class ThreeDSecureSession(models.Model):
    """State of 3-D Secure 2 for one payment, kept by our (simulated) 3DS server."""

    class Profile(models.TextChoices):
        FRICTIONLESS = "frictionless"
        CHALLENGE = "challenge"
        FAIL = "fail"
        NOT_ENROLLED = "not_enrolled"

    payment = models.OneToOneField(Payment, on_delete=models.CASCADE, related_name="tds")
    profile = models.CharField(max_length=20, choices=Profile.choices)
    trans_result = models.CharField(max_length=1, blank=True)
    trans_result_reason = models.CharField(max_length=2, blank=True)
    challenge_attempts = models.PositiveSmallIntegerField(default=0)
    method_completed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"3DS {self.payment.access_id} {self.trans_result or self.profile}"


# Models of the asynchronous methods, webhooks and simulators live in their own modules.
from payments.asyncflows.models import ProviderNotification, WalletTerms  # noqa: E402
from payments.webhooks.models import (  # noqa: E402
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSecret,
    WebhookSetting,
)

__all__ = [
    "Card",
    "CardSecret",
    "CardToken",
    "Customer",
    "DirectDebitAccount",
    "JobCode",
    "Payment",
    "PaymentEvent",
    "PaymentMethodStatus",
    "ProviderNotification",
    "Status",
    "ThreeDSecureSession",
    "WalletTerms",
    "WalletTokenUse",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSecret",
    "WebhookSetting",
]  # fmt: skip
