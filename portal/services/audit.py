"""The append-only audit log, and the one function that moves an onboarding object's status (a conditional update, audited in the same transaction)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from portal import errors
from portal.errors import PortalError
from portal.middleware import current_client_address
from portal.models import (
    ApiKey,
    AuditEvent,
    Merchant,
    User,
)

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: jsonable(getattr(obj, f)) for f in fields}


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    merchant: Merchant | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    event = audit_event(actor=actor, action=action, obj=obj, merchant=merchant, before=before, after=after)
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    merchant: Merchant | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """The row :func:`audit_record` writes, unsaved: several go in one ``bulk_create``."""
    if isinstance(actor, ApiKey):
        label, user = f"api_key:{actor.masked}", None
    elif actor is not None:
        label, user = actor.email, actor
    else:
        label, user = "system", None
    return AuditEvent(
        actor=user,
        actor_label=label,
        client_address=current_client_address(),
        merchant=merchant,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def status_transition(
    *,
    model: type,
    obj: Any,
    to: str,
    actor: Actor,
    action: str,
    merchant: Merchant | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Apply ``obj.status -> to`` if the model's table allows it, conditionally on the old status."""
    current = obj.status
    if to not in model.TRANSITIONS.get(current, set()):
        raise PortalError(
            errors.INVALID_TRANSITION,
            f"{model._meta.verbose_name} cannot go from {current} to {to}.",
        )
    updates = {"status": to, **(extra or {})}
    if hasattr(obj, "updated_at"):
        updates["updated_at"] = timezone.now()
    changed = model.objects.filter(pk=obj.pk, status=current).update(**updates)
    if changed != 1:
        raise PortalError(
            errors.INVALID_TRANSITION, f"{model._meta.verbose_name} was changed concurrently; reload."
        )
    for key, value in updates.items():
        setattr(obj, key, value)
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        merchant=merchant,
        before={"status": current},
        after={"status": to, **{k: v for k, v in (extra or {}).items() if not k.endswith("_id")}},
    )
