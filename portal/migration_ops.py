"""Helpers for migrations."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.ddl_references import Statement

_PATTERN_INDEXES = """
SELECT indexname FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = %s AND indexdef LIKE %s
"""


def drop_like_index(app_label: str, model_name: str, column: str) -> migrations.RunPython:
    """Drop the second index PostgreSQL gets on a unique or indexed varchar for ``LIKE 'x%'``
    (``varchar_pattern_ops``), where nothing searches that column by prefix: one index less
    to write per row. Found by its definition in ``pg_indexes``; reversible.

    In the migration whose CreateModel makes the column (a squashed one), the index is not made
    yet: it waits among the schema editor's deferred statements, and is taken out of them."""

    def forwards(apps, schema_editor):
        table = apps.get_model(app_label, model_name)._meta.db_table
        deferred = f'"{column}" varchar_pattern_ops'
        schema_editor.deferred_sql[:] = [
            sql
            for sql in schema_editor.deferred_sql
            if not (isinstance(sql, Statement) and sql.references_table(table) and deferred in str(sql))
        ]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_PATTERN_INDEXES, [table, f"%({column} varchar_pattern_ops)%"])
            names = [row[0] for row in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def backwards(apps, schema_editor):
        table = apps.get_model(app_label, model_name)._meta.db_table
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table[:40]}_{column[:14]}_like" '
            f'ON "{table}" ("{column}" varchar_pattern_ops)'
        )

    return migrations.RunPython(forwards, backwards)


class CreateModels(migrations.operations.base.Operation):
    """Several ``CreateModel`` as one operation, for a squashed migration: the migration state
    renders the models they relate to once for all of them. (Each ``CreateModel`` renders again
    every model related to its own, which through ``portal.Merchant`` is nearly every model:
    most of what ``migrate`` from an empty database used to cost.) A model may refer to one
    created after it in the list; its table is made with the foreign keys of the final state."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, operations: list[migrations.CreateModel]) -> None:
        self.operations = operations

    def state_forwards(self, app_label, state):
        # ``ProjectState.apps`` (the models as classes) is a cached property: rendered already,
        # it is set aside (``del``, as a cached property is reset) so that adding a model
        # renders nothing, then put back and the new models rendered into it, once.
        rendered = vars(state).get("apps")
        if rendered is not None:
            del state.apps
        for operation in self.operations:
            operation.state_forwards(app_label, state)
        if rendered is not None:
            state.apps = rendered
            state.reload_models(
                [(app_label, operation.name_lower) for operation in self.operations], delay=False
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Create models " + ", ".join(operation.name for operation in self.operations)

    @property
    def migration_name_fragment(self):
        return "_".join(operation.name_lower for operation in self.operations)[:40]
