"""The hourly Parquet export (beat: every few minutes; each run exports the hours closed since)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

# The services (pyarrow, fsspec: ~0.5 s) load with the first export, not in every worker.


@shared_task(name="exports.run", soft_time_limit=600, time_limit=660, ignore_result=True)
def run(**kwargs) -> dict[str, int]:
    from exports import services

    return services.exports_run()


@shared_task(name="exports.export_hour", soft_time_limit=600, time_limit=660, ignore_result=True)
def export_hour(*, kind: str, hour: str, **kwargs) -> int:
    """Export (again) one hour, given as an ISO 8601 time within it."""
    from exports import services

    return services.hour_export(kind=kind, hour=datetime.fromisoformat(hour)).rows
