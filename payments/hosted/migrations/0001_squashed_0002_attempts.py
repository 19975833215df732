"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.db import migrations, models

import portal.ids
from portal.migration_ops import CreateModels


class Migration(migrations.Migration):
    replaces = [("hosted", "0001_initial"), ("hosted", "0002_attempts")]

    initial = True

    dependencies = [
        ("payments", "0009_payment_methods_directdebit"),
        ("portal", "0005_pay_types_from_registry"),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="CardRegistrationSession",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("CREATE", "Create"),
                                    ("PROCESSING", "Processing"),
                                    ("AUTHENTICATING", "Authenticating"),
                                    ("COMPLETED", "Completed"),
                                    ("CANCELED", "Canceled"),
                                ],
                                default="CREATE",
                                max_length=14,
                            ),
                        ),
                        ("claimed_until", models.DateTimeField(blank=True, null=True)),
                        ("success_url", models.CharField(blank=True, max_length=256)),
                        ("cancel_url", models.CharField(blank=True, max_length=256)),
                        ("expires_at", models.DateTimeField()),
                        ("shop_service_name", models.CharField(blank=True, max_length=100)),
                        ("guide_mail_send_flag", models.BooleanField(default=False)),
                        ("receiver_mail", models.CharField(blank=True, max_length=254)),
                        ("mail_customer_name", models.CharField(blank=True, max_length=384)),
                        ("shop_mail_template_id", models.CharField(blank=True, max_length=25)),
                        ("tds_type", models.CharField(blank=True, max_length=1)),
                        ("tds2_type", models.CharField(blank=True, max_length=1)),
                        ("td_tenant_name", models.CharField(blank=True, max_length=25)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "session_id",
                            models.CharField(default=portal.ids.IdFactory("cs", 22), max_length=25),
                        ),
                        (
                            "customer_id",
                            models.CharField(
                                help_text="Made when the card is registered, if new.", max_length=60
                            ),
                        ),
                        ("customer_name", models.CharField(blank=True, max_length=384)),
                        ("completion_mail_send_flag", models.BooleanField(default=False)),
                        (
                            "card",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="payments.card",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=0,
                                help_text="Pay or register attempts so far (bounded: no card testing through a page).",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "-created"], name="hosted_card_session_list"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("session_id",), name="hosted_card_session_id")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PaymentSession",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("CREATE", "Create"),
                                    ("PROCESSING", "Processing"),
                                    ("AUTHENTICATING", "Authenticating"),
                                    ("COMPLETED", "Completed"),
                                    ("CANCELED", "Canceled"),
                                ],
                                default="CREATE",
                                max_length=14,
                            ),
                        ),
                        ("claimed_until", models.DateTimeField(blank=True, null=True)),
                        ("success_url", models.CharField(blank=True, max_length=256)),
                        ("cancel_url", models.CharField(blank=True, max_length=256)),
                        ("expires_at", models.DateTimeField()),
                        ("shop_service_name", models.CharField(blank=True, max_length=100)),
                        ("guide_mail_send_flag", models.BooleanField(default=False)),
                        ("receiver_mail", models.CharField(blank=True, max_length=254)),
                        ("mail_customer_name", models.CharField(blank=True, max_length=384)),
                        ("shop_mail_template_id", models.CharField(blank=True, max_length=25)),
                        ("tds_type", models.CharField(blank=True, max_length=1)),
                        ("tds2_type", models.CharField(blank=True, max_length=1)),
                        ("td_tenant_name", models.CharField(blank=True, max_length=25)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "session_id",
                            models.CharField(default=portal.ids.IdFactory("ps", 22), max_length=25),
                        ),
                        (
                            "pay_types",
                            models.JSONField(
                                default=list, help_text="fincode's PaymentSessionPayType values."
                            ),
                        ),
                        ("order_id", models.CharField(max_length=30)),
                        ("amount", models.PositiveIntegerField()),
                        ("tax", models.PositiveIntegerField(default=0)),
                        ("client_field_1", models.CharField(blank=True, max_length=100)),
                        ("client_field_2", models.CharField(blank=True, max_length=100)),
                        ("client_field_3", models.CharField(blank=True, max_length=100)),
                        ("card_job_code", models.CharField(default="AUTH", max_length=7)),
                        ("item_code", models.CharField(blank=True, max_length=100)),
                        ("konbini_payment_term_day", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("konbini_reception_mail_send_flag", models.BooleanField(default=False)),
                        ("paypay_job_code", models.CharField(blank=True, max_length=7)),
                        ("order_description", models.CharField(blank=True, max_length=100)),
                        (
                            "virtualaccount_payment_term_day",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("virtualaccount_reception_mail_send_flag", models.BooleanField(default=False)),
                        ("thanks_mail_send_flag", models.BooleanField(default=False)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "payment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="payments.payment",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=0,
                                help_text="Pay or register attempts so far (bounded: no card testing through a page).",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "-created"], name="hosted_payment_session_list"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("session_id",), name="hosted_payment_session_id"),
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "order_id"), name="hosted_payment_session_order"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("pay_types", []), _negated=True),
                                name="hosted_payment_session_pay_types",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
