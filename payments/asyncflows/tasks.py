"""Celery tasks of the methods that complete later. Each takes ids and calls one service.

``payments.provider_call`` makes every outbound call of an operation (idempotent: the
provider keys it by our reference, and the state machine ignores a stale answer), so it
is ``acks_late`` and retried — with exponential backoff for network errors, timeouts and
5xx, after the wait the throttle or breaker asks for otherwise. After
``PROVIDER_CALL_MAX_RETRIES`` failures it stops; the sweeper's reconciliation takes over.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from payments.asyncflows import notifications, services
from payments.providers.async_base import CallDeferred
from payments.providers.base import ProviderFailure, ProviderTimeout, ProviderUnavailable

logger = logging.getLogger(__name__)
MAX_DEFERRALS = 200


@shared_task(
    name="payments.provider_call",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded below, separately for failures and for throttle/breaker waits
    soft_time_limit=30,
    time_limit=45,
)
def provider_call(
    self, *, payment_id: int, reference: str, failures: int = 0, deferrals: int = 0, **kwargs
) -> str:
    try:
        return services.provider_call_run(payment_id=payment_id, reference=reference)
    except CallDeferred as exc:
        if deferrals == 0:  # once: a queue of throttled calls must not flood the history
            services.note_attempt(
                payment_id=payment_id,
                reference=reference,
                action="provider_deferred",
                reason=str(exc),
                attempt=0,
            )
        if self.request.is_eager or deferrals >= MAX_DEFERRALS:
            return "deferred"
        countdown, deferrals = exc.retry_after * random.uniform(1.0, 1.5), deferrals + 1
    except (ProviderTimeout, ProviderFailure, ProviderUnavailable, SoftTimeLimitExceeded) as exc:
        logger.warning("provider call for payment %s failed (%s): attempt %s", payment_id, exc, failures + 1)
        services.note_attempt(
            payment_id=payment_id,
            reference=reference,
            action="provider_retry",
            reason=str(exc),
            attempt=failures + 1,
        )
        if self.request.is_eager or failures + 1 >= settings.PROVIDER_CALL_MAX_RETRIES:
            return "left_for_reconciliation"
        countdown = min(300.0, settings.PROVIDER_RETRY_BASE_SECONDS * 2**failures) * random.uniform(0.8, 1.2)
        failures += 1
    raise self.retry(
        kwargs={
            "payment_id": payment_id,
            "reference": reference,
            "failures": failures,
            "deferrals": deferrals,
        },
        countdown=countdown,
    )


@shared_task(
    name="payments.notifications.process",
    bind=True,
    acks_late=True,  # processing twice changes nothing: the row lock and processed_at see to it
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=30,
    time_limit=45,
)
def process_notification(self, *, notification_id: int, **kwargs) -> str:
    try:
        return notifications.notification_process(notification_id=notification_id)
    except Exception as exc:
        notifications.notification_failed(
            notification_id=notification_id, error=f"{type(exc).__name__}: {exc}"
        )
        if self.request.is_eager:
            raise
        raise self.retry(countdown=2**self.request.retries, exc=exc) from exc


def queue_stale(*, limit: int = 1000) -> int:
    """For the periodic sweeper: waiting payments to check with their provider, notifications not processed."""
    from payments.tasks import reconcile_payment

    payment_ids = services.waiting_payment_ids(limit=limit)
    for payment_id in payment_ids:
        reconcile_payment.apply_async(kwargs={"payment_id": payment_id})
    notification_ids = notifications.unprocessed_ids(limit=limit)
    for notification_id in notification_ids:
        process_notification.apply_async(kwargs={"notification_id": notification_id})
    return len(payment_ids) + len(notification_ids)


@shared_task(name="payments.simulate_buyer", soft_time_limit=30, time_limit=45)
def simulate_buyer(*, payment_id: int, **kwargs) -> int:
    """Test mode: play the buyer at the simulated wallet, konbini or bank (not retried)."""
    return services.simulate_buyer_run(payment_id=payment_id)
