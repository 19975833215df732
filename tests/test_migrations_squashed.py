"""The squashed migrations: a database migrated with the migrations they replace has nothing to
apply, and one that applied part of an app's chain finishes that chain, not the squashed one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def _executor_after(delete: list[tuple[str, str]]) -> MigrationExecutor:
    rows = MigrationRecorder.Migration.objects
    for app, name in delete:
        rows.filter(app=app, name=name).delete()
    return MigrationExecutor(connection)


def _squashed() -> dict[tuple[str, str], list[tuple[str, str]]]:
    replacements = MigrationExecutor(connection).loader.replacements
    return {key: list(migration.replaces) for key, migration in replacements.items()}


def test_every_project_app_with_several_migrations_has_one_squashed_migration():
    squashed = _squashed()
    assert {app for app, _ in squashed} == {
        *("portal", "credit", "payments", "budgets", "security", "exports"),
        *("settlements", "hosted"),  # the payments sub-apps with several migrations
    }


def test_a_database_migrated_with_the_replaced_migrations_has_nothing_to_apply():
    squashed = _squashed()
    executor = _executor_after(list(squashed))  # as before the squashed migrations existed
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert set(squashed) <= set(executor.loader.applied_migrations)


@pytest.mark.parametrize(("app", "missing"), [("credit", 2), ("settlements", 1), ("hosted", 1)])
def test_a_database_that_applied_part_of_a_chain_applies_the_rest_of_it(app, missing):
    squashed = _squashed()
    key = next(key for key in squashed if key[0] == app)
    # Such a database has applied none of the app's migrations made after the squashed chain.
    graph = MigrationExecutor(connection).loader.graph
    (leaf,) = graph.leaf_nodes(app)
    later = [
        node for node in graph.forwards_plan(leaf) if node[0] == app and node not in (key, *squashed[key])
    ]
    executor = _executor_after([*squashed, *squashed[key][-missing:], *later])
    plan = [migration.name for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
    assert plan == [name for _, name in [*squashed[key][-missing:], *later]]
