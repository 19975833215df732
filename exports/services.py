"""Hourly export of events as Hive-partitioned Parquet files through fsspec.

``<EXPORT_URL>/kind=<kind>/date=YYYY-MM-DD/hour=HH/part-0.parquet`` holds the rows of one
closed hour (UTC), in (created_at, id) order. Writing an hour again writes the same bytes
(same rows, same schema, no time in the file), so re-exporting is safe; ``ExportedHour``
records what was written. The file is written under a temporary name, then moved.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import fsspec  # type: ignore[import-untyped]
from django.conf import settings
from django.db import connection
from django.utils import timezone

from exports.models import ExportedHour, RequestLog
from exports.selectors import KINDS
from portal.arrow import pa, pq

logger = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
BATCH_ROWS = 10_000


def hour_floor(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def partition_path(*, kind: str, hour: datetime) -> str:
    return f"kind={kind}/date={hour:%Y-%m-%d}/hour={hour:%H}/part-0.parquet"


def _write(*, kind: str, hour: datetime, fs, path: str) -> tuple[int, str]:
    """Write the hour's rows to ``path``; returns (rows, sha256 of the file)."""
    spec = KINDS[kind]
    rows = 0
    with fs.open(path, "wb") as raw, pq.ParquetWriter(raw, spec.schema, compression="zstd") as writer:
        batch: list[dict] = []
        for row in spec.rows(start=hour, end=hour + HOUR):
            batch.append(row)
            if len(batch) == BATCH_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=spec.schema))
                rows, batch = rows + len(batch), []
        if batch or rows == 0:  # an empty hour is a file with the schema and no rows
            writer.write_table(pa.Table.from_pylist(batch, schema=spec.schema))
            rows += len(batch)
    digest = hashlib.sha256()
    with fs.open(path, "rb") as written:
        for chunk in iter(lambda: written.read(1 << 20), b""):
            digest.update(chunk)
    return rows, digest.hexdigest()


def hour_export(*, kind: str, hour: datetime, base_url: str | None = None) -> ExportedHour:
    """Export one hour of ``kind`` (again, if already done: the same file) and record it."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    hour = hour_floor(hour)
    if hour + HOUR > timezone.now() - timedelta(seconds=settings.EXPORT_GRACE_SECONDS):
        raise ValueError(f"the hour {hour.isoformat()} is not closed yet")
    fs, root = fsspec.core.url_to_fs(base_url or settings.EXPORT_URL)
    final = f"{root.rstrip('/')}/{partition_path(kind=kind, hour=hour)}"
    directory = final.rsplit("/", 1)[0]
    fs.makedirs(directory, exist_ok=True)
    temporary = f"{directory}/.part-0.parquet.tmp"
    rows, sha256 = _write(kind=kind, hour=hour, fs=fs, path=temporary)
    fs.mv(temporary, final)
    record, _ = ExportedHour.objects.update_or_create(
        kind=kind,
        hour=hour,
        defaults={"rows": rows, "path": final, "sha256": sha256, "exported_at": timezone.now()},
    )
    logger.info("exported %s %s: %s rows to %s", kind, hour.isoformat(), rows, final)
    return record


def _lock(kind: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"exports:{kind}"])
        return bool(cursor.fetchone()[0])


def _unlock(kind: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"exports:{kind}"])


def hours_pending(*, kind: str, now: datetime) -> list[datetime]:
    """Closed hours (ended ``EXPORT_GRACE_SECONDS`` ago) not exported yet, oldest first, at most
    ``EXPORT_MAX_HOURS_PER_RUN``: after the last exported hour, or from the first event's hour."""
    last_closed = hour_floor(now - timedelta(seconds=settings.EXPORT_GRACE_SECONDS)) - HOUR
    last = ExportedHour.objects.filter(kind=kind).order_by("-hour").values_list("hour", flat=True).first()
    if last is not None:
        start = last + HOUR
    else:
        earliest = KINDS[kind].earliest()
        if earliest is None:
            return []
        start = hour_floor(earliest)
    hours: list[datetime] = []
    while start <= last_closed and len(hours) < settings.EXPORT_MAX_HOURS_PER_RUN:
        hours.append(start)
        start += HOUR
    return hours


def exports_run(*, now: datetime | None = None) -> dict[str, int]:
    """Export every kind's pending closed hours; returns kind → hours exported. A run that finds
    another one at work on a kind (PostgreSQL advisory lock) leaves that kind to it."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    for kind in KINDS:
        if not _lock(kind):
            done[kind] = 0
            continue
        try:
            hours = hours_pending(kind=kind, now=now)
            for hour in hours:
                hour_export(kind=kind, hour=hour)
            done[kind] = len(hours)
        finally:
            _unlock(kind)
    request_logs_prune(now=now)
    return done


def request_logs_prune(*, now: datetime) -> int:
    """Delete the request logs older than ``REQUEST_LOG_RETENTION_HOURS`` whose hour has been
    exported (never one still to export); returns how many rows were deleted."""
    last = (
        ExportedHour.objects.filter(kind="request_logs")
        .order_by("-hour")
        .values_list("hour", flat=True)
        .first()
    )
    if last is None:
        return 0
    cutoff = min(now - timedelta(hours=settings.REQUEST_LOG_RETENTION_HOURS), last + HOUR)
    deleted, _ = RequestLog.objects.filter(occurred_at__lt=cutoff).delete()
    if deleted:
        logger.info("deleted %s request logs before %s", deleted, cutoff.isoformat())
    return deleted
