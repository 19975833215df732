"""Budgets: projects, their approved budgets (plan versions), imported cloud costs and anomalies.

Money is kept as exact decimals in the billing currency (``DecimalField``);
cost rows keep the many decimals FOCUS files carry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.destinations import public_url
from portal.ids import id_factory

# Costs: FOCUS files carry up to ~15 decimals; 30 digits with 12 decimals holds 10^18.
COST = {"max_digits": 30, "decimal_places": 12}
# Budgets and plans: amounts in the currency, to 4 decimals (enough for every ISO currency).
AMOUNT = {"max_digits": 20, "decimal_places": 4}


class Project(models.Model):
    """A service of the company, with its budget envelope and its cloud accounts."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("bp"), editable=False)
    name = models.CharField(max_length=200, unique=True)
    currency = models.CharField(max_length=3, default="JPY", help_text="Billing currency (ISO 4217).")
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="budget_projects", blank=True
    )
    webhook_url = models.URLField(
        max_length=500,
        blank=True,
        validators=[public_url],
        help_text="Generic JSON webhook (works with Slack incoming webhooks): https, to a public address.",
    )
    alert_overrun_months = models.PositiveSmallIntegerField(
        default=3, help_text="Alert when the forecast exhausts the budget within this many months."
    )
    alert_actual_percents = models.JSONField(
        default=list,
        blank=True,
        help_text="Alert when actual reaches these % of the plan to date (default 50, 80, 100).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="budgets_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class CloudAccount(models.Model):
    """A cloud sub-account (AWS account, Azure subscription, …) that belongs to a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="accounts")
    sub_account_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["sub_account_id"]

    def __str__(self) -> str:
        return self.sub_account_id


class AllocationRule(models.Model):
    """Maps cost rows to a project. Rules are tried by ascending ``priority``; the first match wins.

    A rule matches on the sub-account, on one tag ``key=value``, or on both (all
    given conditions must hold). Rows that match no rule are "unallocated".
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rules")
    priority = models.PositiveIntegerField(unique=True)
    sub_account_id = models.CharField(max_length=200, blank=True)
    tag_key = models.CharField(max_length=200, blank=True)
    tag_value = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sub_account_id="") | ~Q(tag_key=""), name="budgets_rule_has_condition"
            )
        ]

    def __str__(self) -> str:
        parts = []
        if self.sub_account_id:
            parts.append(f"sub-account {self.sub_account_id}")
        if self.tag_key:
            parts.append(f"tag {self.tag_key}={self.tag_value}")
        return f"#{self.priority}: {' and '.join(parts)} → {self.project_id}"


# --- Budget requests and plan ---------------------------------------------------------


class BudgetRequest(models.Model):
    """A request for budget (initial or additional), decided by an approver."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial budget"
        ADDITIONAL = "additional", "Additional budget"

    TRANSITIONS: dict[str, set[str]] = {
        Status.REQUESTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("br"), editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INITIAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    start_month = models.DateField(help_text="First day of the first month.")
    months = models.PositiveSmallIntegerField()
    schedule = models.JSONField(
        null=True,
        blank=True,
        help_text="Optional monthly amounts (strings), one per month, summing to amount.",
    )
    purpose = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        permissions = [("approve_budgetrequest", "Can approve or reject budget requests")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budgets_request_amount_positive"),
            models.CheckConstraint(condition=Q(months__gte=1), name="budgets_request_months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.amount} {self.currency} from {self.start_month:%Y-%m} ({self.status})"


def _request_document_path(instance: BudgetRequestDocument, filename: str) -> str:
    return f"budgets/requests/{instance.request.public_id}/{instance.public_id}"


class BudgetRequestDocument(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=id_factory("bd"), editable=False)
    request = models.ForeignKey(BudgetRequest, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=_request_document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class PlanVersion(models.Model):
    """One version of a project's plan: the monthly amounts in force from ``created_at``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    request = models.ForeignKey(BudgetRequest, on_delete=models.SET_NULL, null=True, blank=True)
    total = models.DecimalField(**AMOUNT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="budgets_plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} plan v{self.number}"


class PlanMonth(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["version", "month"], name="budgets_plan_month_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.amount}"


# --- Costs ------------------------------------------------------------------------------


class CostImport(models.Model):
    """One cost file imported (or being imported) — the admin shows its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        AUTO = "auto", "Detect from the columns"
        FOCUS = "focus", "FOCUS 1.0–1.3"
        AWS_CUR = "aws-cur", "AWS CUR 2.0"

    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("ci"), editable=False)
    path = models.CharField(max_length=1000, help_text="File on the server (or in the media storage).")
    original_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.AUTO)
    detected_format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    rows_stored = models.BigIntegerField(default=0, help_text="Aggregated daily cost rows written.")
    rows_rejected = models.BigIntegerField(default=0)
    rejects = models.JSONField(
        default=list, blank=True, help_text="The first rejected rows: line and reason."
    )
    periods = models.JSONField(default=list, blank=True, help_text="Billing periods replaced.")
    paths = models.JSONField(
        default=list, blank=True, help_text="Every file of the run (several parts, a directory, a manifest)."
    )
    max_rejected = models.PositiveIntegerField(
        default=0, help_text="Rejected rows tolerated; more fails the run and changes nothing."
    )
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name or self.path} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.bytes_total:
            return 0
        return min(99, int(100 * self.bytes_read / self.bytes_total))


class ChargeCategory(models.TextChoices):
    USAGE = "usage", "Usage"
    TAX = "tax", "Tax"
    CREDIT = "credit", "Credit"
    REFUND = "refund", "Refund"
    FEE = "fee", "Fee"
    PURCHASE = "purchase", "Purchase / commitment"
    ADJUSTMENT = "adjustment", "Adjustment"


class CostFields(models.Model):
    """Cost per day × project × service × sub-account × resource (× region, tags) of one billing period."""

    billing_account_id = models.CharField(max_length=200)
    billing_period_start = models.DateField()
    charge_date = models.DateField()
    service_name = models.CharField(max_length=300)
    sub_account_id = models.CharField(max_length=200)
    resource_id = models.CharField(max_length=1000)
    region = models.CharField(max_length=100)
    tags = models.JSONField(default=dict)
    currency = models.CharField(max_length=3)
    cost = models.DecimalField(**COST, help_text="Billed cost (what the invoice says).")
    effective_cost = models.DecimalField(
        **COST, default=0, help_text="Effective (amortized) cost: commitments spread over their usage."
    )
    charge_category = models.CharField(
        max_length=12, default="usage", help_text="usage, tax, credit, refund, fee, purchase, adjustment."
    )
    charge_frequency = models.CharField(
        max_length=12, default="usage-based", help_text="one-time, recurring, usage-based."
    )
    hours_mask = models.IntegerField(default=0, help_text="Bit h set: the resource billed in hour h (UTC).")
    row_count = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.charge_date} {self.service_name} {self.resource_id} {self.cost}"


class CostStage(CostFields):
    """Rows of an import in progress, pre-aggregated per chunk; folded into CostDaily at the end."""

    cost_import = models.ForeignKey(CostImport, on_delete=models.CASCADE, related_name="+", db_index=True)
    project_id = models.BigIntegerField(null=True)


class CostDaily(CostFields):
    """The imported costs: what budgets, forecasts and anomaly detection read."""

    project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cost_import = models.ForeignKey(CostImport, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["billing_account_id", "billing_period_start"], name="budgets_cost_period"),
            models.Index(fields=["project", "charge_date"], name="budgets_cost_project_day"),
        ]


# --- Anomalies and alerts -----------------------------------------------------------------


class Anomaly(models.Model):
    class Type(models.TextChoices):
        SCALED_UP_LEFT = "scaled_up_left", "Scaled up and left"
        NOT_STOPPED = "not_stopped", "Forgotten to stop"
        PERF_ENV_LEFT = "perf_env_left", "Performance-test environment left running"
        MOM_INCREASE = "mom_increase", "Abnormal month-over-month increase"
        SERVICE_SPIKE = "service_spike", "Spike in one service"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        SUPPRESSED = "suppressed", "Suppressed (same cause answered before)"

    class Answer(models.TextChoices):
        EXPECTED = "expected", "Expected"
        PLANNED = "planned", "Planned"
        FIXED = "fixed", "Fixed"
        FALSE_ALARM = "false_alarm", "False alarm"

    # Answers that say "this cause is fine": later anomalies of the same cause are suppressed.
    SUPPRESSING_ANSWERS = {Answer.EXPECTED, Answer.PLANNED, Answer.FALSE_ALARM}

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("an"), editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="anomalies")
    type = models.CharField(max_length=20, choices=Type.choices)
    scope = models.CharField(
        max_length=1200, help_text="What it is about, e.g. resource:<id> or service:<name>."
    )
    start_date = models.DateField()
    detected_on = models.DateField(help_text="The last day of data the detection used.")
    service_name = models.CharField(max_length=300, blank=True)
    resource_id = models.CharField(max_length=1000, blank=True)
    sub_account_id = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=100, blank=True)
    expected = models.DecimalField(**COST, help_text="Expected daily cost.")
    actual = models.DecimalField(**COST, help_text="Actual daily cost (average over the evidence days).")
    monthly_impact = models.DecimalField(**COST)
    contributors = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True)
    answer_note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    suppressed_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The answered anomaly whose answer covers this one (same cause, size, not expired).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "type"]
        verbose_name_plural = "anomalies"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "type", "scope", "start_date"], name="budgets_anomaly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.scope} from {self.start_date}"


class BudgetAlert(models.Model):
    """A threshold crossed (forecast overrun within K months, actual at N% of the plan to date)."""

    class Kind(models.TextChoices):
        FORECAST_OVERRUN = "forecast_overrun", "Forecast overrun"
        FORECAST_OVER_PLAN = "forecast_over_plan", "Forecast passes 100% of the plan"
        ACTUAL_PERCENT = "actual_percent", "Actual reached a share of the plan to date"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alerts")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.PositiveIntegerField(help_text="Months (overrun) or percent (actual).")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "plan_version", "kind", "threshold"], name="budgets_alert_once_per_plan"
            )
        ]

    def __str__(self) -> str:
        return self.message


class BillingPeriod(models.Model):
    """A billing period of a billing account; locked while an import replaces its costs."""

    billing_account_id = models.CharField(max_length=200)
    period_start = models.DateField()
    last_import = models.ForeignKey(CostImport, on_delete=models.SET_NULL, null=True, related_name="+")
    imports = models.PositiveIntegerField(default=0, help_text="How many times the period was (re)imported.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["billing_account_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["billing_account_id", "period_start"], name="budgets_billing_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.billing_account_id} {self.period_start:%Y-%m}"


class ExchangeRate(models.Model):
    """A monthly rate maintained by the operators: 1 ``from_currency`` = ``rate`` ``to_currency``."""

    month = models.DateField(help_text="First day of the month the rate applies to.")
    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=24, decimal_places=10)
    source = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "from_currency", "to_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "from_currency", "to_currency"], name="budgets_rate_unique"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="budgets_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 1 {self.from_currency} = {self.rate} {self.to_currency}"


class BudgetsApiKey(models.Model):
    """A read-only API key for automation: acts as its user, GET only. Only its hash is stored."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("bk"), editable=False)
    name = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The key's first characters, to recognise it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "read-only API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
