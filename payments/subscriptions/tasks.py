"""Celery tasks of subscription billing: thin wrappers around ``services.billing``."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task

from payments.subscriptions.services import billing
from payments.subscriptions.services.subscriptions import business_today

logger = logging.getLogger(__name__)


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else business_today()


@shared_task(name="subscriptions.bill_due", soft_time_limit=120, time_limit=180)
def bill_due(*, today: str | None = None) -> int:
    """Celery beat, every minute: queue a charge for each subscription due by ``today`` (Japan's
    date unless given), or left half-charged by a dead process; report finished batches.

    Several beat processes, or a sweep repeated before the last one's charges ran, queue the
    same subscription twice: the second charge task finds nothing to do.
    """
    due = billing.due_subscriptions(today=_day(today))
    for pk in due:
        charge.apply_async(kwargs={"subscription_pk": pk, "today": today})
    billing.batches_report(today=_day(today))
    return len(due)


@shared_task(
    name="subscriptions.charge",
    acks_late=True,  # idempotent: a redelivered charge finds the period claimed or settled
    soft_time_limit=60,
    time_limit=90,
)
def charge(*, subscription_pk: int, today: str | None = None) -> str:
    return billing.subscription_charge(subscription_pk=subscription_pk, today=_day(today))
