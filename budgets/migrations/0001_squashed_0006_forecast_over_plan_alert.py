"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import budgets.models
import portal.ids
from portal.migration_ops import CreateModels


class Migration(migrations.Migration):
    replaces = [
        ("budgets", "0001_initial"),
        ("budgets", "0002_charge_types_and_runs"),
        ("budgets", "0003_anomaly_suppressed_by"),
        ("budgets", "0004_exchange_rates"),
        ("budgets", "0005_readonly_api_keys"),
        ("budgets", "0006_forecast_over_plan_alert"),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="Project",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("bp", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "currency",
                            models.CharField(
                                default="JPY", help_text="Billing currency (ISO 4217).", max_length=3
                            ),
                        ),
                        ("description", models.TextField(blank=True)),
                        (
                            "webhook_url",
                            models.URLField(
                                blank=True,
                                help_text="Generic JSON webhook (works with Slack incoming webhooks).",
                                max_length=500,
                            ),
                        ),
                        (
                            "alert_overrun_months",
                            models.PositiveSmallIntegerField(
                                default=3,
                                help_text="Alert when the forecast exhausts the budget within this many months.",
                            ),
                        ),
                        (
                            "alert_actual_percents",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Alert when actual reaches these % of the plan to date (default 50, 80, 100).",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "members",
                            models.ManyToManyField(
                                blank=True,
                                related_name="budget_projects",
                                through="budgets.ProjectMember",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="BudgetRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("br", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("initial", "Initial budget"), ("additional", "Additional budget")],
                                default="initial",
                                max_length=12,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("requested", "Requested"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                ],
                                db_index=True,
                                default="requested",
                                max_length=10,
                            ),
                        ),
                        ("amount", models.DecimalField(decimal_places=4, max_digits=20)),
                        ("currency", models.CharField(max_length=3)),
                        ("start_month", models.DateField(help_text="First day of the first month.")),
                        ("months", models.PositiveSmallIntegerField()),
                        (
                            "schedule",
                            models.JSONField(
                                blank=True,
                                help_text="Optional monthly amounts (strings), one per month, summing to amount.",
                                null=True,
                            ),
                        ),
                        ("purpose", models.TextField()),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_note", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="requests",
                                to="budgets.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "permissions": [("approve_budgetrequest", "Can approve or reject budget requests")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("amount__gt", 0)), name="budgets_request_amount_positive"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("months__gte", 1)), name="budgets_request_months_positive"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BudgetRequestDocument",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("bd", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "file",
                            models.FileField(max_length=300, upload_to=budgets.models._request_document_path),
                        ),
                        ("original_name", models.CharField(max_length=255)),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "request",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="documents",
                                to="budgets.budgetrequest",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="CostImport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("ci", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "path",
                            models.CharField(
                                help_text="File on the server (or in the media storage).", max_length=1000
                            ),
                        ),
                        ("original_name", models.CharField(blank=True, max_length=255)),
                        (
                            "format",
                            models.CharField(
                                choices=[
                                    ("auto", "Detect from the columns"),
                                    ("focus", "FOCUS 1.0–1.3"),
                                    ("aws-cur", "AWS CUR 2.0"),
                                ],
                                default="auto",
                                max_length=10,
                            ),
                        ),
                        ("detected_format", models.CharField(blank=True, max_length=40)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("bytes_total", models.BigIntegerField(default=0)),
                        ("bytes_read", models.BigIntegerField(default=0)),
                        ("rows_read", models.BigIntegerField(default=0)),
                        (
                            "rows_stored",
                            models.BigIntegerField(
                                default=0, help_text="Aggregated daily cost rows written."
                            ),
                        ),
                        ("rows_rejected", models.BigIntegerField(default=0)),
                        (
                            "rejects",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="The first rejected rows: line and reason.",
                            ),
                        ),
                        (
                            "periods",
                            models.JSONField(blank=True, default=list, help_text="Billing periods replaced."),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "max_rejected",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="Rejected rows tolerated; more fails the run and changes nothing.",
                            ),
                        ),
                        (
                            "paths",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Every file of the run (several parts, a directory, a manifest).",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="CostStage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("billing_account_id", models.CharField(max_length=200)),
                        ("billing_period_start", models.DateField()),
                        ("charge_date", models.DateField()),
                        ("service_name", models.CharField(max_length=300)),
                        ("sub_account_id", models.CharField(max_length=200)),
                        ("resource_id", models.CharField(max_length=1000)),
                        ("region", models.CharField(max_length=100)),
                        ("tags", models.JSONField(default=dict)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "cost",
                            models.DecimalField(
                                decimal_places=12,
                                help_text="Billed cost (what the invoice says).",
                                max_digits=30,
                            ),
                        ),
                        (
                            "hours_mask",
                            models.IntegerField(
                                default=0, help_text="Bit h set: the resource billed in hour h (UTC)."
                            ),
                        ),
                        ("row_count", models.IntegerField(default=0)),
                        ("project_id", models.BigIntegerField(null=True)),
                        (
                            "cost_import",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="budgets.costimport",
                            ),
                        ),
                        (
                            "charge_category",
                            models.CharField(
                                default="usage",
                                help_text="usage, tax, credit, refund, fee, purchase, adjustment.",
                                max_length=12,
                            ),
                        ),
                        (
                            "charge_frequency",
                            models.CharField(
                                default="usage-based",
                                help_text="one-time, recurring, usage-based.",
                                max_length=12,
                            ),
                        ),
                        (
                            "effective_cost",
                            models.DecimalField(
                                decimal_places=12,
                                default=0,
                                help_text="Effective (amortized) cost: commitments spread over their usage.",
                                max_digits=30,
                            ),
                        ),
                    ],
                    options={
                        "abstract": False,
                    },
                ),
                migrations.CreateModel(
                    name="PlanVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        ("reason", models.CharField(max_length=500)),
                        ("total", models.DecimalField(decimal_places=4, max_digits=20)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "request",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to="budgets.budgetrequest",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="plan_versions",
                                to="budgets.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["project_id", "number"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("project", "number"), name="budgets_plan_version_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CostDaily",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("billing_account_id", models.CharField(max_length=200)),
                        ("billing_period_start", models.DateField()),
                        ("charge_date", models.DateField()),
                        ("service_name", models.CharField(max_length=300)),
                        ("sub_account_id", models.CharField(max_length=200)),
                        ("resource_id", models.CharField(max_length=1000)),
                        ("region", models.CharField(max_length=100)),
                        ("tags", models.JSONField(default=dict)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "cost",
                            models.DecimalField(
                                decimal_places=12,
                                help_text="Billed cost (what the invoice says).",
                                max_digits=30,
                            ),
                        ),
                        (
                            "hours_mask",
                            models.IntegerField(
                                default=0, help_text="Bit h set: the resource billed in hour h (UTC)."
                            ),
                        ),
                        ("row_count", models.IntegerField(default=0)),
                        (
                            "cost_import",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="budgets.costimport",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="budgets.project",
                            ),
                        ),
                        (
                            "charge_category",
                            models.CharField(
                                default="usage",
                                help_text="usage, tax, credit, refund, fee, purchase, adjustment.",
                                max_length=12,
                            ),
                        ),
                        (
                            "charge_frequency",
                            models.CharField(
                                default="usage-based",
                                help_text="one-time, recurring, usage-based.",
                                max_length=12,
                            ),
                        ),
                        (
                            "effective_cost",
                            models.DecimalField(
                                decimal_places=12,
                                default=0,
                                help_text="Effective (amortized) cost: commitments spread over their usage.",
                                max_digits=30,
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["billing_account_id", "billing_period_start"],
                                name="budgets_cost_period",
                            ),
                            models.Index(fields=["project", "charge_date"], name="budgets_cost_project_day"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CloudAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("sub_account_id", models.CharField(max_length=200, unique=True)),
                        ("name", models.CharField(blank=True, max_length=200)),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="accounts",
                                to="budgets.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["sub_account_id"],
                    },
                ),
                migrations.CreateModel(
                    name="BudgetAlert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("forecast_overrun", "Forecast overrun"),
                                    ("forecast_over_plan", "Forecast passes 100% of the plan"),
                                    ("actual_percent", "Actual reached a share of the plan to date"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "threshold",
                            models.PositiveIntegerField(help_text="Months (overrun) or percent (actual)."),
                        ),
                        ("message", models.CharField(max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("notified_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "plan_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="budgets.planversion",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="alerts",
                                to="budgets.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("project", "plan_version", "kind", "threshold"),
                                name="budgets_alert_once_per_plan",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Anomaly",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("an", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("scaled_up_left", "Scaled up and left"),
                                    ("not_stopped", "Forgotten to stop"),
                                    ("perf_env_left", "Performance-test environment left running"),
                                    ("mom_increase", "Abnormal month-over-month increase"),
                                    ("service_spike", "Spike in one service"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "scope",
                            models.CharField(
                                help_text="What it is about, e.g. resource:<id> or service:<name>.",
                                max_length=1200,
                            ),
                        ),
                        ("start_date", models.DateField()),
                        (
                            "detected_on",
                            models.DateField(help_text="The last day of data the detection used."),
                        ),
                        ("service_name", models.CharField(blank=True, max_length=300)),
                        ("resource_id", models.CharField(blank=True, max_length=1000)),
                        ("sub_account_id", models.CharField(blank=True, max_length=200)),
                        ("region", models.CharField(blank=True, max_length=100)),
                        (
                            "expected",
                            models.DecimalField(
                                decimal_places=12, help_text="Expected daily cost.", max_digits=30
                            ),
                        ),
                        (
                            "actual",
                            models.DecimalField(
                                decimal_places=12,
                                help_text="Actual daily cost (average over the evidence days).",
                                max_digits=30,
                            ),
                        ),
                        ("monthly_impact", models.DecimalField(decimal_places=12, max_digits=30)),
                        ("contributors", models.JSONField(blank=True, default=list)),
                        ("explanation", models.TextField(blank=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("answered", "Answered"),
                                    ("suppressed", "Suppressed (same cause answered before)"),
                                ],
                                db_index=True,
                                default="open",
                                max_length=12,
                            ),
                        ),
                        (
                            "answer",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("expected", "Expected"),
                                    ("planned", "Planned"),
                                    ("fixed", "Fixed"),
                                    ("false_alarm", "False alarm"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("answer_note", models.TextField(blank=True)),
                        ("answered_at", models.DateTimeField(blank=True, null=True)),
                        ("notified_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "answered_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="anomalies",
                                to="budgets.project",
                            ),
                        ),
                        (
                            "suppressed_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="The answered anomaly whose answer covers this one (same cause, size, not expired).",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="budgets.anomaly",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "anomalies",
                        "ordering": ["-start_date", "type"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("project", "type", "scope", "start_date"),
                                name="budgets_anomaly_unique",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AllocationRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("priority", models.PositiveIntegerField(unique=True)),
                        ("sub_account_id", models.CharField(blank=True, max_length=200)),
                        ("tag_key", models.CharField(blank=True, max_length=200)),
                        ("tag_value", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rules",
                                to="budgets.project",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["priority"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("sub_account_id", ""), _negated=True),
                                    models.Q(("tag_key", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="budgets_rule_has_condition",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProjectMember",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[("owner", "Owner"), ("member", "Member")],
                                default="member",
                                max_length=10,
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="budgets.project",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("project", "user"), name="budgets_member_unique")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BillingPeriod",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("billing_account_id", models.CharField(max_length=200)),
                        ("period_start", models.DateField()),
                        (
                            "imports",
                            models.PositiveIntegerField(
                                default=0, help_text="How many times the period was (re)imported."
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "last_import",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="budgets.costimport",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["billing_account_id", "period_start"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("billing_account_id", "period_start"),
                                name="budgets_billing_period_unique",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlanMonth",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("month", models.DateField()),
                        ("amount", models.DecimalField(decimal_places=4, max_digits=20)),
                        (
                            "version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="months",
                                to="budgets.planversion",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["month"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("version", "month"), name="budgets_plan_month_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ExchangeRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("month", models.DateField(help_text="First day of the month the rate applies to.")),
                        ("from_currency", models.CharField(max_length=3)),
                        ("to_currency", models.CharField(max_length=3)),
                        ("rate", models.DecimalField(decimal_places=10, max_digits=24)),
                        ("source", models.CharField(blank=True, max_length=200)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "ordering": ["-month", "from_currency", "to_currency"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("month", "from_currency", "to_currency"), name="budgets_rate_unique"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("rate__gt", 0)), name="budgets_rate_positive"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BudgetsApiKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("bk", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        (
                            "prefix",
                            models.CharField(
                                editable=False,
                                help_text="The key's first characters, to recognise it.",
                                max_length=16,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "read-only API key",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
        ),
        # From 0001: the staging table holds rows of imports in progress only: no WAL needed.
        # (0002's UPDATE of budgets_costdaily has nothing to update in a new database.)
        migrations.RunSQL(
            "ALTER TABLE budgets_coststage SET UNLOGGED",
            reverse_sql="ALTER TABLE budgets_coststage SET LOGGED",
        ),
    ]
