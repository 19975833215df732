"""The export task in a real Celery worker, writing where EXPORT_URL says."""

from __future__ import annotations

import time
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from exports.models import ExportedHour
from exports.services import hour_floor
from exports.tasks import export_hour, run
from portal.models import AuditEvent


@pytest.fixture
def export_worker(transactional_db, tmp_path):
    from portal.celery import app
    from tests import processes

    processes.purge_broker()
    worker = processes.start_worker(tmp_path, EXPORT_URL=(tmp_path / "exports").as_uri())
    try:
        yield worker
    finally:
        worker.stop(graceful=False)
        processes.use_broker(app, None)
        processes.purge_broker()


def _wait(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_the_beat_task_exports_closed_hours_in_a_real_worker(export_worker, tmp_path):
    hour = hour_floor(timezone.now()) - timedelta(hours=2)
    for minute in (1, 2):
        AuditEvent.objects.create(
            created_at=hour + timedelta(minutes=minute), actor_label="system", action="key.rolled",
            object_type="portal.apikey", object_id=f"k{minute}",
        )  # fmt: skip
    run.apply_async(kwargs={})
    _wait(lambda: ExportedHour.objects.filter(kind="audit_events", hour=hour).exists())
    record = ExportedHour.objects.get(kind="audit_events", hour=hour)
    path = tmp_path / f"exports/kind=audit_events/date={hour:%Y-%m-%d}/hour={hour:%H}/part-0.parquet"
    assert (record.rows, record.path) == (2, str(path)), export_worker.log()
    assert pq.read_table(path)["object_id"].to_pylist() == ["k1", "k2"]

    before = path.read_bytes()
    export_hour.apply_async(
        kwargs={"kind": "audit_events", "hour": (hour + timedelta(minutes=3)).isoformat()}
    )
    _wait(
        lambda: (
            "exports.export_hour" in export_worker.log()
            and "succeeded" in export_worker.log().split("exports.export_hour")[-1]
        )
    )
    assert path.read_bytes() == before
    assert "exports.run" in export_worker.log()
