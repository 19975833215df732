"""Signing secrets of webhooks, per merchant and mode: one current, plus old ones until they expire."""

from __future__ import annotations

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
    current(merchant_id, mode)
    return list(
        WebhookSecret.objects.filter(merchant_id=merchant_id, mode=mode).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )
    )


def signing(merchant_id: int, mode: str) -> list[str]:
    """Every secret a delivery is signed with right now (newest first)."""
    return [s.secret for s in valid(merchant_id, mode)]


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
    return WebhookSecret.objects.create(merchant_id=merchant_id, mode=mode, secret=_new_secret())
