from django.db import migrations

CATEGORIES = [
    ("retail-goods", "Retail: physical goods", False, ""),
    ("food-beverage", "Food and beverage", False, ""),
    ("apparel", "Apparel and accessories", False, ""),
    ("digital-content", "Digital content and software", False, ""),
    ("saas", "SaaS and subscriptions", False, ""),
    ("travel", "Travel and accommodation", False, ""),
    ("education", "Education and lessons", False, ""),
    ("events-tickets", "Events and tickets", False, ""),
    ("professional-services", "Professional services", False, ""),
    ("health-beauty", "Health and beauty", False, ""),
    ("donations", "Donations (registered non-profits)", False, ""),
    ("gambling", "Gambling and lotteries", True, "Not permitted under our acquirer agreements."),
    ("adult", "Adult content and services", True, "Not permitted under card scheme rules."),
    ("weapons", "Weapons and ammunition", True, "Not permitted."),
    ("mlm", "Multi-level marketing", True, "Specified Commercial Transactions Act risk."),
    ("crypto-exchange", "Crypto-asset exchange", True, "Requires FSA registration; not supported."),
    ("money-transfer", "Money transfer and stored value", True, "Funds Settlement Act licence required; not supported."),
    ("counterfeit", "Replicas and counterfeit goods", True, "Not permitted."),
]

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
    BusinessCategory = apps.get_model("portal", "BusinessCategory")
    for code, name, prohibited, reason in CATEGORIES:
        BusinessCategory.objects.get_or_create(
            code=code, defaults={"name": name, "prohibited": prohibited, "prohibited_reason": reason}
        )


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD_SQL)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        migrations.RunPython(seed_categories, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
