"""Plans, subscriptions and their charges.

A ``Subscription`` is billed on the dates its plan's cycle gives (``schedule.charge_date``):
charge number ``period`` falls on ``start_date`` plus ``period × interval``. Each charge
attempt is a ``SubscriptionCharge`` row with a payment of its own; at most one attempt of a
period succeeds (a partial unique index), so a period is never charged twice, whatever
processes race or die (``services/billing.py``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class IntervalPattern(models.TextChoices):
    MONTH = "month"
    YEAR = "year"


class Plan(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="plans")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    plan_id = models.CharField(max_length=25, default=id_factory("pl", 22))
    plan_name = models.CharField(max_length=200)
    description = models.CharField(max_length=400, blank=True)
    amount = models.PositiveIntegerField(help_text="Minor units of JPY (¥1 = 1).")
    tax = models.PositiveIntegerField(default=0)
    interval_pattern = models.CharField(
        max_length=5, choices=IntervalPattern.choices, default=IntervalPattern.MONTH
    )
    interval_count = models.PositiveSmallIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mode", "plan_id"], name="plan_unique_id"),
            models.CheckConstraint(condition=Q(interval_count__in=[1, 2, 3, 6]), name="plan_interval_count"),
        ]
        indexes = [models.Index(fields=["merchant", "mode", "-created"], name="plan_list")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.plan_name}"

    @property
    def total_amount(self) -> int:
        return self.amount + self.tax

    @property
    def interval_months(self) -> int:
        return self.interval_count * (12 if self.interval_pattern == IntervalPattern.YEAR else 1)


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"  # charged on its dates
        RUNNING = "RUNNING"  # a charge is in progress (``lease_until`` says until when at most)
        CANCELED = "CANCELED"  # unsubscribed: never charged again
        INCOMPLETE = "INCOMPLETE"  # registration failed: never charged

    class PayType(models.TextChoices):
        CARD = "Card"
        DIRECTDEBIT = "Directdebit"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="subscriptions")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    subscription_id = models.CharField(max_length=25, default=id_factory("su", 22))
    pay_type = models.CharField(max_length=11, choices=PayType.choices)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    customer = models.ForeignKey(
        "payments.Customer",
        on_delete=models.SET_NULL,
        null=True,
        related_name="subscriptions",
        help_text="Empty: the customer was deleted after the subscription was canceled.",
    )
    card = models.ForeignKey(
        "payments.Card",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="Empty: the customer's default card at each charge.",
    )
    payment_method_id = models.CharField(max_length=25, blank=True, help_text="Directdebit: the account.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True, help_text="No charge after this day.")
    end_month_flag = models.BooleanField(default=False, help_text="Charge on the last day of the month.")
    initial_amount = models.PositiveIntegerField(null=True, blank=True)
    initial_tax = models.PositiveIntegerField(null=True, blank=True)
    period = models.PositiveIntegerField(default=0, help_text="The next charge's number (0: the first).")
    next_charge_date = models.DateField(null=True, blank=True, help_text="Empty: no charge left.")
    retry_on = models.DateField(
        null=True, blank=True, help_text="A failed charge is tried again on this day."
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=11, blank=True)
    remarks = models.CharField(max_length=9, blank=True)
    client_field_1 = models.CharField(max_length=100, blank=True)
    client_field_2 = models.CharField(max_length=100, blank=True)
    client_field_3 = models.CharField(max_length=100, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    event_seq = models.PositiveIntegerField(default=0, help_text="The number of its last webhook event.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "mode", "subscription_id"], name="subscription_unique_id"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "mode", "-created"], name="subscription_list"),
            # The billing sweep: what is due (or stuck) by day.
            models.Index(fields=["next_charge_date"], condition=Q(status="ACTIVE"), name="subscription_due"),
            models.Index(
                fields=["lease_until"], condition=Q(lease_until__isnull=False), name="subscription_charging"
            ),
        ]

    def __str__(self) -> str:
        return self.subscription_id


class SubscriptionCharge(models.Model):
    """One attempt at charging one period (fincode's subscription *result*)."""

    class Status(models.TextChoices):
        PENDING = "PENDING"  # ours: the payment is being made
        CHECKED = "CHECKED"
        SUCCEEDED = "SUCCEEDED"
        FAILED = "FAILED"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="charges")
    period = models.PositiveIntegerField()
    attempt = models.PositiveSmallIntegerField(help_text="1 for the charge, 2… for its retries.")
    charge_date = models.DateField(help_text="The period's charge day.")
    run_date = models.DateField(help_text="The billing day this attempt was made on (its batch's day).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    order_id = models.CharField(max_length=30, unique=True, default=id_factory("sc", 24))
    payment = models.OneToOneField(
        "payments.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscription_charge",
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()
    tax = models.PositiveIntegerField()
    error_code = models.CharField(max_length=11, blank=True)
    tries = models.PositiveSmallIntegerField(default=0, help_text="Calls to the acquirer for this attempt.")
    process_date = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        "SubscriptionBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="charges"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period", "attempt"], name="subscription_charge_attempt"
            ),
            # A period is charged at most once.
            models.UniqueConstraint(
                fields=["subscription", "period"],
                condition=Q(status="SUCCEEDED"),
                name="subscription_charge_once",
            ),
            # At most one attempt of a subscription in flight.
            models.UniqueConstraint(
                fields=["subscription"], condition=Q(status="PENDING"), name="subscription_charge_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} #{self.period}.{self.attempt} {self.status}"

    @property
    def total_amount(self) -> int:
        return self.amount + self.tax


class SubscriptionBatch(models.Model):
    """A ``recurring.<pay type>.batch`` report: the settled charges of one merchant, pay type and
    billing day not reported before (each charge is reported in exactly one batch)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    pay_type = models.CharField(max_length=11)
    run_date = models.DateField()
    succeeded = models.PositiveIntegerField()
    failed = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "subscription batches"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.pay_type} {self.run_date}: {self.succeeded} ok, {self.failed} failed"
