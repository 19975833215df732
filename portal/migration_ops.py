"""Helpers for migrations."""

from __future__ import annotations

from django.db import migrations


def drop_like_index(app_label: str, model_name: str, column: str) -> migrations.RunPython:
    """Drop the second index PostgreSQL gets on a unique or indexed varchar for ``LIKE 'x%'``
    (``varchar_pattern_ops``), where nothing searches that column by prefix: one index less
    to write per row. Reversible; a no-op on other databases."""

    def _name(schema_editor, model) -> str:
        return schema_editor._create_index_name(model._meta.db_table, [column], suffix="_like")

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            name = _name(schema_editor, apps.get_model(app_label, model_name))
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            model = apps.get_model(app_label, model_name)
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(schema_editor, model)}" '
                f'ON "{model._meta.db_table}" ("{column}" varchar_pattern_ops)'
            )

    return migrations.RunPython(forwards, backwards)
