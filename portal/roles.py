"""Operator groups and their permissions, kept in code and applied after every migrate."""

from __future__ import annotations

REVIEWER_PERMISSIONS = [
    "portal.view_merchant",
    "portal.view_application",
    "portal.change_application",
    "portal.review_application",
    "portal.view_applicationmethod",
    "portal.change_applicationmethod",
    "portal.view_applicationdocument",
    "portal.view_screeningflag",
    "portal.view_contract",
    "portal.view_businesscategory",
    "portal.view_auditevent",
    "portal.view_membership",
    "payments.view_payment",
    "payments.view_paymentevent",
    "payments.view_customer",
]

OPERATOR_PERMISSIONS = [
    *REVIEWER_PERMISSIONS,
    "portal.change_merchant",
    "portal.suspend_merchant",
    "portal.change_contract",
    "portal.add_businesscategory",
    "portal.change_businesscategory",
    "portal.view_apikey",
    "portal.change_apikey",
    "portal.view_invitation",
    "portal.view_user",
    "portal.change_user",
    "payments.reconcile_payment",
    "simulators.view_simulatedacquirertransaction",
]

GROUPS: dict[str, list[str]] = {"reviewer": REVIEWER_PERMISSIONS, "operator": OPERATOR_PERMISSIONS}
# Other apps add their groups' permissions here (app label -> group -> permissions).
EXTRA_GROUP_PERMISSIONS: dict[str, list[str]] = {}


def register_group_permissions(group: str, permissions: list[str]) -> None:
    EXTRA_GROUP_PERMISSIONS.setdefault(group, []).extend(permissions)


def ensure_operator_groups(sender=None, **kwargs) -> None:
    """Each group holds exactly its permissions in code.

    Connected to ``post_migrate``, which a migrate or flush sends once per app: an app's
    permissions appear with its own signal, so the groups are set once, with the last app's,
    when every permission exists (a second pass per app would only write the same rows again).
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    if sender is not None and sender is not [c for c in apps.get_app_configs() if c.models_module][-1]:
        return

    wanted: dict[str, set[tuple[str, str]]] = {}
    for groups in (GROUPS, EXTRA_GROUP_PERMISSIONS):
        for name, perms in groups.items():
            wanted.setdefault(name, set()).update(tuple(dotted.split(".", 1)) for dotted in perms)
    every = set().union(*wanted.values())
    found: dict[tuple[str, str], Permission] = {}
    lookup = Q()
    for app_label, codename in every:
        lookup |= Q(content_type__app_label=app_label, codename=codename)
    for perm in Permission.objects.filter(lookup).select_related("content_type"):
        found[(perm.content_type.app_label, perm.codename)] = perm
    for name, perms in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([found[key] for key in sorted(perms) if key in found])
