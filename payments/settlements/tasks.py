"""Celery tasks of settlements: thin wrappers around ``services``."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from payments.settlements import services


def _day(today: str | None) -> date:
    return date.fromisoformat(today) if today else timezone.localdate()


@shared_task(name="settlements.run", soft_time_limit=600, time_limit=900)
def run(*, today: str | None = None, **kwargs) -> int:
    """Celery beat, daily: fix the statements of the terms that closed (Japan's date)."""
    return len(services.settlement_run(today=_day(today)))


@shared_task(name="settlements.deposit_due", soft_time_limit=300, time_limit=450)
def deposit_due(*, today: str | None = None, **kwargs) -> int:
    """Celery beat, daily: fixed statements whose deposit date has come are marked deposited."""
    return services.deposits_due(today=_day(today))
