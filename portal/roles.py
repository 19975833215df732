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
    "payments.view_simulatedacquirertransaction",
]

GROUPS: dict[str, list[str]] = {"reviewer": REVIEWER_PERMISSIONS, "operator": OPERATOR_PERMISSIONS}
# Other apps add their groups' permissions here (app label -> group -> permissions).
EXTRA_GROUP_PERMISSIONS: dict[str, list[str]] = {}


def register_group_permissions(group: str, permissions: list[str]) -> None:
    EXTRA_GROUP_PERMISSIONS.setdefault(group, []).extend(permissions)


def ensure_operator_groups(sender=None, **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    wanted: dict[str, list[str]] = {}
    for name, perms in GROUPS.items():
        wanted.setdefault(name, []).extend(perms)
    for name, perms in EXTRA_GROUP_PERMISSIONS.items():
        wanted.setdefault(name, []).extend(perms)
    for name, perms in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        objects = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                objects.append(perm)
        group.permissions.set(objects)
