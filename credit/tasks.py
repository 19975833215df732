"""Celery tasks of the credit domain: thin wrappers around services."""

from celery import shared_task

from credit import services


@shared_task(name="credit.bureau.refresh", soft_time_limit=20, time_limit=30, acks_late=True)
def refresh_bureau(*, buyer_id: int, **kwargs) -> str:
    """Fetch a buyer's bureau report into the document cache (an upsert: safe twice)."""
    return services.bureau_refresh(buyer_id=buyer_id).source


@shared_task(name="credit.bureau.refresh_many", soft_time_limit=120, time_limit=150, acks_late=True)
def refresh_bureaus(*, buyer_ids: list[int], **kwargs) -> int:
    """The refreshes that credit checks asked for, batched (each an upsert: safe twice)."""
    return services.bureau_refresh_many(buyer_ids=buyer_ids)


@shared_task(name="credit.backtests.run", soft_time_limit=600, time_limit=660)
def run_backtest(*, backtest_id: int, **kwargs) -> str:
    return services.backtest_run(backtest_id=backtest_id).status


@shared_task(name="credit.invoices.remind", soft_time_limit=300, time_limit=360)
def remind_invoices(**kwargs) -> int:
    """Beat: reminders for invoices due soon or overdue (conditional updates: never sent twice)."""
    return services.bnpl_invoices_remind()
