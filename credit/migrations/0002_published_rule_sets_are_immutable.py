from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(guard, unguard, elidable=False)]
