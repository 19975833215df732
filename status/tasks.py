"""The status page's beat task: run every component's check and store the results."""

from __future__ import annotations

from celery import shared_task

from status import services


@shared_task(name="status.run_checks", soft_time_limit=30, time_limit=45, ignore_result=True)
def run_checks(**kwargs) -> dict[str, str]:
    return services.status_checks_run()
