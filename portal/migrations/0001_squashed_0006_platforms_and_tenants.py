"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import portal.ids
import portal.models
import portal.pay_types
from portal.migration_ops import CreateModels

# Audit events are append-only: on PostgreSQL the database itself refuses to change them.
GUARD_SQL = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'portal_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
CREATE TRIGGER portal_auditevent_append_only BEFORE UPDATE OR DELETE ON portal_auditevent
  FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""
UNGUARD_SQL = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""


def seed_categories(apps, schema_editor):
    from portal.seed import ensure_business_categories

    ensure_business_categories(apps.get_model("portal", "BusinessCategory"))


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


class Migration(migrations.Migration):
    replaces = [
        ("portal", "0001_initial"),
        ("portal", "0002_business_categories_and_audit_guard"),
        ("portal", "0003_idempotency"),
        ("portal", "0004_contract_shadow_limits"),
        ("portal", "0005_pay_types_from_registry"),
        ("portal", "0006_platforms_and_tenants"),
    ]

    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="BusinessCategory",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.SlugField(unique=True)),
                        ("name", models.CharField(max_length=200)),
                        ("prohibited", models.BooleanField(default=False)),
                        ("prohibited_reason", models.CharField(blank=True, max_length=300)),
                    ],
                    options={
                        "verbose_name_plural": "business categories",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Merchant",
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
                                default=portal.ids.IdFactory("mc", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("onboarding", "Onboarding"),
                                    ("active", "Active"),
                                    ("suspended", "Suspended"),
                                    ("rejected", "Rejected"),
                                ],
                                default="onboarding",
                                max_length=20,
                            ),
                        ),
                        ("status_reason", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "api_key_display",
                            models.BooleanField(
                                default=False,
                                help_text="Tenants: whether the tenant's own dashboard shows its API keys.",
                            ),
                        ),
                        ("name_kana", models.CharField(blank=True, max_length=40)),
                        (
                            "platform",
                            models.ForeignKey(
                                blank=True,
                                help_text="The platform a tenant shop belongs to (tenants only).",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="tenants",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "send_mail_address",
                            models.EmailField(
                                blank=True, help_text="Where notices are mailed.", max_length=255
                            ),
                        ),
                        (
                            "shared_customers",
                            models.BooleanField(
                                default=False,
                                help_text="Platforms: whether tenants share the platform's customers.",
                            ),
                        ),
                        ("shop_mail_address", models.EmailField(blank=True, max_length=255)),
                        (
                            "shop_type",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "Standard shop"),
                                    ("platform", "Platform"),
                                    ("tenant", "Tenant shop"),
                                ],
                                default="",
                                max_length=10,
                            ),
                        ),
                        (
                            "tenant_url_id",
                            models.CharField(
                                blank=True,
                                help_text="Platforms: the id of the tenant registration URL (tenant_entries, join_tenants).",
                                max_length=25,
                                null=True,
                                unique=True,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["name"],
                        "permissions": [("suspend_merchant", "Can suspend and reinstate merchants")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("shop_type", "tenant"), ("platform__isnull", False)),
                                    models.Q(
                                        models.Q(("shop_type", "tenant"), _negated=True),
                                        ("platform__isnull", True),
                                    ),
                                    _connector="OR",
                                ),
                                name="merchant_tenant_has_platform",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("tenant_url_id__isnull", True),
                                    ("shop_type", "platform"),
                                    _connector="OR",
                                ),
                                name="merchant_tenant_url_platform_only",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="User",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("password", models.CharField(max_length=128, verbose_name="password")),
                        (
                            "last_login",
                            models.DateTimeField(blank=True, null=True, verbose_name="last login"),
                        ),
                        (
                            "is_superuser",
                            models.BooleanField(
                                default=False,
                                help_text="Designates that this user has all permissions without explicitly assigning them.",
                                verbose_name="superuser status",
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=portal.ids.IdFactory("us", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, unique=True)),
                        ("full_name", models.CharField(blank=True, max_length=150)),
                        (
                            "is_staff",
                            models.BooleanField(
                                default=False, help_text="Operators: may sign in to the admin."
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("email_verified_at", models.DateTimeField(blank=True, null=True)),
                        ("date_joined", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "groups",
                            models.ManyToManyField(
                                blank=True,
                                help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                                related_name="user_set",
                                related_query_name="user",
                                to="auth.group",
                                verbose_name="groups",
                            ),
                        ),
                        (
                            "user_permissions",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Specific permissions for this user.",
                                related_name="user_set",
                                related_query_name="user",
                                to="auth.permission",
                                verbose_name="user permissions",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["email"],
                    },
                    managers=[
                        ("objects", portal.models.UserManager()),
                    ],
                ),
                migrations.CreateModel(
                    name="Application",
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
                                default=portal.ids.IdFactory("app", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "Draft"),
                                    ("submitted", "Submitted"),
                                    ("in_review", "In review"),
                                    ("changes_requested", "Changes requested"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                ],
                                db_index=True,
                                default="draft",
                                max_length=20,
                            ),
                        ),
                        ("legal_name", models.CharField(blank=True, max_length=200)),
                        ("legal_name_kana", models.CharField(blank=True, max_length=200)),
                        ("corporate_number", models.CharField(blank=True, db_index=True, max_length=13)),
                        ("representative_name", models.CharField(blank=True, max_length=100)),
                        ("postal_code", models.CharField(blank=True, max_length=7)),
                        ("address", models.CharField(blank=True, max_length=300)),
                        ("phone", models.CharField(blank=True, max_length=20)),
                        ("website", models.URLField(blank=True, max_length=300)),
                        (
                            "expected_monthly_volume",
                            models.BigIntegerField(
                                blank=True,
                                help_text="Expected monthly volume in JPY (integer yen).",
                                null=True,
                            ),
                        ),
                        ("submitted_at", models.DateTimeField(blank=True, null=True)),
                        ("screened_at", models.DateTimeField(blank=True, null=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "reviewer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "business_category",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="portal.businesscategory",
                            ),
                        ),
                        (
                            "merchant",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="application",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["submitted_at"],
                        "permissions": [("review_application", "Can review merchant applications")],
                    },
                ),
                migrations.CreateModel(
                    name="ApplicationDocument",
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
                                default=portal.ids.IdFactory("doc", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("registry", "Certificate of registered matters"),
                                    ("identity", "Representative's identity document"),
                                    ("site", "Website / product evidence"),
                                    ("other", "Other"),
                                ],
                                default="other",
                                max_length=20,
                            ),
                        ),
                        ("file", models.FileField(max_length=300, upload_to=portal.models._document_path)),
                        ("original_name", models.CharField(max_length=255)),
                        ("content_type", models.CharField(max_length=50)),
                        ("size", models.PositiveIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="documents",
                                to="portal.application",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["uploaded_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ApplicationMethod",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "pay_type",
                            models.CharField(choices=portal.pay_types.pay_type_choices, max_length=20),
                        ),
                        (
                            "decision",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                    ("changes_requested", "Changes requested"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        ("comment", models.TextField(blank=True, help_text="Shown to the merchant.")),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="methods",
                                to="portal.application",
                            ),
                        ),
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
                    ],
                    options={
                        "ordering": ["pay_type"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("application", "pay_type"), name="application_method_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Membership",
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
                                default=portal.ids.IdFactory("mem", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("owner", "Owner"),
                                    ("admin", "Admin"),
                                    ("developer", "Developer"),
                                    ("viewer", "Viewer"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["merchant_id", "created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "merchant"), name="membership_unique_user_merchant"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Invitation",
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
                                default=portal.ids.IdFactory("inv", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("email", models.EmailField(max_length=254)),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("owner", "Owner"),
                                    ("admin", "Admin"),
                                    ("developer", "Developer"),
                                    ("viewer", "Viewer"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField()),
                        ("accepted_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "invited_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="invitations",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("accepted_at__isnull", True), ("revoked_at__isnull", True)
                                ),
                                fields=("merchant", "email"),
                                name="invitation_one_open_per_email",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Contract",
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
                                default=portal.ids.IdFactory("ct", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "pay_type",
                            models.CharField(choices=portal.pay_types.pay_type_choices, max_length=20),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("active", "Active"), ("suspended", "Suspended")],
                                default="active",
                                max_length=20,
                            ),
                        ),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        (
                            "fee_rate_bps",
                            models.PositiveIntegerField(help_text="Fee in basis points (360 = 3.60%)."),
                        ),
                        (
                            "max_amount",
                            models.BigIntegerField(
                                help_text="Maximum amount per transaction, in minor units."
                            ),
                        ),
                        (
                            "concurrency_window",
                            models.PositiveIntegerField(help_text="Concurrent payment sessions allowed."),
                        ),
                        (
                            "rate_per_second",
                            models.PositiveIntegerField(help_text="Normal throughput, payments per second."),
                        ),
                        (
                            "burst_factor",
                            models.PositiveSmallIntegerField(
                                default=5,
                                help_text="Bursts are admitted up to this multiple of the normal throughput.",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contracts",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "rate_shadow",
                            models.BooleanField(
                                default=False,
                                help_text="Shadow mode: count what the throughput limit would refuse, refuse nothing.",
                            ),
                        ),
                        (
                            "window_shadow",
                            models.BooleanField(
                                default=False,
                                help_text="Shadow mode: count what the concurrency window would refuse, refuse nothing.",
                            ),
                        ),
                        (
                            "deposit_delay_days",
                            models.PositiveSmallIntegerField(
                                default=15, help_text="Days from a settlement term's close to its deposit."
                            ),
                        ),
                        (
                            "fixed_fee",
                            models.BigIntegerField(
                                default=0,
                                help_text="Minimum fee per payment, in minor units (the rate's fee when higher).",
                            ),
                        ),
                        (
                            "settlement_cycle",
                            models.CharField(
                                choices=[
                                    ("monthly", "Monthly (closes at the month's end)"),
                                    (
                                        "semimonthly",
                                        "Twice a month (closes on the 15th and at the month's end)",
                                    ),
                                ],
                                default="monthly",
                                max_length=12,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["merchant_id", "pay_type"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "pay_type"), name="contract_unique_merchant_pay_type"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("fee_rate_bps__lte", 10000)),
                                name="contract_fee_rate_bps_range",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("max_amount__gt", 0)), name="contract_max_amount_positive"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("burst_factor__gte", 1)), name="contract_burst_factor_min"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("fixed_fee__gte", 0)),
                                name="contract_fixed_fee_nonnegative",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "actor_label",
                            models.CharField(
                                help_text="Who acted: a user's e-mail, an API key, or 'system'.",
                                max_length=200,
                            ),
                        ),
                        ("client_address", models.GenericIPAddressField(blank=True, null=True)),
                        ("action", models.CharField(db_index=True, max_length=80)),
                        ("object_type", models.CharField(max_length=80)),
                        ("object_id", models.CharField(db_index=True, max_length=80)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["merchant", "-created_at"], name="audit_merchant_time")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ApiKey",
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
                                default=portal.ids.IdFactory("key", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("public", "Public"), ("secret", "Secret")], max_length=6
                            ),
                        ),
                        ("label", models.CharField(blank=True, max_length=100)),
                        ("key_hash", models.CharField(max_length=64, unique=True)),
                        (
                            "display_prefix",
                            models.CharField(
                                help_text="First characters, for display and support.", max_length=20
                            ),
                        ),
                        ("last4", models.CharField(max_length=4)),
                        ("public_value", models.CharField(blank=True, max_length=80)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "expires_at",
                            models.DateTimeField(
                                blank=True, help_text="Set when the key is rolled.", null=True
                            ),
                        ),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
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
                            "replaced_by",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="replaces",
                                to="portal.apikey",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_keys",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["merchant_id", "mode", "kind", "-created_at"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("kind", "secret"), ("public_value", "")),
                                    ("kind", "public"),
                                    _connector="OR",
                                ),
                                name="api_key_secret_never_stored",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ScreeningFlag",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "code",
                            models.CharField(
                                choices=[
                                    ("corporate_number_check_digit", "Corporate number check digit"),
                                    ("prohibited_category", "Prohibited business category"),
                                    ("duplicate_corporate_number", "Duplicate corporate number"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("reason", models.CharField(max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="flags",
                                to="portal.application",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("application", "code"), name="screening_flag_unique"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="IdempotencyRecord",
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
                        ("key", models.CharField(max_length=255)),
                        (
                            "fingerprint",
                            models.CharField(help_text="SHA-256 of method, path and body.", max_length=64),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("leased_until", models.DateTimeField()),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.BinaryField(blank=True, null=True)),
                        ("content_type", models.CharField(blank=True, max_length=100)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "key"),
                                name="idempotency_unique_merchant_mode_key",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlatformFee",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("fee_class", models.CharField(max_length=20)),
                        (
                            "rate",
                            models.DecimalField(
                                blank=True,
                                decimal_places=3,
                                help_text="Percent of the amount, e.g. 1.500.",
                                max_digits=6,
                                null=True,
                            ),
                        ),
                        (
                            "fixed_fee",
                            models.BigIntegerField(
                                blank=True, help_text="Minimum fee, in minor units.", null=True
                            ),
                        ),
                        (
                            "web_registration_fee",
                            models.BigIntegerField(
                                blank=True,
                                help_text="Direct debit: fee per account registered on the web, in minor units.",
                                null=True,
                            ),
                        ),
                        ("paypay_content_category", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="platform_fees",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["merchant_id", "fee_class"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "fee_class"), name="platform_fee_unique_class"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("rate__isnull", True),
                                    models.Q(("rate__gte", 0), ("rate__lte", 100)),
                                    _connector="OR",
                                ),
                                name="platform_fee_rate_range",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("fixed_fee__isnull", True), ("fixed_fee__gte", 0), _connector="OR"
                                ),
                                name="platform_fee_fixed_nonnegative",
                            ),
                        ],
                    },
                ),
            ],
        ),
        # From 0002: the business categories, and the audit log's append-only guard.
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
