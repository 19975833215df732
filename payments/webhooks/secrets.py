"""Signing secrets of webhooks, per merchant and mode: one current, plus old ones until they expire."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments.webhooks.models import WebhookSecret
from portal.ids import random_token


def _new_secret() -> str:
    return "whsec_" + random_token(40)


def current(merchant_id: int, mode: str) -> WebhookSecret:
    """The current secret, created on first use (the partial unique constraint settles races)."""
    found = WebhookSecret.objects.filter(merchant_id=merchant_id, mode=mode, expires_at__isnull=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return WebhookSecret.objects.create(merchant_id=merchant_id, mode=mode, secret=_new_secret())
    except IntegrityError:
        return WebhookSecret.objects.get(merchant_id=merchant_id, mode=mode, expires_at__isnull=True)


def valid(merchant_id: int, mode: str) -> list[WebhookSecret]:
    """The current secret and those still in their grace period (newest first); one query."""
    found = list(
        WebhookSecret.objects.filter(merchant_id=merchant_id, mode=mode).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )
    )
    if not any(s.expires_at is None for s in found):
        found.insert(0, current(merchant_id, mode))
    return found


# Workers sign many deliveries for the same merchant: the secrets are kept this long per process.
# A rotation still signs with the old secret for hours, so a short delay to the new one is harmless.
CACHE_SECONDS = 10.0
_cache: dict[tuple[int, str], tuple[float, list[str]]] = {}


def signing(merchant_id: int, mode: str) -> list[str]:
    """Every secret a delivery is signed with right now (newest first)."""
    key, now = (merchant_id, mode), time.monotonic()
    cached = _cache.get(key)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        cached = (now, [s.secret for s in valid(merchant_id, mode)])
        _cache[key] = cached
    return cached[1]


def forget() -> None:
    _cache.clear()


@transaction.atomic
def rotate(*, merchant_id: int, mode: str, grace_hours: int | None = None) -> WebhookSecret:
    """A new current secret; the old one keeps signing (a second ``v1``) for the grace period."""
    grace = settings.WEBHOOK_SECRET_GRACE_HOURS if grace_hours is None else grace_hours
    old = (
        WebhookSecret.objects.select_for_update()
        .filter(merchant_id=merchant_id, mode=mode, expires_at__isnull=True)
        .first()
    )
    if old is not None:
        old.expires_at = timezone.now() + timedelta(hours=grace)
        old.save(update_fields=["expires_at"])
    created = WebhookSecret.objects.create(merchant_id=merchant_id, mode=mode, secret=_new_secret())
    forget()
    transaction.on_commit(forget)  # this process signs with the new secret at once (others within seconds)
    return created
