"""Celery tasks of bulk payments: thin wrappers around ``services.processing``."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from payments.bulk.services import processing
from payments.bulk.services.uploads import business_today


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else business_today()


@shared_task(name="bulk.run_due", soft_time_limit=60, time_limit=90)
def run_due(*, today: str | None = None, **kwargs) -> int:
    """Celery beat, every minute: queue each bulk due by ``today`` (Japan's date unless given),
    or left by a process that died. A bulk queued twice is claimed once."""
    due = processing.due_bulks(today=_day(today))
    for pk in due:
        process.apply_async(kwargs={"bulk_pk": pk, "today": today})
    return len(due)


@shared_task(
    name="bulk.process",
    acks_late=True,  # idempotent: a redelivered run finds the lines claimed or settled
    soft_time_limit=3000,
    time_limit=3600,
)
def process(*, bulk_pk: int, today: str | None = None, **kwargs) -> str:
    return processing.bulk_process(bulk_pk=bulk_pk, today=_day(today))
