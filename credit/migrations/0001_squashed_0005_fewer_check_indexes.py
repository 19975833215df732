"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import portal.ids
from portal.migration_ops import CreateModels, drop_like_index

# Published rule sets never change: on PostgreSQL the database itself refuses it.
GUARD_SQL = """
CREATE OR REPLACE FUNCTION credit_rule_guard() RETURNS trigger AS $$
DECLARE
  set_status text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT status INTO set_status FROM credit_ruleset WHERE id = OLD.rule_set_id;
    IF set_status = 'published' THEN
      RAISE EXCEPTION 'credit rule set % is published and immutable', OLD.rule_set_id;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT status INTO set_status FROM credit_ruleset WHERE id = NEW.rule_set_id;
    IF set_status = 'published' THEN
      RAISE EXCEPTION 'credit rule set % is published and immutable', NEW.rule_set_id;
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS credit_rule_guard ON credit_creditrule;
CREATE TRIGGER credit_rule_guard BEFORE INSERT OR UPDATE OR DELETE ON credit_creditrule
  FOR EACH ROW EXECUTE FUNCTION credit_rule_guard();

CREATE OR REPLACE FUNCTION credit_ruleset_guard() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'published' THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'credit rule set % is published and cannot be deleted', OLD.id;
    END IF;
    IF (NEW.status, NEW.note, NEW.policy, NEW.checksum, NEW.rule_count, NEW.published_at)
       IS DISTINCT FROM (OLD.status, OLD.note, OLD.policy, OLD.checksum, OLD.rule_count, OLD.published_at) THEN
      RAISE EXCEPTION 'credit rule set % is published and immutable', OLD.id;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS credit_ruleset_guard ON credit_ruleset;
CREATE TRIGGER credit_ruleset_guard BEFORE UPDATE OR DELETE ON credit_ruleset
  FOR EACH ROW EXECUTE FUNCTION credit_ruleset_guard();
"""
UNGUARD_SQL = """
DROP TRIGGER IF EXISTS credit_rule_guard ON credit_creditrule;
DROP FUNCTION IF EXISTS credit_rule_guard();
DROP TRIGGER IF EXISTS credit_ruleset_guard ON credit_ruleset;
DROP FUNCTION IF EXISTS credit_ruleset_guard();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


# The first statement of a credit check (PostgreSQL): create or find the buyer and lock its
# row, then read its history and cached bureau document — one round trip. A VOLATILE
# PL/pgSQL function takes a new snapshot for each query in READ COMMITTED, so the history
# read after the lock sees every check of this buyer that committed while we waited.
FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION credit_buyer_lock_history(
  p_public_id text, p_mode text, p_phone_digest text, p_now timestamptz, p_today date
) RETURNS TABLE (
  o_buyer_id bigint, o_public_id text, o_first_seen_at timestamptz, o_unpaid bigint, o_overdue bigint,
  o_open_invoices bigint, o_paid bigint, o_authorized bigint, o_payload jsonb, o_fetched_at timestamptz
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  b record;
BEGIN
  INSERT INTO credit_buyer AS cb (public_id, mode, phone_digest, first_seen_at)
  VALUES (p_public_id, p_mode, p_phone_digest, p_now)
  ON CONFLICT (mode, phone_digest) DO UPDATE SET mode = EXCLUDED.mode
  RETURNING cb.id, cb.public_id, cb.first_seen_at INTO b;
  RETURN QUERY
  SELECT
    b.id, b.public_id::text, b.first_seen_at,
    COALESCE(SUM(e.amount) FILTER (WHERE e.status = 'invoiced'), 0)::bigint,
    COUNT(*) FILTER (WHERE e.status = 'invoiced' AND e.due_date < p_today),
    COUNT(*) FILTER (WHERE e.status = 'invoiced'),
    COUNT(*) FILTER (WHERE e.status = 'paid'),
    COALESCE(SUM(e.amount) FILTER (WHERE e.status = 'authorized' AND e.expires_at > p_now), 0)::bigint,
    (SELECT r.payload FROM credit_bureaureport r WHERE r.buyer_id = b.id),
    (SELECT r.fetched_at FROM credit_bureaureport r WHERE r.buyer_id = b.id)
  FROM credit_exposure e WHERE e.buyer_id = b.id;
END;
$$;
"""
DROP_SQL = "DROP FUNCTION IF EXISTS credit_buyer_lock_history(text, text, text, timestamptz, date);"


def create_lock_history(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL, params=None)


def drop_lock_history(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    replaces = [
        ("credit", "0001_initial"),
        ("credit", "0002_published_rule_sets_are_immutable"),
        ("credit", "0003_buyer_lock_history_function"),
        ("credit", "0004_matched_rules_bitmap"),
        ("credit", "0005_fewer_check_indexes"),
    ]

    initial = True

    dependencies = [
        ("portal", "0004_contract_shadow_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="KnownFraud",
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
                                choices=[("name", "Name"), ("address", "Address")], max_length=10
                            ),
                        ),
                        ("text", models.CharField(max_length=300)),
                        ("note", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name_plural": "known fraud entries",
                        "ordering": ["-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Buyer",
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
                                default=portal.ids.IdFactory("by", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("phone_digest", models.CharField(max_length=64)),
                        ("first_seen_at", models.DateTimeField()),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("mode", "phone_digest"), name="credit_buyer_unique_phone"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="BureauReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("source", models.CharField(max_length=50)),
                        ("payload", models.JSONField()),
                        ("fetched_at", models.DateTimeField()),
                        (
                            "buyer",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bureau",
                                to="credit.buyer",
                            ),
                        ),
                    ],
                ),
                migrations.CreateModel(
                    name="RuleSet",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Draft"), ("published", "Published")],
                                db_index=True,
                                default="draft",
                                max_length=10,
                            ),
                        ),
                        (
                            "slot",
                            models.CharField(
                                blank=True,
                                choices=[("live", "Live"), ("shadow", "Shadow")],
                                max_length=10,
                                null=True,
                            ),
                        ),
                        ("note", models.TextField(blank=True)),
                        (
                            "policy",
                            models.JSONField(
                                blank=True, default=dict, help_text="review_at, decline_at, credit_limit."
                            ),
                        ),
                        ("checksum", models.CharField(blank=True, max_length=64)),
                        ("rule_count", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
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
                            "edited_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "parent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "published_by",
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
                        "verbose_name": "credit rule set",
                        "ordering": ["-id"],
                        "permissions": [
                            ("publish_ruleset", "Can publish and activate credit rule sets"),
                            ("run_backtest", "Can backtest credit rule sets"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("slot__isnull", False)),
                                fields=("slot",),
                                name="credit_ruleset_one_per_slot",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("slot__isnull", True), ("status", "published"), _connector="OR"
                                ),
                                name="credit_ruleset_slot_published",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CreditRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("position", models.PositiveIntegerField()),
                        ("rule_id", models.CharField(max_length=64, verbose_name="id")),
                        ("reason_code", models.CharField(max_length=64)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("decline", "Decline"),
                                    ("review", "Review"),
                                    ("score", "Score weight"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("weight", models.IntegerField(default=0)),
                        ("when", models.JSONField(help_text="Condition tree over registered features.")),
                        ("description", models.TextField(blank=True)),
                        (
                            "rule_set",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rules",
                                to="credit.ruleset",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "credit rule",
                        "ordering": ["rule_set_id", "position", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("rule_set", "rule_id"), name="credit_rule_unique_id"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RuleSetActivation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "slot",
                            models.CharField(choices=[("live", "Live"), ("shadow", "Shadow")], max_length=10),
                        ),
                        ("actor_label", models.CharField(max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "previous",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "rule_set",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ScoreModel",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "slot",
                            models.CharField(
                                blank=True,
                                choices=[("live", "Live"), ("shadow", "Shadow")],
                                max_length=10,
                                null=True,
                            ),
                        ),
                        (
                            "artefact",
                            models.CharField(help_text="File name inside CREDIT_MODEL_DIR.", max_length=200),
                        ),
                        ("sha256", models.CharField(max_length=64)),
                        ("algorithm", models.CharField(max_length=100)),
                        ("feature_names", models.JSONField(default=list)),
                        ("auc", models.FloatField(help_text="Hold-out ROC AUC.")),
                        ("samples", models.PositiveIntegerField()),
                        ("seed", models.BigIntegerField()),
                        ("trained_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "ordering": ["-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("slot__isnull", False)),
                                fields=("slot",),
                                name="credit_model_one_per_slot",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CreditCheck",
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
                                default=portal.ids.IdFactory("cc", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("order_id", models.CharField(blank=True, max_length=100)),
                        ("amount", models.BigIntegerField()),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        (
                            "application",
                            models.JSONField(
                                help_text="The application as received (personal data: admin only)."
                            ),
                        ),
                        ("features", models.JSONField(help_text="Feature snapshot used for the decision.")),
                        (
                            "matched_rules_stored",
                            models.JSONField(
                                db_column="matched_rules",
                                default=list,
                                help_text="Matching rule ids (rows without a bitmap).",
                            ),
                        ),
                        ("reason_codes", models.JSONField(default=list)),
                        (
                            "score",
                            models.BigIntegerField(
                                default=0, help_text="Sum of the weights of matching score rules."
                            ),
                        ),
                        ("ml_score", models.FloatField(blank=True, null=True)),
                        (
                            "decision",
                            models.CharField(
                                choices=[
                                    ("approved", "Approved"),
                                    ("declined", "Declined"),
                                    ("review", "Review"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("credit_limit", models.BigIntegerField()),
                        ("credit_limit_left", models.BigIntegerField()),
                        (
                            "review_status",
                            models.CharField(
                                choices=[
                                    ("none", "Not needed"),
                                    ("pending", "Waiting for review"),
                                    ("approved", "Approved by reviewer"),
                                    ("declined", "Declined by reviewer"),
                                ],
                                default="none",
                                max_length=10,
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("review_note", models.TextField(blank=True)),
                        ("duration_us", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "buyer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="checks",
                                to="credit.buyer",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "rule_set",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "score_model",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.scoremodel",
                            ),
                        ),
                        (
                            "matched_bits",
                            models.BinaryField(
                                blank=True,
                                help_text="Matching rules as a bitmap over the rule set's rules.",
                                null=True,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "permissions": [
                            ("review_creditcheck", "Can approve or decline credit checks in review")
                        ],
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "-created_at"], name="credit_check_merchant_time"
                            ),
                            models.Index(
                                condition=models.Q(("review_status", "pending")),
                                fields=["review_status", "created_at"],
                                name="credit_check_review_queue",
                            ),
                            models.Index(
                                condition=models.Q(("reviewed_by__isnull", False)),
                                fields=["reviewed_by"],
                                name="credit_check_reviewed_by",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Backtest",
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
                                default=portal.ids.IdFactory("bt", 24),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        ("sample_size", models.PositiveIntegerField(default=10000)),
                        (
                            "status",
                            models.CharField(
                                choices=[("queued", "Queued"), ("done", "Done"), ("failed", "Failed")],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("results", models.JSONField(blank=True, default=dict)),
                        ("changed", models.JSONField(blank=True, default=list)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
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
                            "baseline",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "candidate",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="backtests",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "baseline_model",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="credit.scoremodel",
                            ),
                        ),
                        (
                            "candidate_model",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="credit.scoremodel",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ShadowDecision",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "decision",
                            models.CharField(
                                choices=[
                                    ("approved", "Approved"),
                                    ("declined", "Declined"),
                                    ("review", "Review"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "matched_rules_stored",
                            models.JSONField(
                                db_column="matched_rules",
                                default=list,
                                help_text="Matching rule ids (rows without a bitmap).",
                            ),
                        ),
                        ("reason_codes", models.JSONField(default=list)),
                        ("score", models.BigIntegerField(default=0)),
                        ("ml_score", models.FloatField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "check_ref",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="shadow_decisions",
                                to="credit.creditcheck",
                            ),
                        ),
                        (
                            "rule_set",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.ruleset",
                            ),
                        ),
                        (
                            "score_model",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="credit.scoremodel",
                            ),
                        ),
                        (
                            "matched_bits",
                            models.BinaryField(
                                blank=True,
                                help_text="Matching rules as a bitmap over the rule set's rules.",
                                null=True,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Exposure",
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
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("authorized", "Authorized"),
                                    ("invoiced", "Invoiced (unpaid)"),
                                    ("paid", "Paid"),
                                    ("released", "Released"),
                                ],
                                default="authorized",
                                max_length=12,
                            ),
                        ),
                        ("amount", models.BigIntegerField(help_text="JPY (integer yen).")),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        ("authorized_at", models.DateTimeField()),
                        (
                            "expires_at",
                            models.DateTimeField(
                                help_text="An authorization not invoiced by then no longer counts."
                            ),
                        ),
                        ("invoiced_at", models.DateTimeField(blank=True, null=True)),
                        ("due_date", models.DateField(blank=True, null=True)),
                        (
                            "payment_method",
                            models.CharField(
                                blank=True,
                                choices=[("konbini", "Konbini"), ("bank_transfer", "Bank transfer")],
                                max_length=20,
                            ),
                        ),
                        ("paid_at", models.DateTimeField(blank=True, null=True)),
                        ("released_at", models.DateTimeField(blank=True, null=True)),
                        ("reminder_count", models.PositiveSmallIntegerField(default=0)),
                        ("last_reminded_on", models.DateField(blank=True, null=True)),
                        (
                            "buyer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="exposures",
                                to="credit.buyer",
                            ),
                        ),
                        (
                            "check_ref",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="exposure",
                                to="credit.creditcheck",
                            ),
                        ),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-authorized_at"],
                        "indexes": [
                            models.Index(fields=["buyer", "status"], name="credit_exposure_buyer_status")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("amount__gt", 0)), name="credit_exposure_amount_positive"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ListEntry",
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
                            "list",
                            models.CharField(
                                choices=[("block", "Blocklist"), ("allow", "Allowlist")], max_length=5
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("phone", "Phone"),
                                    ("email", "E-mail"),
                                    ("address", "Address"),
                                    ("device", "Device fingerprint"),
                                    ("ip", "IP address"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("digest", models.CharField(max_length=64)),
                        (
                            "masked",
                            models.CharField(
                                help_text="Masked value, for recognising the entry.", max_length=100
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300)),
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
                    ],
                    options={
                        "verbose_name_plural": "list entries",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("mode", "list", "kind", "digest"), name="credit_list_entry_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
        # From 0002: published rule sets are immutable.
        migrations.RunPython(guard, unguard, elidable=False),
        # From 0003: the credit check's first statement.
        migrations.RunPython(create_lock_history, drop_lock_history),
        # From 0005.
        drop_like_index("credit", "CreditCheck", "public_id"),
    ]
