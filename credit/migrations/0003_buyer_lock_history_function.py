from django.db import migrations

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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("credit", "0002_published_rule_sets_are_immutable")]

    operations = [migrations.RunPython(forwards, backwards)]
