"""API keys: issued (shown once, stored hashed), rolled with a grace period, revoked, last use recorded."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal import errors
from portal.errors import FieldError, PortalError
from portal.ids import random_token
from portal.models import (
    ApiKey,
    Merchant,
    Mode,
    User,
)
from portal.services.audit import audit_record
from security.models import Kind, Severity
from security.services import security_event_record

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IssuedKey:
    key: ApiKey
    raw: str


@transaction.atomic
def api_key_create(*, merchant: Merchant, mode: str, kind: str, actor: Actor, label: str = "") -> IssuedKey:
    if mode not in Mode.values:
        raise FieldError("02", "mode", "choice")
    if kind not in ApiKey.Kind.values:
        raise FieldError("02", "kind", "choice")
    if len(label) > 100:
        raise FieldError("02", "label", "max_length")
    if mode == Mode.LIVE:
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if not merchant.live_enabled:
            raise PortalError(errors.LIVE_KEYS_NOT_ALLOWED)
    raw = f"{ApiKey.PREFIXES[kind]}_{mode}_{random_token(40)}"
    key = ApiKey.objects.create(
        merchant=merchant,
        mode=mode,
        kind=kind,
        label=label.strip(),
        key_hash=hash_api_key(raw),
        display_prefix=raw[:11],
        last4=raw[-4:],
        public_value=raw if kind == ApiKey.Kind.PUBLIC else "",
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action="api_key.created",
        obj=key,
        merchant=merchant,
        after={"mode": mode, "kind": kind, "key": key.masked, "label": key.label},
    )
    return IssuedKey(key=key, raw=raw)


MAX_ROLL_GRACE = timedelta(days=7)


@transaction.atomic
def api_key_roll(*, key: ApiKey, grace: timedelta, actor: Actor) -> IssuedKey:
    """Issue a replacement; the old key keeps working for ``grace``, then expires."""
    if grace < timedelta(0) or grace > MAX_ROLL_GRACE:
        raise FieldError("02", "grace_hours", "range", "must be between 0 and 168 hours")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if not key.is_usable() or key.replaced_by_id:
        raise PortalError(
            errors.INVALID_TRANSITION, "Only an active key that has not been rolled can be rolled."
        )
    issued = api_key_create(merchant=key.merchant, mode=key.mode, kind=key.kind, actor=actor, label=key.label)
    expires = timezone.now() + grace
    key.expires_at, key.replaced_by = expires, issued.key
    key.save(update_fields=["expires_at", "replaced_by"])
    audit_record(
        actor=actor,
        action="api_key.rolled",
        obj=key,
        merchant=key.merchant,
        after={"key": key.masked, "expires_at": expires, "replaced_by": issued.key.masked},
    )
    security_event_record(
        kind=Kind.API_KEY_ROLLED,
        severity=Severity.INFO,
        actor=actor,
        merchant=key.merchant,
        summary=f"{key.get_mode_display()} {key.get_kind_display().lower()} key {key.masked} rolled; "
        f"it works until {timezone.localtime(expires):%Y-%m-%d %H:%M}",
        detail={"key": key.masked, "replaced_by": issued.key.masked, "expires_at": expires.isoformat()},
    )
    return issued


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> None:
    changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if changed:
        audit_record(
            actor=actor, action="api_key.revoked", obj=key, merchant=key.merchant, after={"key": key.masked}
        )
        security_event_record(
            kind=Kind.API_KEY_REVOKED,
            severity=Severity.INFO,
            actor=actor,
            merchant=key.merchant,
            summary=f"{key.get_mode_display()} {key.get_kind_display().lower()} key {key.masked} revoked",
            detail={"key": key.masked},
        )


LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_touch(*, key: ApiKey) -> None:
    """Record last use, at most once a minute per key (a conditional update, not a write per call)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gt=now - LAST_USED_RESOLUTION).update(
            last_used_at=now
        )
        key.last_used_at = now
