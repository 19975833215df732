"""``flush`` that restores what ``post_migrate`` seeds from a copy, instead of seeding it again.

Django's ``flush`` deletes every row, then sends ``post_migrate`` so that each app seeds its
reference rows again: content types, permissions, the operators' groups, business categories,
the default security rules. Seeding runs every handler of every app (hundreds of queries);
a test that commits is cleaned up by a flush (``TransactionTestCase``), so the suite paid that
several hundred times.

This command does the same work once per process and database: the first flush seeds as
Django's does, then copies the tables that seeding filled into the ``flush_seed`` schema (out of
the search path, so no flush or introspection sees it). Later flushes delete every row as
before and copy those rows back — one ``INSERT … SELECT`` per seeded table, the same rows with
the same ids — without sending ``post_migrate``. The database ends where Django's flush leaves
it. ``--inhibit-post-migrate`` (no seeding asked) behaves exactly as Django's.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.management.commands import flush
from django.db import connections, transaction

SCHEMA = "flush_seed"
# (alias, database name) → the seeded tables, each with its insertable columns (quoted)
_seeded: dict[tuple[str, str], list[tuple[str, str]]] = {}


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        key = (database, connection.settings_dict["NAME"])
        if options.get("inhibit_post_migrate"):
            return super().handle(**options)
        if key not in _seeded:
            super().handle(**options)
            _seeded[key] = seed_copy(connection)
            return None
        super().handle(**{**options, "inhibit_post_migrate": True})
        seed_restore(connection, _seeded[key])
        return None


def seed_copy(connection) -> list[tuple[str, str]]:
    """Copy the tables that hold rows (just after a seeding flush) into ``flush_seed``; returns
    them with the columns an INSERT may set (generated columns left out)."""
    qn = connection.ops.quote_name
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    seeded: list[tuple[str, str]] = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        probes = " UNION ALL ".join(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {qn(table)})"  # noqa: S608 (quoted names)
            for table in tables
        )
        cursor.execute(probes, tables)
        filled = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        for table in filled:
            cursor.execute(f"CREATE TABLE {SCHEMA}.{qn(table)} AS TABLE {qn(table)}")
            cursor.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                [qn(table)],
            )
            seeded.append((table, ", ".join(qn(row[0]) for row in cursor.fetchall())))
    return seeded


def seed_restore(connection, seeded: list[tuple[str, str]]) -> None:
    """Put the seeded rows back (foreign keys are checked at commit, as Django declares them)."""
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for table, columns in seeded:
            cursor.execute(
                f"INSERT INTO {qn(table)} ({columns}) SELECT {columns} FROM {SCHEMA}.{qn(table)}"  # noqa: S608
            )
    ContentType.objects.clear_cache()  # as seeding does
