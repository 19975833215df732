"""Where the product's own signals become security events: Django's sign-in failures, axes'
lock-outs, staff permission changes. (API keys, webhooks and outbound calls record theirs
where they happen: ``security.services.security_event_record``.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from security.models import Kind, Severity
from security.services import security_event_record

_STAFF_FLAGS = ("is_staff", "is_superuser", "is_active")


def _request_id(request) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


def login_failed(sender, credentials: dict[str, Any], request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")[:254]
    where = "the admin" if request is not None and request.path.startswith("/admin") else "the portal"
    security_event_record(
        kind=Kind.LOGIN_FAILED,
        severity=Severity.INFO,
        actor_label=username,
        summary=f"Failed sign-in to {where} as {username or '(no name)'}",
        request_id=_request_id(request),
    )


def login_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    security_event_record(
        kind=Kind.LOGIN_THROTTLED,
        severity=Severity.WARNING,
        source_ip=ip_address,
        actor_label=str(username or "")[:254],
        summary=f"Sign-in locked out after repeated failures ({username or 'unknown user'})",
        request_id=_request_id(request),
        dedupe_seconds=60,
    )


def otp_failed(sender, user=None, **kwargs) -> None:
    security_event_record(
        kind=Kind.OTP_FAILED,
        severity=Severity.WARNING,
        actor=user,
        actor_label=getattr(user, "email", "") or "",
        summary=f"A wrong one-time code for {getattr(user, 'email', 'an unknown user')}",
    )


def staff_flags_before(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not set(update_fields) & set(_STAFF_FLAGS):
        instance._security_flags_before = None  # e.g. last_login: no flag can change
        return
    if raw or instance.pk is None:
        instance._security_flags_before = None
        return
    before = sender.objects.filter(pk=instance.pk).values(*_STAFF_FLAGS).first()
    instance._security_flags_before = before


def staff_flags_after(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_security_flags_before", None)
    after = {flag: getattr(instance, flag) for flag in _STAFF_FLAGS}
    if not created and before is None:
        return
    if created:
        changed = {f: (None, v) for f, v in after.items() if v and f != "is_active"}
    else:
        changed = {f: (before[f], after[f]) for f in _STAFF_FLAGS if before and before[f] != after[f]}
    if not changed:
        return
    text = ", ".join(f"{flag} {old}→{new}" for flag, (old, new) in changed.items())
    security_event_record(
        kind=Kind.STAFF_PERMISSIONS_CHANGED,
        severity=Severity.WARNING,
        actor_label=instance.email,
        summary=f"Staff flags of {instance.email} changed: {text}",
        detail={"changed": {f: [o, n] for f, (o, n) in changed.items()}},
    )


def groups_changed(sender, instance, action: str, pk_set=None, model=None, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    User = get_user_model()
    if isinstance(instance, User):
        users = [instance]
        names = (
            sorted(model.objects.filter(pk__in=pk_set or []).values_list("name", flat=True)) if model else []
        )
    else:  # a group's user set changed
        users = list(User.objects.filter(pk__in=pk_set or []))
        names = [str(instance)]
    verb = {"post_add": "added to", "post_remove": "removed from", "post_clear": "cleared from"}[action]
    for user in users:
        security_event_record(
            kind=Kind.STAFF_PERMISSIONS_CHANGED,
            severity=Severity.WARNING,
            actor_label=user.email,
            summary=f"{user.email} {verb} {', '.join(names) or 'every group'}",
            detail={"action": action, "groups": names},
        )


def permissions_changed(sender, instance, action: str, pk_set=None, model=None, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    User = get_user_model()
    if not isinstance(instance, User):
        return
    codenames = (
        sorted(model.objects.filter(pk__in=pk_set or []).values_list("codename", flat=True)) if model else []
    )
    security_event_record(
        kind=Kind.STAFF_PERMISSIONS_CHANGED,
        severity=Severity.WARNING,
        actor_label=instance.email,
        summary=f"Permissions of {instance.email} changed ({action.removeprefix('post_')}: {', '.join(codenames) or 'all'})",
        detail={"action": action, "permissions": codenames},
    )


def connect() -> None:
    from axes.signals import user_locked_out
    from django_otp.forms import otp_verification_failed

    User = get_user_model()
    user_login_failed.connect(login_failed, dispatch_uid="security.login_failed")
    user_locked_out.connect(login_locked_out, dispatch_uid="security.login_locked_out")
    otp_verification_failed.connect(otp_failed, dispatch_uid="security.otp_failed")
    pre_save.connect(staff_flags_before, sender=User, dispatch_uid="security.staff_flags_before")
    post_save.connect(staff_flags_after, sender=User, dispatch_uid="security.staff_flags_after")
    m2m_changed.connect(groups_changed, sender=User.groups.through, dispatch_uid="security.groups_changed")
    m2m_changed.connect(
        permissions_changed, sender=User.user_permissions.through, dispatch_uid="security.permissions_changed"
    )
