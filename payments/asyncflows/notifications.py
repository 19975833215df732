"""Provider notifications: verify, store raw (once per provider event id), process in a task.

``POST /notifications/<provider>`` (one endpoint per provider). The provider's own
signature scheme is checked first (test-mode simulator secret, then the live secret:
the one that matches decides the mode, and a notification can only touch payments of
that mode). A verified notification is stored with its unique ``(provider, event_id)``;
a replay hits the unique constraint and is acknowledged without being processed again.
Processing runs in ``payments.notifications.process``, queued on commit, under a row
lock on the notification, in one transaction with the status change and its webhook
events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments.asyncflows import services
from payments.asyncflows.models import ProviderNotification
from payments.providers.async_http import BadNotification
from payments.providers.async_registry import PROVIDERS, provider_by_name
from payments.providers.base import NotConfigured
from portal.models import Mode

logger = logging.getLogger(__name__)


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _verified(name: str, headers: Mapping[str, str], body: bytes):
    for mode in (Mode.TEST, Mode.LIVE):
        try:
            provider = provider_by_name(name, mode)
        except NotConfigured:
            continue
        if provider.verify_notification(headers, body):
            return provider, mode
    raise Rejected(401, "bad signature")


def notification_receive(
    *, provider: str, headers: Mapping[str, str], body: bytes
) -> tuple[ProviderNotification, bool]:
    """Store a verified notification and queue its processing. Returns (row, created)."""
    if provider not in PROVIDERS:
        raise Rejected(404, "unknown provider")
    client, mode = _verified(provider, headers, body)
    try:
        text = body.decode()
        event = client.parse_notification(body)
    except (UnicodeDecodeError, BadNotification, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Rejected(400, f"unreadable notification: {exc}") from exc
    if not event.event_id or len(event.event_id) > 100:
        raise Rejected(400, "no event id")
    kept = {k: v for k, v in headers.items() if k.lower().startswith("x-") or k.lower() == "content-type"}
    try:
        with transaction.atomic():
            row = ProviderNotification.objects.create(
                provider=provider, mode=mode, event_id=event.event_id, body=text, headers=kept
            )
            queue_processing(row.pk)
    except IntegrityError:
        return ProviderNotification.objects.get(provider=provider, event_id=event.event_id), False
    return row, True


def queue_processing(notification_id: int) -> None:
    def send() -> None:
        from payments.asyncflows.tasks import process_notification

        try:
            process_notification.apply_async(kwargs={"notification_id": notification_id})
        except Exception:  # broker down, or an eager run failed: the sweeper processes it later
            logger.warning("could not process notification %s now", notification_id, exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def notification_process(*, notification_id: int) -> str:
    """Apply one stored notification, once. Safe to run any number of times."""
    row = ProviderNotification.objects.select_for_update().get(pk=notification_id)
    if row.processed_at is not None:
        return row.outcome
    event = provider_by_name(row.provider, row.mode).parse_notification(row.body.encode())
    payment, outcome = services.apply_event(mode=row.mode, provider=row.provider, event=event)
    row.payment, row.outcome, row.processed_at = payment, outcome, timezone.now()
    row.attempts += 1
    row.save(update_fields=["payment", "outcome", "processed_at", "attempts"])
    return outcome


def notification_failed(*, notification_id: int, error: str) -> None:
    ProviderNotification.objects.filter(pk=notification_id, processed_at__isnull=True).update(
        attempts=F("attempts") + 1, last_error=error[:300]
    )


def unprocessed_ids(*, limit: int = 1000, older_than_seconds: int = 30, max_attempts: int = 10) -> list[int]:
    threshold = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ProviderNotification.objects.filter(
            processed_at__isnull=True, received_at__lt=threshold, attempts__lt=max_attempts
        ).values_list("pk", flat=True)[:limit]
    )
