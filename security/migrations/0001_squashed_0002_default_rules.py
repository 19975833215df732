"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.migration_ops import CreateModels


def create(apps, schema_editor):
    from security.seed import ensure_default_rules

    ensure_default_rules(apps=apps)


class Migration(migrations.Migration):
    replaces = [("security", "0001_initial"), ("security", "0002_default_rules")]

    initial = True

    dependencies = [
        ("portal", "0006_platforms_and_tenants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="AlertRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=120, unique=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("login.failed", "Failed sign-in"),
                                    ("login.throttled", "Sign-in locked out (throttled)"),
                                    ("otp.failed", "One-time code failed"),
                                    ("api_key.invalid", "Unknown or malformed API key"),
                                    ("api_key.throttled", "API authentication throttled"),
                                    ("api_key.new_address", "API key used from a new address"),
                                    ("api_key.revoked_used", "Revoked or expired API key used"),
                                    ("api_key.rolled", "API key rolled"),
                                    ("api_key.revoked", "API key revoked"),
                                    ("staff.permissions_changed", "Staff permissions changed"),
                                    ("webhook.url_changed", "Webhook URL changed"),
                                    ("outbound.refused", "Outbound destination refused"),
                                    ("admission.refusal_storm", "Admission refusal storm"),
                                ],
                                max_length=40,
                            ),
                        ),
                        (
                            "rule_type",
                            models.CharField(
                                choices=[
                                    ("threshold", "Threshold: at least N events in the window"),
                                    (
                                        "rate",
                                        "Rate: N events in the window and F× the preceding windows' average",
                                    ),
                                ],
                                default="threshold",
                                max_length=10,
                            ),
                        ),
                        (
                            "threshold",
                            models.PositiveIntegerField(
                                default=1, help_text="Events in the window that raise the alert."
                            ),
                        ),
                        ("window_seconds", models.PositiveIntegerField(default=300)),
                        (
                            "rate_factor",
                            models.PositiveIntegerField(
                                default=5,
                                help_text="Rate rules: the window's count must be this many times the usual.",
                            ),
                        ),
                        (
                            "group_by",
                            models.CharField(
                                choices=[
                                    ("none", "All events together"),
                                    ("source_ip", "Per source address"),
                                    ("merchant", "Per merchant"),
                                    ("actor", "Per actor"),
                                ],
                                default="none",
                                max_length=10,
                            ),
                        ),
                        (
                            "cooldown_seconds",
                            models.PositiveIntegerField(
                                default=900, help_text="At most one alert per group in this time."
                            ),
                        ),
                        (
                            "severity",
                            models.CharField(
                                choices=[("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
                                default="warning",
                                max_length=10,
                            ),
                        ),
                        (
                            "email_to",
                            models.CharField(
                                blank=True, help_text="Comma-separated addresses.", max_length=500
                            ),
                        ),
                        (
                            "webhook_url",
                            models.URLField(
                                blank=True, help_text="A JSON POST (Slack/Opsgenie-style incoming webhook)."
                            ),
                        ),
                        ("enabled", models.BooleanField(default=True)),
                    ],
                    options={
                        "ordering": ["kind", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="SecurityEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("occurred_at", models.DateTimeField(db_index=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("login.failed", "Failed sign-in"),
                                    ("login.throttled", "Sign-in locked out (throttled)"),
                                    ("otp.failed", "One-time code failed"),
                                    ("api_key.invalid", "Unknown or malformed API key"),
                                    ("api_key.throttled", "API authentication throttled"),
                                    ("api_key.new_address", "API key used from a new address"),
                                    ("api_key.revoked_used", "Revoked or expired API key used"),
                                    ("api_key.rolled", "API key rolled"),
                                    ("api_key.revoked", "API key revoked"),
                                    ("staff.permissions_changed", "Staff permissions changed"),
                                    ("webhook.url_changed", "Webhook URL changed"),
                                    ("outbound.refused", "Outbound destination refused"),
                                    ("admission.refusal_storm", "Admission refusal storm"),
                                ],
                                max_length=40,
                            ),
                        ),
                        (
                            "severity",
                            models.CharField(
                                choices=[("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
                                default="info",
                                max_length=10,
                            ),
                        ),
                        ("source_ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("actor_label", models.CharField(blank=True, max_length=254)),
                        ("summary", models.CharField(max_length=300)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-occurred_at", "-id"],
                        "indexes": [
                            models.Index(fields=["kind", "occurred_at"], name="security_kind_time"),
                            models.Index(
                                fields=["kind", "source_ip", "occurred_at"], name="security_kind_ip_time"
                            ),
                            models.Index(
                                fields=["kind", "merchant", "occurred_at"], name="security_kind_merchant_time"
                            ),
                            models.Index(
                                fields=["kind", "actor_label", "occurred_at"], name="security_kind_actor_time"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("group_key", models.CharField(blank=True, max_length=254)),
                        (
                            "bucket",
                            models.BigIntegerField(
                                help_text="Cooldown period number: one alert per rule, group and period."
                            ),
                        ),
                        ("raised_at", models.DateTimeField(db_index=True)),
                        ("event_count", models.PositiveIntegerField()),
                        ("summary", models.CharField(max_length=300)),
                        (
                            "delivery",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed"),
                                    ("no_channel", "No channel configured"),
                                ],
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("delivery_detail", models.CharField(blank=True, max_length=300)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        ("acknowledged_by", models.CharField(blank=True, max_length=254)),
                        (
                            "rule",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="alerts",
                                to="security.alertrule",
                            ),
                        ),
                        (
                            "last_event",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="security.securityevent",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-raised_at", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("rule", "group_key", "bucket"), name="security_alert_once_per_period"
                            )
                        ],
                    },
                ),
            ],
        ),
        # From 0002.
        migrations.RunPython(create, migrations.RunPython.noop),
    ]
