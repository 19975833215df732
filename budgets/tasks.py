"""Celery tasks of the budgets app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from budgets import notifications
from budgets.importing import cost_import_run


@shared_task(name="budgets.import_costs", soft_time_limit=1800, time_limit=1860)
def import_costs(*, import_id: int, **kwargs) -> str:
    """Import one registered cost file (only a queued import starts: running it twice is harmless)."""
    return cost_import_run(import_id=import_id).status


@shared_task(name="budgets.scan_projects", soft_time_limit=1800, time_limit=1860)
def scan_projects(*, project_ids: list[int], since: str | None = None, **kwargs) -> int:
    """Forecast alerts and anomaly detection for these projects (every day from ``since``, an ISO
    date, else the last days); returns new anomalies."""
    from budgets import scanning  # anomaly detection (NumPy) loads with the first scan

    start = date.fromisoformat(since) if since else None
    return scanning.projects_scan(project_ids=project_ids, since=start)


@shared_task(name="budgets.scan_all", soft_time_limit=1800, time_limit=1860)
def scan_all(**kwargs) -> int:
    """The daily scan of every project (Celery beat)."""
    from budgets import scanning

    return scanning.projects_scan(project_ids=None)


@shared_task(name="budgets.notify", soft_time_limit=30, time_limit=60)
def notify(*, kind: str, object_id: int, **kwargs) -> str:
    """E-mail the project's owners about an anomaly or an alert (once), then queue the webhook."""
    return notifications.deliver(kind=kind, object_id=object_id)


@shared_task(name="budgets.digest", soft_time_limit=60, time_limit=120)
def digest(*, project_ids: list[int], **kwargs) -> list[str]:
    """One e-mail and one webhook call per project with its new anomalies and alerts (after each scan:
    the daily scan makes it a daily digest), instead of one per anomaly."""
    return [notifications.send_digest(project_id=pid) for pid in project_ids]


@shared_task(
    name="budgets.webhook",
    soft_time_limit=30,
    time_limit=60,
    acks_late=True,
    autoretry_for=(notifications.RetryableDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def webhook(*, url: str, payload: dict, **kwargs) -> int:
    """POST the JSON notification; network errors and 5xx are retried with backoff."""
    return notifications.post_webhook(url=url, payload=payload)
