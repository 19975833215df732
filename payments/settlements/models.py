"""The double-entry ledger and the settlement statements made from it (fincode's 売上入金).

A ``Posting`` is one money movement (a payment's captured amount changing, a chargeback stage,
an operator adjustment, a statement being fixed or paid out); its ``Entry`` rows debit and
credit accounts and balance (Σ debit = Σ credit; the database refuses a posting that does not).
Both tables are append-only: a trigger refuses UPDATE and DELETE. A ``Statement`` is one
settlement term of one merchant (its lines are the postings it settles, each at most once);
a ``PlatformStatement`` is a platform's income of platform fees for one term.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class Account(models.TextChoices):
    """Ledger accounts; each is kept per merchant, mode and currency."""

    ACQUIRER_RECEIVABLE = "acquirer_receivable", "Acquirer receivable (asset)"
    MERCHANT_PAYABLE = "merchant_payable", "Merchant payable (liability)"
    FEE_REVENUE = "fee_revenue", "Fee revenue (income)"
    TAX_PAYABLE = "tax_payable", "Consumption tax on fees (liability)"
    PLATFORM_PAYABLE = "platform_payable", "Platform payable: platform fees owed to a platform (liability)"
    CHARGEBACK_HELD = "chargeback_held", "Chargebacks held from the merchant (liability)"
    ADJUSTMENTS = "adjustments", "Operator adjustments (expense)"
    BANK = "bank", "Bank: deposits paid out (asset)"


class Kind(models.TextChoices):
    PAYMENT = "payment", "Payment (captured amount changed)"
    CHARGEBACK_HOLD = "chargeback_hold", "Chargeback held"
    CHARGEBACK_RELEASE = "chargeback_release", "Chargeback released"
    CHARGEBACK_LOSS = "chargeback_loss", "Chargeback lost to the acquirer"
    ADJUSTMENT = "adjustment", "Operator adjustment"
    STATEMENT_FIX = "statement_fix", "Statement fixed (taxes, bank transfer fee)"
    PAYOUT = "payout", "Deposit paid out"
    PAYOUT_RETURNED = "payout_returned", "Deposit returned by the bank"
    CLAIM_RECEIVED = "claim_received", "Claim paid by the merchant"


class TradeType(models.IntegerChoices):
    """fincode's AccountDetailTradeType (the statement line a posting makes)."""

    PAYMENT = 1, "Payment (+)"
    REFUND = 2, "Refund or cancel (−)"
    CHARGEBACK = 3, "Chargeback (−)"
    ADJUSTMENT = 4, "Adjustment (±)"
    CHARGEBACK_CANCEL = 5, "Chargeback canceled (+)"


class DepositStatus(models.IntegerChoices):
    """fincode's DepositStatusCode (the ones this portal uses; ``payments.settlements.deposits``
    moves a fixed statement between them)."""

    OPEN = 3001, "Open term (amount not fixed)"
    FIXED = 3002, "Fixed"
    DEPOSITED = 3003, "Deposited"
    HELD = 3004, "Deposit held"
    DEPOSIT_ERROR = 3005, "Deposit failed (returned by the bank)"
    CLAIMING = 3006, "The merchant owes (negative)"
    CLAIM_ERROR = 3007, "Claim failed"
    CLAIM_HELD = 3008, "Claim held"
    CLAIM_PAID = 3009, "Claim paid by the merchant"
    SETTLED_ZERO = 3011, "Settled at zero"


class Posting(models.Model):
    # The merchant whose statement the posting belongs to (a platform fee line credits the
    # platform's account: see ``Entry.merchant``). No foreign keys to merchants or payments
    # that could cascade a delete: ledger rows are never deleted.
    merchant = models.ForeignKey(Merchant, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trade_type = models.PositiveSmallIntegerField(choices=TradeType.choices, null=True, blank=True)
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    order_id = models.CharField(max_length=30, blank=True, default="")
    access_id = models.CharField(max_length=24, blank=True, default="")
    pay_type = models.CharField(max_length=20, blank=True, default="")
    fee_class = models.CharField(max_length=20, blank=True, default="")
    # Signed: the change of the merchant's sale (trade amount), of our fee and of the platform fee.
    amount = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    platform_fee = models.BigIntegerField(default=0)
    reference = models.CharField(max_length=64, blank=True, default="")
    stage = models.CharField(max_length=20, blank=True, default="")
    reason = models.CharField(max_length=200, blank=True, default="")
    actor = models.CharField(max_length=120, blank=True, default="")
    booked_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["payment"], name="settlements_posting_payment"),
            models.Index(fields=["merchant", "mode", "booked_at"], name="settlements_posting_merchant"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "stage"],
                condition=~Q(reference=""),
                name="settlements_posting_reference_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.order_id or self.reference})"


class Entry(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.DO_NOTHING, related_name="entries")
    merchant = models.ForeignKey(Merchant, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    currency = models.CharField(max_length=3)
    account = models.CharField(max_length=24, choices=Account.choices)
    debit = models.BigIntegerField(default=0)
    credit = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["merchant", "mode", "account"], name="settlements_entry_account")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)),
                name="settlements_entry_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} D{self.debit} C{self.credit}"


class Statement(models.Model):
    """One settlement term of one merchant (fincode's Account)."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("sales", 26), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="statements")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    currency = models.CharField(max_length=3, default="JPY")
    term_start = models.DateField()
    term_end = models.DateField()
    scheduled_deposit_date = models.DateField()
    status_code = models.PositiveIntegerField(choices=DepositStatus.choices, default=DepositStatus.FIXED)
    count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    fee_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    platform_fee_amount = models.BigIntegerField(default=0)
    platform_fee_tax_amount = models.BigIntegerField(default=0)
    settlement_amount = models.BigIntegerField(default=0)
    bank_transfer_fee = models.BigIntegerField(default=0)
    deposit_amount = models.BigIntegerField(default=0)
    fixed_at = models.DateTimeField(null=True, blank=True)
    deposited_at = models.DateTimeField(null=True, blank=True)
    # Why the deposit or claim is held or failed (an operator's words); empty otherwise.
    status_reason = models.CharField(max_length=200, blank=True, default="")
    # Payouts made (a returned one is retried): numbers each payout's ledger posting.
    payout_attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-term_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "mode", "currency", "term_start"],
                name="settlements_statement_once_per_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant} {self.mode} {self.term_start}–{self.term_end}"

    @property
    def account_id(self) -> int:
        """fincode's numeric settlement id (精算ID)."""
        return 1_000_000 + (self.pk or 0)


class StatementLine(models.Model):
    """A posting settled by a statement (fincode's AccountDetail); a posting is settled once."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    posting = models.OneToOneField(Posting, on_delete=models.DO_NOTHING, related_name="line")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.posting_id}"


class PlatformStatement(models.Model):
    """A platform's income of platform fees from its tenants' statements of one term."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("pfs", 17), editable=False)
    platform = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="platform_statements")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    currency = models.CharField(max_length=3, default="JPY")
    term_start = models.DateField()
    term_end = models.DateField()
    scheduled_deposit_date = models.DateField()
    status_code = models.PositiveIntegerField(choices=DepositStatus.choices, default=DepositStatus.FIXED)
    tenant_statements = models.ManyToManyField(Statement, related_name="platform_statements", blank=True)
    count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    platform_fee_amount = models.BigIntegerField(default=0)
    platform_fee_tax_amount = models.BigIntegerField(default=0)
    settlement_amount = models.BigIntegerField(default=0)
    bank_transfer_fee = models.BigIntegerField(default=0)
    deposit_amount = models.BigIntegerField(default=0)
    deposited_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-term_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "mode", "currency", "term_start", "term_end"],
                name="settlements_platform_statement_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.mode} {self.term_start}–{self.term_end}"

    @property
    def account_id(self) -> int:
        return 100_000 + (self.pk or 0)
