from django.db import migrations

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
    dependencies = [("settlements", "0001_initial")]

    operations = [migrations.RunSQL(GUARD_SQL, UNGUARD_SQL)]
