"""Cost imports (a service): stream a cost file into daily aggregates, replacing its billing periods.

1. Rows are streamed from the file (``importers``), allocated to projects and
   pre-aggregated per day × project × service × sub-account × resource in a
   bounded buffer, which is flushed to a staging table (COPY on PostgreSQL)
   whenever it is full — memory does not grow with the file.
2. At the end, in one transaction, the billing periods found in the file are
   locked, their previous costs deleted and the staged rows folded in: a
   re-import replaces a period, never adds to it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from budgets.allocation import Allocator
from budgets.importers import IMPORTERS, ImportFileError, Rejected
from budgets.importers.base import Progress, Source, detect, read_rows, resolve_columns
from budgets.models import BillingPeriod, CostDaily, CostImport, CostStage
from portal.errors import FieldError
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)

BUFFER_KEYS = 25_000  # distinct aggregate keys held before a flush
PROGRESS_EVERY = 50_000  # rows between progress updates
MAX_REJECTS_KEPT = 200

_STAGE_COLUMNS = (
    "cost_import_id",
    "billing_account_id",
    "billing_period_start",
    "charge_date",
    "project_id",
    "service_name",
    "sub_account_id",
    "resource_id",
    "region",
    "tags",
    "currency",
    "cost",
    "hours_mask",
    "row_count",
)
_GROUP = (
    "billing_account_id, billing_period_start, charge_date, project_id, service_name, "
    "sub_account_id, resource_id, region, tags, currency"
)

# Only constants are formatted into this statement; the values are parameters.
_FOLD_SQL = (
    f"INSERT INTO budgets_costdaily ({_GROUP}, cost, hours_mask, row_count, cost_import_id) "  # noqa: S608
    f"SELECT {_GROUP}, SUM(cost), BIT_OR(hours_mask), SUM(row_count), %s "
    f"FROM budgets_coststage WHERE cost_import_id = %s GROUP BY {_GROUP}"
)


def cost_import_create(
    *,
    path: str,
    fmt: str = CostImport.Format.AUTO,
    original_name: str = "",
    actor: User | None = None,
    queue: bool = True,
) -> CostImport:
    """Register a file to import; with ``queue`` the Celery task is sent once the row is committed."""
    if fmt not in CostImport.Format.values:
        raise FieldError("30", "format", "choice", "must be focus, aws-cur or auto")
    file = Path(path)
    if not file.is_file():
        raise FieldError("30", "path", "not_found", f"{path} is not a readable file")
    with transaction.atomic():
        cost_import = CostImport.objects.create(
            path=str(file.resolve()),
            original_name=original_name or file.name,
            format=fmt,
            bytes_total=file.stat().st_size,
            created_by=actor,
        )
        audit_record(actor=actor, action="budgets.import_created", obj=cost_import, after={"path": str(file)})
        if queue:
            from budgets.tasks import import_costs

            transaction.on_commit(lambda: import_costs.delay(import_id=cost_import.pk))
    return cost_import


def _start(cost_import: CostImport) -> bool:
    changed = CostImport.objects.filter(pk=cost_import.pk, status=CostImport.Status.QUEUED).update(
        status=CostImport.Status.RUNNING, started_at=timezone.now()
    )
    return changed == 1


def _fail(cost_import: CostImport, message: str, **counts: Any) -> None:
    CostStage.objects.filter(cost_import=cost_import).delete()
    CostImport.objects.filter(pk=cost_import.pk, status=CostImport.Status.RUNNING).update(
        status=CostImport.Status.FAILED, error=message[:5000], finished_at=timezone.now(), **counts
    )


def cost_import_run(*, import_id: int) -> CostImport:
    """Run a queued import (safe to call twice: only a queued import starts)."""
    cost_import = CostImport.objects.get(pk=import_id)
    if not _start(cost_import):
        return cost_import
    progress = Progress()
    counts: dict[str, Any] = {"rows_read": 0, "rows_rejected": 0, "rejects": []}
    try:
        periods = _stream(cost_import, progress, counts)
    except ImportFileError as exc:
        _fail(cost_import, str(exc), **counts)
    except Exception as exc:
        logger.exception("cost import %s failed", cost_import.public_id)
        _fail(cost_import, f"internal error: {type(exc).__name__}: {exc}", **counts)
    else:
        if not periods:
            reason = (
                "no data rows" if not counts["rows_read"] else "every row was rejected; nothing was replaced"
            )
            _fail(cost_import, f"the file has {reason}", **counts)
        else:
            _queue_scan(periods)
    cost_import.refresh_from_db()
    return cost_import


def _stream(cost_import: CostImport, progress: Progress, counts: dict[str, Any]) -> list:
    path = Path(cost_import.path)
    if not path.is_file():
        raise ImportFileError(f"{path} does not exist any more")
    with Source(path, progress) as source:
        importer = (
            detect(list(IMPORTERS.values()), source.header)
            if cost_import.format == CostImport.Format.AUTO
            else IMPORTERS[cost_import.format]
        )
        columns = resolve_columns(importer, source.header)
        CostImport.objects.filter(pk=cost_import.pk).update(
            detected_format=f"{importer.name} ({source.kind})"
        )
        stage = _Stage(cost_import, Allocator.current())
        rejects = counts["rejects"]
        for item in read_rows(importer, source, columns):
            counts["rows_read"] += 1
            if type(item) is Rejected:
                counts["rows_rejected"] += 1
                if len(rejects) < MAX_REJECTS_KEPT:
                    rejects.append({"line": item.line, "reason": item.reason})
            else:
                stage.add(item)
            if counts["rows_read"] % PROGRESS_EVERY == 0:
                progress.update()
                _report(cost_import, progress, counts)
        stage.flush()
        progress.update()
        progress.bytes_read = progress.bytes_total
    periods = sorted(stage.periods)
    if periods:
        _fold(cost_import, periods, counts)
    return periods


def _report(cost_import: CostImport, progress: Progress, counts: dict[str, Any]) -> None:
    CostImport.objects.filter(pk=cost_import.pk).update(
        bytes_read=progress.bytes_read, rows_read=counts["rows_read"], rows_rejected=counts["rows_rejected"]
    )


class _Stage:
    """The bounded aggregation buffer and its flushes to the staging table."""

    def __init__(self, cost_import: CostImport, allocator: Allocator):
        self.cost_import = cost_import
        self.allocator = allocator
        self.buffer: dict[tuple, list] = {}
        self.periods: set[tuple[str, Any]] = set()

    def add(self, row: Any) -> None:
        project = self.allocator.project_for(row.sub_account, row.tags)
        key = (
            row.billing_account,
            row.period_start,
            row.charge_date,
            project,
            row.service,
            row.sub_account,
            row.resource,
            row.region,
            row.tags,
            row.currency,
        )
        bit = row.hours
        entry = self.buffer.get(key)
        if entry is None:
            self.buffer[key] = [row.cost, bit, 1]
            self.periods.add((row.billing_account, row.period_start))
            if len(self.buffer) >= BUFFER_KEYS:
                self.flush()
        else:
            entry[0] += row.cost
            entry[1] |= bit
            entry[2] += 1

    def flush(self) -> None:
        if not self.buffer:
            return
        rows = ((self.cost_import.pk, *key, *values) for key, values in self.buffer.items())
        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY budgets_coststage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            stages = []
            for row in rows:
                fields = dict(zip(_STAGE_COLUMNS, row, strict=True))
                fields["tags"] = json.loads(fields["tags"])  # the JSONField encodes it again
                stages.append(CostStage(**fields))
            CostStage.objects.bulk_create(stages, batch_size=2000)
        self.buffer.clear()


class _BitOr:
    """BIT_OR for SQLite (the embedded development database)."""

    def __init__(self) -> None:
        self.value = 0

    def step(self, value: int | None) -> None:
        self.value |= value or 0

    def finalize(self) -> int:
        return self.value


@transaction.atomic
def _fold(cost_import: CostImport, periods: list[tuple[str, Any]], counts: dict[str, Any]) -> int:
    """Replace the file's billing periods by its staged rows, atomically, under period locks."""
    BillingPeriod.objects.bulk_create(
        [BillingPeriod(billing_account_id=a, period_start=p) for a, p in periods], ignore_conflicts=True
    )
    match = Q()
    for account, start in periods:
        match |= Q(billing_account_id=account, period_start=start)
    locked = list(
        BillingPeriod.objects.select_for_update().filter(match).order_by("billing_account_id", "period_start")
    )
    cost_match = Q()
    for account, start in periods:
        cost_match |= Q(billing_account_id=account, billing_period_start=start)
    replaced = CostDaily.objects.filter(cost_match).delete()[0]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_aggregate("bit_or", 1, _BitOr)
    with connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL, [cost_import.pk, cost_import.pk])
        stored = cursor.rowcount
    CostStage.objects.filter(cost_import=cost_import).delete()
    for period in locked:
        period.last_import = cost_import
        period.imports += 1
        period.save(update_fields=["last_import", "imports", "updated_at"])
    changed = CostImport.objects.filter(pk=cost_import.pk, status=CostImport.Status.RUNNING).update(
        status=CostImport.Status.DONE,
        finished_at=timezone.now(),
        bytes_read=cost_import.bytes_total,
        rows_read=counts["rows_read"],
        rows_rejected=counts["rows_rejected"],
        rejects=counts["rejects"],
        rows_stored=stored,
        periods=[{"billing_account_id": a, "period_start": p.isoformat()} for a, p in periods],
    )
    if changed != 1:
        raise ImportFileError("the import was changed concurrently")
    audit_record(
        actor=None,
        action="budgets.import_done",
        obj=cost_import,
        after={"rows_read": counts["rows_read"], "rows_stored": stored, "replaced": replaced},
    )
    return stored


def _queue_scan(periods: list[tuple[str, Any]]) -> None:
    """After an import: scan the projects whose costs it touched (forecast alerts, anomalies)."""
    from budgets.tasks import scan_projects

    match = Q()
    for account, start in periods:
        match |= Q(billing_account_id=account, billing_period_start=start)
    project_ids = sorted(
        {p for p in CostDaily.objects.filter(match).values_list("project_id", flat=True).distinct() if p}
    )
    since = min(start for _, start in periods).isoformat()
    if project_ids:
        transaction.on_commit(lambda: scan_projects.delay(project_ids=project_ids, since=since))


@transaction.atomic
def allocation_reapply() -> int:
    """Re-allocate every imported cost row after the rules changed; returns rows moved."""
    allocator = Allocator.current()

    moved = 0
    pairs = CostDaily.objects.values_list("sub_account_id", "tags", "project_id").distinct()
    for sub_account, tags, project_id in pairs:
        target = allocator.project_for(
            sub_account, json.dumps(tags or {}, sort_keys=True, ensure_ascii=False)
        )
        if target != project_id:
            moved += CostDaily.objects.filter(
                sub_account_id=sub_account, tags=tags, project_id=project_id
            ).update(project_id=target)
    return moved
