"""Celery tasks of invoices: thin wrappers around ``services``."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from payments.invoices import services


@shared_task(name="invoices.settle_paid", soft_time_limit=60, time_limit=90)
def settle_paid(**kwargs) -> int:
    """Celery beat, every minute: open invoices whose transfer has arrived become PAID."""
    return sum(services.invoice_settle(invoice_pk=pk) == "PAID" for pk in services.open_invoices())


@shared_task(name="invoices.remind", soft_time_limit=120, time_limit=180)
def remind(*, today: str | None = None, **kwargs) -> int:
    """Celery beat, hourly: reminder e-mails before the due date and once it is past."""
    day = date.fromisoformat(today) if today else services.business_today()
    return services.reminders_send(today=day)
