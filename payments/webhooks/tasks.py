"""Celery tasks of webhooks: deliver one (idempotent claim, so acks_late), and the periodic sweeper."""

from __future__ import annotations

from celery import shared_task

from payments.webhooks import delivery


@shared_task(
    name="payments.webhooks.deliver",
    acks_late=True,  # the claim makes a second run harmless
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=40,  # < WEBHOOK_LEASE_SECONDS: a killed attempt's lease always runs out after it
)
def deliver(*, delivery_id: int, manual: bool = False, **kwargs) -> str:
    return delivery.deliver(delivery_id=delivery_id, manual=manual)


@shared_task(name="payments.webhooks.sweep", soft_time_limit=60, time_limit=90)
def sweep(**kwargs) -> int:
    """Periodic: queue every due delivery nobody holds (lost task, crashed worker, long backoff)."""
    ids = delivery.due()
    for delivery_id in ids:
        deliver.apply_async(kwargs={"delivery_id": delivery_id})
    return len(ids)
