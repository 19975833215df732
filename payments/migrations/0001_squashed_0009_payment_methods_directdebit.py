"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.db import migrations, models

import portal.ids
import portal.pay_types
from portal.migration_ops import CreateModels, drop_like_index


class Migration(migrations.Migration):
    replaces = [
        ("payments", "0001_initial"),
        ("payments", "0002_async_methods_webhooks"),
        ("payments", "0003_bnpl"),
        ("payments", "0004_card_secret_fast_delete"),
        ("payments", "0005_fewer_payment_indexes"),
        ("payments", "0006_pay_types_from_registry"),
        ("payments", "0007_simulators_own_app"),
        ("payments", "0008_wallet_token_use"),
        ("payments", "0009_payment_methods_directdebit"),
    ]

    initial = True

    dependencies = [
        ("credit", "0005_fewer_check_indexes"),
        ("portal", "0005_pay_types_from_registry"),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="CardSecret",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "purpose",
                            models.CharField(
                                choices=[
                                    ("token", "Token"),
                                    ("card", "Card"),
                                    ("payment", "Payment"),
                                    ("account", "Account"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "key_id",
                            models.CharField(help_text="Which encryption key; for rotation.", max_length=32),
                        ),
                        ("nonce", models.BinaryField(max_length=12)),
                        ("ciphertext", models.BinaryField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                    ],
                    options={
                        "indexes": [models.Index(fields=["key_id"], name="cardsecret_key_id")],
                    },
                ),
                migrations.CreateModel(
                    name="CardToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("card_no", models.CharField(help_text="Masked: ************1111", max_length=16)),
                        ("brand", models.CharField(blank=True, max_length=10)),
                        ("expire", models.CharField(help_text="YYMM", max_length=4)),
                        ("holder_name", models.CharField(blank=True, max_length=50)),
                        ("card_no_hash", models.CharField(db_index=True, max_length=64)),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "secret",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="payments.cardsecret",
                            ),
                        ),
                    ],
                    options={
                        "abstract": False,
                    },
                ),
                migrations.CreateModel(
                    name="Customer",
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
                            "customer_id",
                            models.CharField(default=portal.ids.IdFactory("c", 22), max_length=60),
                        ),
                        ("name", models.CharField(blank=True, max_length=384)),
                        ("email", models.CharField(blank=True, max_length=254)),
                        ("phone_cc", models.CharField(blank=True, max_length=3)),
                        ("phone_no", models.CharField(blank=True, max_length=15)),
                        ("addr_country", models.CharField(blank=True, max_length=3)),
                        ("addr_state", models.CharField(blank=True, max_length=3)),
                        ("addr_city", models.CharField(blank=True, max_length=50)),
                        ("addr_line_1", models.CharField(blank=True, max_length=50)),
                        ("addr_line_2", models.CharField(blank=True, max_length=50)),
                        ("addr_line_3", models.CharField(blank=True, max_length=50)),
                        ("addr_post_code", models.CharField(blank=True, max_length=16)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="customers",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(fields=["merchant", "mode", "-created"], name="customer_list")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "customer_id"), name="customer_unique_id"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Card",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("card_no", models.CharField(help_text="Masked: ************1111", max_length=16)),
                        ("brand", models.CharField(blank=True, max_length=10)),
                        ("expire", models.CharField(help_text="YYMM", max_length=4)),
                        ("holder_name", models.CharField(blank=True, max_length=50)),
                        ("card_no_hash", models.CharField(db_index=True, max_length=64)),
                        (
                            "card_id",
                            models.CharField(
                                default=portal.ids.IdFactory("cs", 22), max_length=25, unique=True
                            ),
                        ),
                        ("default_flag", models.BooleanField(default=False)),
                        (
                            "type",
                            models.CharField(
                                choices=[("0", "Unknown"), ("1", "Debit"), ("2", "Prepaid"), ("3", "Credit")],
                                default="0",
                                max_length=1,
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "secret",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="payments.cardsecret",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cards",
                                to="payments.customer",
                            ),
                        ),
                        ("client_field_1", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_2", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_3", models.CharField(blank=True, max_length=100, null=True)),
                        ("return_url", models.CharField(blank=True, max_length=256, null=True)),
                        ("return_url_on_failure", models.CharField(blank=True, max_length=256, null=True)),
                        ("tds_type", models.CharField(blank=True, max_length=1, null=True)),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("default_flag", True)),
                                fields=("customer",),
                                name="card_one_default_per_customer",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Payment",
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
                        ("order_id", models.CharField(default=portal.ids.IdFactory("o", 22), max_length=30)),
                        (
                            "access_id",
                            models.CharField(
                                default=portal.ids.IdFactory("a", 22), max_length=24, unique=True
                            ),
                        ),
                        (
                            "pay_type",
                            models.CharField(choices=portal.pay_types.pay_type_choices, max_length=20),
                        ),
                        (
                            "job_code",
                            models.CharField(
                                choices=[("CHECK", "Check"), ("AUTH", "Auth"), ("CAPTURE", "Capture")],
                                max_length=7,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("UNPROCESSED", "Unprocessed"),
                                    ("CHECKED", "Checked"),
                                    ("AUTHORIZED", "Authorized"),
                                    ("AWAITING_CUSTOMER_PAYMENT", "Awaiting Customer Payment"),
                                    ("AWAITING_PAYMENT_APPROVAL", "Awaiting Payment Approval"),
                                    ("CAPTURED", "Captured"),
                                    ("CANCELED", "Canceled"),
                                    ("EXPIRED", "Expired"),
                                    ("AUTHENTICATED", "Authenticated"),
                                    ("FAILED", "Failed"),
                                ],
                                default="UNPROCESSED",
                                max_length=30,
                            ),
                        ),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        ("amount", models.BigIntegerField()),
                        ("tax", models.BigIntegerField(default=0)),
                        ("client_field_1", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_2", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_3", models.CharField(blank=True, max_length=100, null=True)),
                        ("card_no", models.CharField(blank=True, max_length=16, null=True)),
                        ("brand", models.CharField(blank=True, max_length=10, null=True)),
                        ("expire", models.CharField(blank=True, max_length=4, null=True)),
                        ("holder_name", models.CharField(blank=True, max_length=50, null=True)),
                        ("card_no_hash", models.CharField(blank=True, max_length=64, null=True)),
                        ("method", models.CharField(blank=True, max_length=1, null=True)),
                        ("pay_times", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("tds_type", models.CharField(blank=True, max_length=1, null=True)),
                        ("tds2_type", models.CharField(blank=True, max_length=1, null=True)),
                        ("tds2_status", models.CharField(blank=True, max_length=20, null=True)),
                        ("tds2_ret_url", models.CharField(blank=True, max_length=256, null=True)),
                        ("return_url", models.CharField(blank=True, max_length=256, null=True)),
                        ("return_url_on_failure", models.CharField(blank=True, max_length=256, null=True)),
                        ("td_tenant_name", models.CharField(blank=True, max_length=25, null=True)),
                        ("forward", models.CharField(blank=True, max_length=7, null=True)),
                        ("issuer", models.CharField(blank=True, max_length=7, null=True)),
                        ("transaction_id", models.CharField(blank=True, max_length=28, null=True)),
                        ("approve", models.CharField(blank=True, max_length=7, null=True)),
                        ("auth_max_date", models.DateTimeField(blank=True, null=True)),
                        ("item_code", models.CharField(blank=True, max_length=7, null=True)),
                        ("error_code", models.CharField(blank=True, max_length=11, null=True)),
                        ("pending_operation", models.CharField(blank=True, max_length=20, null=True)),
                        ("pending_reference", models.CharField(blank=True, max_length=64, null=True)),
                        ("pending_since", models.DateTimeField(blank=True, null=True)),
                        ("pending_amount", models.BigIntegerField(blank=True, null=True)),
                        (
                            "operation_seq",
                            models.PositiveIntegerField(
                                default=0, help_text="Provider operations sent so far."
                            ),
                        ),
                        ("process_date", models.DateTimeField(blank=True, null=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "card",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="payments",
                                to="payments.card",
                            ),
                        ),
                        (
                            "card_secret",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="payments.cardsecret",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="payments",
                                to="payments.customer",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="payments",
                                to="portal.merchant",
                            ),
                        ),
                        ("account_assignment_date", models.DateTimeField(blank=True, null=True)),
                        (
                            "barcode",
                            models.TextField(
                                blank=True, help_text="Base64 PNG, made by PUT …/barcode.", null=True
                            ),
                        ),
                        ("barcode_format", models.CharField(blank=True, max_length=3, null=True)),
                        ("barcode_height", models.CharField(blank=True, max_length=9, null=True)),
                        ("barcode_width", models.CharField(blank=True, max_length=9, null=True)),
                        ("billing_amount", models.BigIntegerField(blank=True, null=True)),
                        ("billing_tax", models.BigIntegerField(blank=True, null=True)),
                        ("cancel_description", models.CharField(blank=True, max_length=100, null=True)),
                        ("cancel_overpayment_flag", models.BooleanField(default=False)),
                        ("capture_description", models.CharField(blank=True, max_length=100, null=True)),
                        ("code_expiry_date", models.DateTimeField(blank=True, null=True)),
                        ("code_id", models.CharField(blank=True, max_length=64, null=True)),
                        ("device_name", models.CharField(blank=True, max_length=20, null=True)),
                        ("event_seq", models.PositiveIntegerField(default=0)),
                        ("expire_overpayment_flag", models.BooleanField(default=False)),
                        ("invoice_id", models.CharField(blank=True, max_length=20, null=True)),
                        ("konbini_code", models.CharField(blank=True, max_length=5, null=True)),
                        ("konbini_result", models.CharField(blank=True, max_length=3, null=True)),
                        ("konbini_store_code", models.CharField(blank=True, max_length=8, null=True)),
                        ("merchant_capture_id", models.CharField(blank=True, max_length=64, null=True)),
                        ("merchant_payment_id", models.CharField(blank=True, max_length=64, null=True)),
                        ("merchant_revert_id", models.CharField(blank=True, max_length=64, null=True)),
                        ("merchant_update_id", models.CharField(blank=True, max_length=64, null=True)),
                        ("order_description", models.CharField(blank=True, max_length=100, null=True)),
                        ("order_serial", models.CharField(blank=True, max_length=18, null=True)),
                        ("os_version", models.CharField(blank=True, max_length=10, null=True)),
                        ("overpayment_flag", models.BooleanField(default=False)),
                        ("payment_date", models.DateTimeField(blank=True, null=True)),
                        ("payment_term", models.DateTimeField(blank=True, null=True)),
                        ("payment_term_day", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("paypay_result_code", models.CharField(blank=True, max_length=256, null=True)),
                        ("provider_checked_at", models.DateTimeField(blank=True, null=True)),
                        ("redirect_type", models.CharField(blank=True, max_length=1, null=True)),
                        ("redirect_url", models.CharField(blank=True, max_length=256, null=True)),
                        ("remitter_account_name", models.CharField(blank=True, max_length=48, null=True)),
                        ("remitter_bank_name", models.CharField(blank=True, max_length=30, null=True)),
                        ("remitter_branch_name", models.CharField(blank=True, max_length=15, null=True)),
                        ("store_id", models.CharField(blank=True, max_length=18, null=True)),
                        ("transaction_date", models.DateField(blank=True, null=True)),
                        (
                            "transferred_amount",
                            models.BigIntegerField(
                                blank=True,
                                help_text="Extension: the sum of every transfer received.",
                                null=True,
                            ),
                        ),
                        ("update_description", models.CharField(blank=True, max_length=100, null=True)),
                        ("va_account_name", models.CharField(blank=True, max_length=40, null=True)),
                        ("va_account_number", models.CharField(blank=True, max_length=7, null=True)),
                        ("va_bank_code", models.CharField(blank=True, max_length=4, null=True)),
                        ("va_branch_code", models.CharField(blank=True, max_length=3, null=True)),
                        ("va_branch_name", models.CharField(blank=True, max_length=15, null=True)),
                        ("value_date", models.DateField(blank=True, null=True)),
                        ("virtual_account_id", models.CharField(blank=True, max_length=10, null=True)),
                        (
                            "wallet",
                            models.CharField(
                                blank=True,
                                help_text="Extension: which wallet (paypay, dpay, rakutenpay).",
                                max_length=20,
                                null=True,
                            ),
                        ),
                        ("wallet_payment_id", models.CharField(blank=True, max_length=64, null=True)),
                        (
                            "wallet_url",
                            models.CharField(
                                blank=True, help_text="The wallet's own link.", max_length=512, null=True
                            ),
                        ),
                        ("win_height", models.CharField(blank=True, max_length=5, null=True)),
                        ("win_width", models.CharField(blank=True, max_length=5, null=True)),
                        ("xdpi", models.CharField(blank=True, max_length=6, null=True)),
                        ("ydpi", models.CharField(blank=True, max_length=6, null=True)),
                        (
                            "bnpl_decline_category",
                            models.CharField(
                                blank=True,
                                help_text="Why a BNPL payment was declined: a category, never the rule.",
                                max_length=30,
                                null=True,
                            ),
                        ),
                        (
                            "bnpl_invoice_method",
                            models.CharField(
                                blank=True,
                                help_text="How the buyer pays the invoice: konbini or bank_transfer.",
                                max_length=20,
                                null=True,
                            ),
                        ),
                        (
                            "credit_check",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.creditcheck",
                            ),
                        ),
                        ("dd_bank_code", models.CharField(blank=True, max_length=4, null=True)),
                        ("dd_bank_name", models.CharField(blank=True, max_length=45, null=True)),
                        ("dd_branch_code", models.CharField(blank=True, max_length=3, null=True)),
                        ("dd_branch_name", models.CharField(blank=True, max_length=45, null=True)),
                        ("payment_method_id", models.CharField(blank=True, max_length=25, null=True)),
                        ("remarks", models.CharField(blank=True, max_length=9, null=True)),
                        ("request_accept_end_date", models.DateField(blank=True, null=True)),
                        ("result_code", models.CharField(blank=True, max_length=1, null=True)),
                        ("target_date", models.DateField(blank=True, null=True)),
                        ("transfer_return_date", models.DateField(blank=True, null=True)),
                        ("withdrawal_date", models.DateField(blank=True, null=True)),
                    ],
                    options={
                        "permissions": [("reconcile_payment", "Can reconcile payments with the provider")],
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "pay_type", "-created"], name="payment_list"
                            ),
                            models.Index(fields=["merchant", "mode", "status"], name="payment_status"),
                            models.Index(
                                condition=models.Q(("customer__isnull", False)),
                                fields=["customer"],
                                name="payment_customer",
                            ),
                            models.Index(
                                condition=models.Q(("card__isnull", False)),
                                fields=["card"],
                                name="payment_card",
                            ),
                            models.Index(
                                condition=models.Q(("card_secret__isnull", False)),
                                fields=["card_secret"],
                                name="payment_card_secret",
                            ),
                            models.Index(
                                condition=models.Q(("credit_check__isnull", False)),
                                fields=["credit_check"],
                                name="payment_credit_check",
                            ),
                            models.Index(
                                condition=models.Q(("pending_since__isnull", False)),
                                fields=["pending_since"],
                                name="payment_pending_since",
                            ),
                            models.Index(
                                condition=models.Q(("payment_term__isnull", False)),
                                fields=["payment_term"],
                                name="payment_payment_term",
                            ),
                            models.Index(
                                condition=models.Q(("va_account_number__isnull", False)),
                                fields=["va_account_number"],
                                name="payment_va_account_number",
                            ),
                            models.Index(
                                condition=models.Q(("payment_method_id__isnull", False)),
                                fields=["payment_method_id"],
                                name="payment_payment_method_id",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "order_id"), name="payment_unique_order_id"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("amount__gte", 0), ("tax__gte", 0)),
                                name="payment_amounts_not_negative",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PaymentEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("action", models.CharField(max_length=40)),
                        ("from_status", models.CharField(blank=True, max_length=30)),
                        ("to_status", models.CharField(blank=True, max_length=30)),
                        (
                            "actor",
                            models.CharField(
                                help_text="api_key:…, operator e-mail, provider:…, or system.", max_length=100
                            ),
                        ),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        (
                            "payment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="payments.payment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="ThreeDSecureSession",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "profile",
                            models.CharField(
                                choices=[
                                    ("frictionless", "Frictionless"),
                                    ("challenge", "Challenge"),
                                    ("fail", "Fail"),
                                    ("not_enrolled", "Not Enrolled"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("trans_result", models.CharField(blank=True, max_length=1)),
                        ("trans_result_reason", models.CharField(blank=True, max_length=2)),
                        ("challenge_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("method_completed_at", models.DateTimeField(blank=True, null=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "payment",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tds",
                                to="payments.payment",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "delivery_id",
                            models.CharField(
                                default=portal.ids.IdFactory("wd", 24), max_length=40, unique=True
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed (gave up)"),
                                    ("canceled", "Canceled (setting deleted)"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField()),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("lease_token", models.CharField(blank=True, max_length=32)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("last_status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "event",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="payments.webhookevent",
                            ),
                        ),
                        (
                            "setting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="payments.webhooksetting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "webhook deliveries",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status", "pending")),
                                fields=["next_attempt_at"],
                                name="webhook_delivery_due",
                            ),
                            models.Index(fields=["setting", "-id"], name="webhook_delivery_setting"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("event", "setting"), name="webhook_delivery_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="WalletTerms",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "wallets",
                            models.JSONField(default=list, help_text='e.g. ["paypay", "dpay", "rakutenpay"]'),
                        ),
                        ("default_wallet", models.CharField(default="paypay", max_length=20)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="wallet_terms",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "wallet terms",
                    },
                ),
                migrations.CreateModel(
                    name="WebhookAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.PositiveIntegerField()),
                        (
                            "manual",
                            models.BooleanField(
                                default=False, help_text="Resent by the merchant or an operator."
                            ),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("duration_ms", models.PositiveIntegerField()),
                        ("url", models.URLField(max_length=2000)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("delivered", models.BooleanField()),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("response_excerpt", models.CharField(blank=True, max_length=500)),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempt_log",
                                to="payments.webhookdelivery",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-id"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "event_id",
                            models.CharField(
                                default=portal.ids.IdFactory("evt", 24), max_length=40, unique=True
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        (
                            "sequence",
                            models.PositiveIntegerField(
                                help_text="Per payment: 1, 2, 3 … in the order of the changes."
                            ),
                        ),
                        ("event", models.CharField(max_length=64)),
                        ("payload", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "history",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="payments.paymentevent",
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
                            "payment",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhook_events",
                                to="payments.payment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "-created_at"], name="webhook_event_recent"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("payment", "sequence"), name="webhook_event_unique_sequence"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookSecret",
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
                        ("secret", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "expires_at",
                            models.DateTimeField(
                                blank=True, help_text="Empty: the current secret.", null=True
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhook_secrets",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "expires_at"], name="webhook_secret_valid"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("expires_at__isnull", True)),
                                fields=("merchant", "mode"),
                                name="webhook_secret_one_current",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookSetting",
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
                            "setting_id",
                            models.CharField(default=portal.ids.IdFactory("w", 22), max_length=50),
                        ),
                        ("url", models.URLField(max_length=2000)),
                        ("event", models.CharField(max_length=64)),
                        (
                            "signature",
                            models.CharField(
                                blank=True,
                                help_text="Sent as Fincode-Signature (the merchant's chosen string).",
                                max_length=60,
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhook_settings",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                condition=models.Q(("deleted_at__isnull", True)),
                                fields=["merchant", "mode", "event"],
                                name="webhook_setting_active",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "setting_id"), name="webhook_setting_unique_id"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProviderNotification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("provider", models.CharField(max_length=20)),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("event_id", models.CharField(max_length=100)),
                        ("body", models.TextField()),
                        ("headers", models.JSONField(default=dict)),
                        ("received_at", models.DateTimeField(auto_now_add=True)),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                        ("outcome", models.CharField(blank=True, max_length=40)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        (
                            "payment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="notifications",
                                to="payments.payment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(
                                fields=["processed_at", "received_at"], name="provider_notification_todo"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("provider", "event_id"), name="provider_notification_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="WalletTokenUse",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("pay_type", models.CharField(max_length=20)),
                        ("digest", models.CharField(max_length=64)),
                        ("used_at", models.DateTimeField(db_index=True)),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("pay_type", "digest"), name="wallet_token_used_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DirectDebitAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "payment_method_id",
                            models.CharField(
                                default=portal.ids.IdFactory("pm", 22), max_length=25, unique=True
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("INACTIVATED", "Inactivated"),
                                    ("AWAITING_CUSTOMER_ACTION", "Awaiting Customer Action"),
                                    ("ACTIVATED", "Activated"),
                                    ("FAILED", "Failed"),
                                ],
                                default="INACTIVATED",
                                max_length=30,
                            ),
                        ),
                        ("default_flag", models.BooleanField(default=False)),
                        (
                            "application_type",
                            models.CharField(
                                choices=[("PAPER", "Paper"), ("ONLINE", "Online")], max_length=6
                            ),
                        ),
                        (
                            "bank_type",
                            models.CharField(
                                help_text="0: a bank, 1: Japan Post Bank (bank_code 9900).", max_length=1
                            ),
                        ),
                        ("bank_code", models.CharField(max_length=4)),
                        ("bank_name", models.CharField(blank=True, max_length=45)),
                        ("branch_code", models.CharField(blank=True, max_length=3)),
                        ("branch_name", models.CharField(blank=True, max_length=45)),
                        ("account_type", models.CharField(blank=True, max_length=1)),
                        (
                            "account_number",
                            models.CharField(blank=True, help_text="Masked: ****999", max_length=7),
                        ),
                        ("postal_account_number_1", models.CharField(blank=True, max_length=5)),
                        (
                            "postal_account_number_2",
                            models.CharField(blank=True, help_text="Masked.", max_length=8),
                        ),
                        ("account_name", models.CharField(blank=True, max_length=45)),
                        ("account_name_kana", models.CharField(max_length=45)),
                        ("bank_reference", models.CharField(blank=True, max_length=64)),
                        ("bank_failure_reason", models.CharField(blank=True, max_length=200)),
                        ("request_form_id", models.CharField(blank=True, max_length=20)),
                        ("preregistered_date", models.DateTimeField(blank=True, null=True)),
                        ("redirect_token", models.CharField(blank=True, max_length=40)),
                        ("bank_redirect_url", models.CharField(blank=True, max_length=500)),
                        ("redirect_url_accessed", models.BooleanField(default=False)),
                        ("return_url", models.CharField(blank=True, max_length=256, null=True)),
                        ("return_url_on_failure", models.CharField(blank=True, max_length=256, null=True)),
                        ("client_field_1", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_2", models.CharField(blank=True, max_length=100, null=True)),
                        ("client_field_3", models.CharField(blank=True, max_length=100, null=True)),
                        ("expected_billable_date", models.DateTimeField(blank=True, null=True)),
                        ("last_withdrawal_date", models.DateTimeField(blank=True, null=True)),
                        ("last_result_code", models.CharField(blank=True, max_length=1, null=True)),
                        ("process_date", models.DateTimeField(blank=True, null=True)),
                        ("event_seq", models.PositiveIntegerField(default=0)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="direct_debit_accounts",
                                to="payments.customer",
                            ),
                        ),
                        (
                            "secret",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="payments.cardsecret",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(fields=["customer", "created"], name="directdebit_account_list")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("default_flag", True)),
                                fields=("customer",),
                                name="directdebit_one_default_per_customer",
                            )
                        ],
                    },
                ),
            ],
        ),
        # The simulators' tables: their models are the simulators app's (its 0001_initial
        # takes them over, in the state only).
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.CreateModel(
                    name="SimulatedAcquirerTransaction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reference", models.CharField(max_length=64, unique=True)),
                        ("transaction_id", models.CharField(db_index=True, max_length=28)),
                        ("operation", models.CharField(max_length=20)),
                        ("outcome", models.CharField(max_length=20)),
                        ("amount", models.BigIntegerField(default=0)),
                        ("decline_reason", models.CharField(blank=True, max_length=40)),
                        ("response", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "payments_simulatedacquirertransaction",
                        "indexes": [
                            models.Index(
                                models.OrderBy(models.F("created_at"), descending=True), name="simacq_recent"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SimulatedProviderPayment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("provider", models.CharField(max_length=20)),
                        ("payment_ref", models.CharField(max_length=64)),
                        ("provider_id", models.CharField(max_length=64, unique=True)),
                        ("state", models.CharField(max_length=20)),
                        ("amount", models.BigIntegerField()),
                        ("capture", models.BooleanField(default=True)),
                        ("deadline", models.DateTimeField(blank=True, null=True)),
                        ("notify_url", models.CharField(blank=True, max_length=500)),
                        ("redirect_url", models.CharField(blank=True, max_length=500)),
                        ("description", models.CharField(blank=True, max_length=200)),
                        (
                            "lookup",
                            models.CharField(
                                blank=True, db_index=True, help_text="Account or slip number.", max_length=40
                            ),
                        ),
                        ("data", models.JSONField(default=dict)),
                        (
                            "references",
                            models.JSONField(default=dict, help_text="Operation reference → its answer."),
                        ),
                        (
                            "notifications",
                            models.JSONField(
                                default=list, help_text="Every notification sent (for replays)."
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "payments_simulatedproviderpayment",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("provider", "payment_ref"), name="simprovider_unique_ref"
                            )
                        ],
                    },
                ),
            ],
        ),
        # From 0005.
        drop_like_index("payments", "Payment", "access_id"),
    ]
