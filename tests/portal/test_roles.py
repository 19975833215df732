"""Operator groups hold exactly the permissions kept in code, restored after every migrate/flush."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from portal.roles import EXTRA_GROUP_PERMISSIONS, GROUPS, ensure_operator_groups

pytestmark = pytest.mark.django_db


def _dotted(group: Group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_groups_hold_exactly_their_permissions_in_code():
    for name in GROUPS:
        wanted = set(GROUPS[name]) | set(EXTRA_GROUP_PERMISSIONS.get(name, []))
        assert _dotted(Group.objects.get(name=name)) == wanted


def test_a_permission_granted_by_hand_is_taken_back_in_a_few_queries(django_assert_max_num_queries):
    reviewer = Group.objects.get(name="reviewer")
    extra = Permission.objects.get(content_type__app_label="portal", codename="delete_merchant")
    reviewer.permissions.add(extra)
    # It runs after every migrate and flush: a few queries per group, not per permission.
    with django_assert_max_num_queries(5 * len(set(GROUPS) | set(EXTRA_GROUP_PERMISSIONS))):
        ensure_operator_groups()
    assert "portal.delete_merchant" not in _dotted(reviewer)
    assert _dotted(reviewer) == set(GROUPS["reviewer"]) | set(EXTRA_GROUP_PERMISSIONS.get("reviewer", []))


def test_a_migrate_or_flush_sets_the_groups_once_with_the_last_apps_signal(django_assert_num_queries):
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module]
    with django_assert_num_queries(0):
        for app_config in with_models[:-1]:
            ensure_operator_groups(sender=app_config, app_config=app_config)
    Group.objects.get(name="reviewer").permissions.clear()
    ensure_operator_groups(sender=with_models[-1], app_config=with_models[-1])
    assert _dotted(Group.objects.get(name="reviewer")) == set(GROUPS["reviewer"]) | set(
        EXTRA_GROUP_PERMISSIONS.get("reviewer", [])
    )
