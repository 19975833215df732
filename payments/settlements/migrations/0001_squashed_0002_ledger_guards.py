"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

import django.db.models.deletion
from django.db import migrations, models

import portal.ids
from portal.migration_ops import CreateModels

# The ledger is append-only and every posting balances: the database itself refuses an UPDATE
# or DELETE of a posting or an entry, and a statement that leaves a posting unbalanced.
GUARD_SQL = """
CREATE OR REPLACE FUNCTION settlements_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS settlements_posting_append_only ON settlements_posting;
CREATE TRIGGER settlements_posting_append_only BEFORE UPDATE OR DELETE ON settlements_posting
  FOR EACH ROW EXECUTE FUNCTION settlements_ledger_append_only();
DROP TRIGGER IF EXISTS settlements_entry_append_only ON settlements_entry;
CREATE TRIGGER settlements_entry_append_only BEFORE UPDATE OR DELETE ON settlements_entry
  FOR EACH ROW EXECUTE FUNCTION settlements_ledger_append_only();

CREATE OR REPLACE FUNCTION settlements_entry_balanced() RETURNS trigger AS $$
DECLARE
  unbalanced bigint;
BEGIN
  SELECT e.posting_id INTO unbalanced FROM settlements_entry e
  WHERE e.posting_id IN (SELECT DISTINCT posting_id FROM new_entries)
  GROUP BY e.posting_id HAVING SUM(e.debit) <> SUM(e.credit) LIMIT 1;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'ledger posting % does not balance', unbalanced;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS settlements_entry_balanced ON settlements_entry;
CREATE TRIGGER settlements_entry_balanced AFTER INSERT ON settlements_entry
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION settlements_entry_balanced();
"""
UNGUARD_SQL = """
DROP TRIGGER IF EXISTS settlements_entry_balanced ON settlements_entry;
DROP FUNCTION IF EXISTS settlements_entry_balanced();
DROP TRIGGER IF EXISTS settlements_posting_append_only ON settlements_posting;
DROP TRIGGER IF EXISTS settlements_entry_append_only ON settlements_entry;
DROP FUNCTION IF EXISTS settlements_ledger_append_only();
"""


class Migration(migrations.Migration):
    replaces = [("settlements", "0001_initial"), ("settlements", "0002_ledger_guards")]

    initial = True

    dependencies = [
        ("payments", "0009_payment_methods_directdebit"),
        ("portal", "0006_platforms_and_tenants"),
    ]

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="Posting",
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
                        ("currency", models.CharField(max_length=3)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("payment", "Payment (captured amount changed)"),
                                    ("chargeback_hold", "Chargeback held"),
                                    ("chargeback_release", "Chargeback released"),
                                    ("chargeback_loss", "Chargeback lost to the acquirer"),
                                    ("adjustment", "Operator adjustment"),
                                    ("statement_fix", "Statement fixed (taxes, bank transfer fee)"),
                                    ("payout", "Deposit paid out"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "trade_type",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                choices=[
                                    (1, "Payment (+)"),
                                    (2, "Refund or cancel (−)"),
                                    (3, "Chargeback (−)"),
                                    (4, "Adjustment (±)"),
                                    (5, "Chargeback canceled (+)"),
                                ],
                                null=True,
                            ),
                        ),
                        ("order_id", models.CharField(blank=True, default="", max_length=30)),
                        ("access_id", models.CharField(blank=True, default="", max_length=24)),
                        ("pay_type", models.CharField(blank=True, default="", max_length=20)),
                        ("fee_class", models.CharField(blank=True, default="", max_length=20)),
                        ("amount", models.BigIntegerField(default=0)),
                        ("fee", models.BigIntegerField(default=0)),
                        ("platform_fee", models.BigIntegerField(default=0)),
                        ("reference", models.CharField(blank=True, default="", max_length=64)),
                        ("stage", models.CharField(blank=True, default="", max_length=20)),
                        ("reason", models.CharField(blank=True, default="", max_length=200)),
                        ("actor", models.CharField(blank=True, default="", max_length=120)),
                        ("booked_at", models.DateTimeField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "payment",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="payments.payment",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(fields=["payment"], name="settlements_posting_payment"),
                            models.Index(
                                fields=["merchant", "mode", "booked_at"], name="settlements_posting_merchant"
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("reference", ""), _negated=True),
                                fields=("reference", "stage"),
                                name="settlements_posting_reference_once",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Entry",
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
                        ("currency", models.CharField(max_length=3)),
                        (
                            "account",
                            models.CharField(
                                choices=[
                                    ("acquirer_receivable", "Acquirer receivable (asset)"),
                                    ("merchant_payable", "Merchant payable (liability)"),
                                    ("fee_revenue", "Fee revenue (income)"),
                                    ("tax_payable", "Consumption tax on fees (liability)"),
                                    (
                                        "platform_payable",
                                        "Platform payable: platform fees owed to a platform (liability)",
                                    ),
                                    ("chargeback_held", "Chargebacks held from the merchant (liability)"),
                                    ("adjustments", "Operator adjustments (expense)"),
                                    ("bank", "Bank: deposits paid out (asset)"),
                                ],
                                max_length=24,
                            ),
                        ),
                        ("debit", models.BigIntegerField(default=0)),
                        ("credit", models.BigIntegerField(default=0)),
                        (
                            "merchant",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "posting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="entries",
                                to="settlements.posting",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                fields=["merchant", "mode", "account"], name="settlements_entry_account"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("credit", 0), ("debit__gt", 0)),
                                    models.Q(("credit__gt", 0), ("debit", 0)),
                                    _connector="OR",
                                ),
                                name="settlements_entry_one_side",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Statement",
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
                                default=portal.ids.IdFactory("sales", 26),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        ("term_start", models.DateField()),
                        ("term_end", models.DateField()),
                        ("scheduled_deposit_date", models.DateField()),
                        (
                            "status_code",
                            models.PositiveIntegerField(
                                choices=[
                                    (3001, "Open term (amount not fixed)"),
                                    (3002, "Fixed"),
                                    (3003, "Deposited"),
                                    (3006, "The merchant owes (negative)"),
                                    (3011, "Settled at zero"),
                                ],
                                default=3002,
                            ),
                        ),
                        ("count", models.PositiveIntegerField(default=0)),
                        ("total_amount", models.BigIntegerField(default=0)),
                        ("fee_amount", models.BigIntegerField(default=0)),
                        ("tax_amount", models.BigIntegerField(default=0)),
                        ("platform_fee_amount", models.BigIntegerField(default=0)),
                        ("platform_fee_tax_amount", models.BigIntegerField(default=0)),
                        ("settlement_amount", models.BigIntegerField(default=0)),
                        ("bank_transfer_fee", models.BigIntegerField(default=0)),
                        ("deposit_amount", models.BigIntegerField(default=0)),
                        ("fixed_at", models.DateTimeField(blank=True, null=True)),
                        ("deposited_at", models.DateTimeField(blank=True, null=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "merchant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="statements",
                                to="portal.merchant",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-term_start", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("merchant", "mode", "currency", "term_start"),
                                name="settlements_statement_once_per_term",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlatformStatement",
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
                                default=portal.ids.IdFactory("pfs", 17),
                                editable=False,
                                max_length=40,
                                unique=True,
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(choices=[("test", "Test"), ("live", "Live")], max_length=4),
                        ),
                        ("currency", models.CharField(default="JPY", max_length=3)),
                        ("term_start", models.DateField()),
                        ("term_end", models.DateField()),
                        ("scheduled_deposit_date", models.DateField()),
                        (
                            "status_code",
                            models.PositiveIntegerField(
                                choices=[
                                    (3001, "Open term (amount not fixed)"),
                                    (3002, "Fixed"),
                                    (3003, "Deposited"),
                                    (3006, "The merchant owes (negative)"),
                                    (3011, "Settled at zero"),
                                ],
                                default=3002,
                            ),
                        ),
                        ("count", models.PositiveIntegerField(default=0)),
                        ("total_amount", models.BigIntegerField(default=0)),
                        ("platform_fee_amount", models.BigIntegerField(default=0)),
                        ("platform_fee_tax_amount", models.BigIntegerField(default=0)),
                        ("settlement_amount", models.BigIntegerField(default=0)),
                        ("bank_transfer_fee", models.BigIntegerField(default=0)),
                        ("deposit_amount", models.BigIntegerField(default=0)),
                        ("deposited_at", models.DateTimeField(blank=True, null=True)),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "platform",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="platform_statements",
                                to="portal.merchant",
                            ),
                        ),
                        (
                            "tenant_statements",
                            models.ManyToManyField(
                                blank=True, related_name="platform_statements", to="settlements.statement"
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-term_start", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("platform", "mode", "currency", "term_start", "term_end"),
                                name="settlements_platform_statement_once",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="StatementLine",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "posting",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="line",
                                to="settlements.posting",
                            ),
                        ),
                        (
                            "statement",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="lines",
                                to="settlements.statement",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["id"],
                    },
                ),
            ],
        ),
        # From 0002: the ledger's guards.
        migrations.RunSQL(GUARD_SQL, UNGUARD_SQL),
    ]
