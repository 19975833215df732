"""Django's PostgreSQL backend with a health check that a busy connection does not pay for.

``CONN_HEALTH_CHECKS`` makes Django send ``SELECT 1`` before the first query of every request
on a persistent connection: a round trip per request (~0.2 ms here, a few percent of a
payment registration). A connection that ran a request's statements without error less than
``DB_HEALTH_CHECK_QUIET_SECONDS`` ago (default 1 s; 0 checks every request, as Django does)
skips it. If the server went away within that second (a restart, a failover), the first
statement fails, that request gets the database error it would have got mid-request anyway,
and Django closes the connection when the request ends (``errors_occurred``); the next
request opens a new one.

And a persistent connection lives between ¾ of ``CONN_MAX_AGE`` and all of it, at random.
Connections opened together (a process's threads when a burst reaches it) would otherwise be
replaced together, each new one a new PostgreSQL server process to start: in bench/burst.py a
merchant's burst met that moment, and the first 2 s of its refusals waited up to 0.3 s.

And a flush that keeps the sequences (the one a test that commits ends with) deletes the rows
rather than truncating the tables: ``TRUNCATE`` of the ~80 tables makes new files for every
table and index, 3 s on this machine's disk after each such test; ``DELETE`` of the few rows a
test wrote takes 30 ms. The foreign keys Django makes are deferrable, so the order of the
``DELETE``s does not matter. Tables whose rows a trigger keeps (the audit log, published credit
rules, the ledger) refuse a ``DELETE``: a superuser (the test suite's role) deletes them too,
with triggers off for that transaction (``session_replication_role = replica``, which only a
superuser may set, and which ``TRUNCATE`` — the way around those triggers for anyone else —
bypasses just as well); another role truncates them first, with what references them, which
cost 0.1–0.9 s a flush here. ``manage.py flush`` (sequences reset) truncates everything, as
Django does.
"""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseOperations(base.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        guarded, superuser = self._delete_guards(tables)
        if not guarded:
            statements = []
        elif superuser:
            statements, guarded = ["SET LOCAL session_replication_role = replica;"], []
        else:
            statements = super().sql_flush(style, guarded, allow_cascade=True)
        delete = style.SQL_KEYWORD("DELETE FROM")
        return [
            *statements,
            "SET CONSTRAINTS ALL DEFERRED;",
            *(
                f"{delete} {style.SQL_FIELD(self.quote_name(table))};"
                for table in tables
                if table not in guarded
            ),
        ]

    def _delete_guards(self, tables) -> tuple[list[str], bool]:
        """Those of ``tables`` with a row trigger on DELETE (which may refuse it), and whether
        this connection's role is a superuser (who may switch triggers off)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT ARRAY(SELECT DISTINCT c.relname::text FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgtype & 8 <> 0 AND c.relname = ANY(%s)), "  # 8: ON DELETE
                "current_setting('is_superuser') = 'on'",
                [list(tables)],
            )
            guarded, superuser = cursor.fetchone()
            return sorted(guarded), superuser


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _clean_until = 0.0

    def connect(self):
        super().connect()
        max_age = self.settings_dict["CONN_MAX_AGE"]
        if self.close_at is not None and max_age:
            self.close_at -= random.uniform(0, max_age / 4)

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() < self._clean_until
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called when a request starts and when it ends. At the end, ``health_check_done`` says
        # that this request used the connection, and ``errors_occurred`` whether it failed.
        used_cleanly = self.connection is not None and self.health_check_done and not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if used_cleanly and self.connection is not None:
            self._clean_until = time.monotonic() + settings.DB_HEALTH_CHECK_QUIET_SECONDS
