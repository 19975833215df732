"""Celery tasks of the payments domain: thin wrappers around services."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from payments.asyncflows import tasks as asyncflow_tasks
from payments.methods.card.tokens import card_secret_purge
from payments.models import Payment
from payments.services.reconcile import payment_reconcile
from payments.webhooks import tasks as webhook_tasks

# Tasks defined next to their domain modules, registered with the worker through this module.
__all__ = [
    "asyncflow_tasks",
    "purge_card_secrets",
    "reconcile_payment",
    "sweep_pending_payments",
    "webhook_tasks",
]

logger = logging.getLogger(__name__)


@shared_task(
    name="payments.reconcile_payment",
    acks_late=True,  # idempotent: resolving an already resolved payment changes nothing
    soft_time_limit=30,
    time_limit=60,
    max_retries=20,
)
def reconcile_payment(*, payment_id: int, **kwargs) -> str:
    """Ask the provider what became of a payment's pending operation, and apply it."""
    outcome = payment_reconcile(payment_id=payment_id)
    if outcome == "processing":
        # Still running at the acquirer (or unreachable): ask again with backoff.
        retries = reconcile_payment.request.retries
        raise reconcile_payment.retry(
            countdown=min(300, settings.PAYMENTS_RECONCILE_RETRY_SECONDS * 2**retries)
        )
    return outcome


@shared_task(name="payments.sweep_pending", soft_time_limit=120, time_limit=180)
def sweep_pending_payments(**kwargs) -> int:
    """Periodic: queue reconciliation of every payment left pending longer than the threshold,
    of payments waiting on the buyer past their deadline or not checked lately, and the
    processing of provider notifications left behind."""
    threshold = timezone.now() - timedelta(seconds=settings.PAYMENTS_RECONCILE_AFTER_SECONDS)
    ids = list(
        Payment.objects.filter(pending_operation__isnull=False, pending_since__lt=threshold).values_list(
            "pk", flat=True
        )[:1000]
    )
    for payment_id in ids:
        reconcile_payment.apply_async(kwargs={"payment_id": payment_id})
    return len(ids) + asyncflow_tasks.queue_stale()


@shared_task(name="payments.purge_card_secrets", soft_time_limit=120, time_limit=180)
def purge_card_secrets(**kwargs) -> int:
    """Periodic: delete card data that no provider needs any more, and forget the wallet tokens
    used long enough ago that none of them is still valid."""
    from payments.methods.wallet_card import wallet_token_use_purge

    return card_secret_purge() + wallet_token_use_purge()


@shared_task(name="payments.bnpl.review_decided", acks_late=True, soft_time_limit=30, time_limit=60)
def bnpl_review_decided(*, check_id: int, **kwargs) -> str:
    """A credit reviewer decided: move the BNPL payment waiting for it (idempotent), and so tell the merchant."""
    from payments.methods.bnpl.flow import review_decided

    payment = review_decided(check_id=check_id)
    return payment.status if payment else "none"
