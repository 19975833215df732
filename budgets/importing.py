"""Cost imports (a service): stream a cost file into daily aggregates, replacing its billing periods.

1. Rows are streamed from the file (``importers``), allocated to projects and
   pre-aggregated per day × project × service × sub-account × resource in a
   bounded buffer, which is flushed to a staging table (COPY on PostgreSQL)
   whenever it is full — memory does not grow with the file.
2. Every file of a run (several parts of one month, a directory, the files an
   AWS CUR 2.0 manifest lists) goes into the same staging; the run is checked
   (rejected rows beyond ``max_rejected``, several billing currencies in one
   period, negative usage) and only then, in one transaction, the billing
   periods found in its files are locked, their previous costs deleted and the
   staged rows folded in: a re-import replaces a period, never adds to it, and
   a failed run changes nothing.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from budgets.allocation import Allocator
from budgets.importers import IMPORTERS, ImportFileError, Rejected
from budgets.importers.base import Progress, Source, detect, read_rows, resolve_columns
from budgets.models import BillingPeriod, CostDaily, CostImport, CostStage
from portal.errors import FieldError, PortalError
from portal.ids import new_id
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)

BUFFER_KEYS = 25_000  # distinct aggregate keys held before a flush
PROGRESS_EVERY = 50_000  # rows between progress updates
MAX_REJECTS_KEPT = 200

DATA_SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet", ".snappy.parquet")

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
    "charge_category",
    "charge_frequency",
    "cost",
    "effective_cost",
    "hours_mask",
    "row_count",
)
_GROUP = (
    "billing_account_id, billing_period_start, charge_date, project_id, service_name, "
    "sub_account_id, resource_id, region, tags, currency, charge_category, charge_frequency"
)

# Only constants are formatted into this statement; the values are parameters.
_FOLD_SQL = (
    f"INSERT INTO budgets_costdaily ({_GROUP}, cost, effective_cost, hours_mask, row_count, cost_import_id) "  # noqa: S608
    f"SELECT {_GROUP}, SUM(cost), SUM(effective_cost), BIT_OR(hours_mask), SUM(row_count), %s "
    f"FROM budgets_coststage WHERE cost_import_id = %s GROUP BY {_GROUP}"
)


def resolve_paths(paths: list[str]) -> list[Path]:
    """The data files of a run: files as given, every data file of a directory, a manifest's files.

    A manifest is an AWS CUR 2.0 (Data Exports) ``*Manifest.json`` with ``dataFiles``, or a CUR 1
    manifest with ``reportKeys``; its S3 keys are looked up beside the manifest (the key's path
    relative to the export, or its file name).
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)
            )
            if not found:
                raise FieldError("30", "path", "required", f"{given} holds no .csv, .csv.gz or .parquet file")
            files += found
        elif path.is_file() and path.name.lower().endswith(".json"):
            files += _manifest_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise FieldError("30", "path", "not_found", f"{given} is not a readable file or directory")
    unique = list(dict.fromkeys(p.resolve() for p in files))
    if not unique:
        raise FieldError("30", "path", "required", "give at least one file")
    return unique


def _manifest_files(manifest: Path) -> list[Path]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FieldError("30", "path", "invalid", f"{manifest.name} is not a JSON manifest: {exc}") from None
    keys = data.get("dataFiles") or data.get("reportKeys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise FieldError("30", "path", "invalid", f"{manifest.name}: no dataFiles / reportKeys list")
    files = []
    for key in keys:
        parts = [p for p in key.removeprefix("s3://").split("/") if p]
        # The export's layout: data/… and metadata/… side by side under the export's folder.
        roots = [manifest.parent, *list(manifest.parents)[1:4]]
        candidates = [root.joinpath(*parts[i:]) for root in roots for i in range(1, len(parts))]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise FieldError(
                "30", "path", "not_found", f"{manifest.name} lists {key}, which is not beside the manifest"
            )
        files.append(found)
    return files


def cost_import_create(
    *,
    path: str | None = None,
    paths: list[str] | None = None,
    fmt: str = CostImport.Format.AUTO,
    original_name: str = "",
    max_rejected: int = 0,
    actor: User | None = None,
    queue: bool = True,
) -> CostImport:
    """Register a run (one file, several, a directory or a manifest); with ``queue`` the Celery task
    is sent once the row is committed."""
    if fmt not in CostImport.Format.values:
        raise FieldError("30", "format", "choice", "must be focus, aws-cur or auto")
    if not isinstance(max_rejected, int) or max_rejected < 0:
        raise FieldError("30", "max_rejected", "invalid", "must be a whole number ≥ 0")
    given = list(paths or []) + ([path] if path else [])
    files = resolve_paths(given)
    first = Path(given[0])
    name = original_name or (first.name if len(given) == 1 else f"{first.name} (+{len(given) - 1})")
    with transaction.atomic():
        cost_import = CostImport.objects.create(
            path=str(files[0]),
            paths=[str(f) for f in files],
            original_name=name[:255],
            format=fmt,
            max_rejected=max_rejected,
            bytes_total=sum(f.stat().st_size for f in files),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="budgets.import_created",
            obj=cost_import,
            after={"paths": [str(f) for f in files], "max_rejected": max_rejected},
        )
        if queue:
            from budgets.tasks import import_costs

            transaction.on_commit(lambda: import_costs.delay(import_id=cost_import.pk))
    return cost_import


def cost_import_upload(
    *, files: list[UploadedFile], fmt: str = CostImport.Format.AUTO, max_rejected: int = 0, actor: User | None
) -> CostImport:
    """A run from uploaded files — the budgets pages' import and the admin's "Cost imports → add":
    the files are stored together in one folder of the media storage, then registered and queued as
    ``import_costs`` does (all of them replace the billing periods they cover, in one transaction;
    a rejected row beyond ``max_rejected`` fails the run)."""
    if not files:
        raise FieldError("30", "files", "required", "choose one or more cost files")
    folder = f"budgets/imports/{new_id('f')}"
    names = [default_storage.save(f"{folder}/{Path(f.name or 'costs').name[:120]}", f) for f in files]
    try:
        return cost_import_create(
            paths=[default_storage.path(name) for name in names],
            fmt=fmt,
            original_name=", ".join(f.name or "costs" for f in files),
            max_rejected=max_rejected,
            actor=actor,
        )
    except PortalError:
        for name in names:
            default_storage.delete(name)
        raise


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
    """Run a queued import (safe to call twice: only a queued import starts).

    Nothing is replaced unless the whole run is acceptable: every file readable, at most
    ``max_rejected`` rejected rows, one billing currency per billing period, no negative usage.
    """
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
        _queue_scan(periods)
    cost_import.refresh_from_db()
    return cost_import


def _stream(cost_import: CostImport, progress: Progress, counts: dict[str, Any]) -> list:
    files = [Path(p) for p in (cost_import.paths or [cost_import.path])]
    stage = _Stage(cost_import, Allocator.current())
    rejects = counts["rejects"]
    formats = []
    done_bytes = 0
    for path in files:
        if not path.is_file():
            raise ImportFileError(f"{path} does not exist any more")
        prefix = f"{path.name}: " if len(files) > 1 else ""
        file_progress = Progress()
        try:
            with Source(path, file_progress) as source:
                importer = (
                    detect(list(IMPORTERS.values()), source.header)
                    if cost_import.format == CostImport.Format.AUTO
                    else IMPORTERS[cost_import.format]
                )
                columns = resolve_columns(importer, source.header)
                formats.append(f"{importer.name} ({source.kind})")
                CostImport.objects.filter(pk=cost_import.pk).update(
                    detected_format=", ".join(dict.fromkeys(formats))[:40]
                )
                for item in read_rows(importer, source, columns):
                    counts["rows_read"] += 1
                    if type(item) is Rejected:
                        counts["rows_rejected"] += 1
                        if len(rejects) < MAX_REJECTS_KEPT:
                            rejects.append(
                                {"line": item.line, "reason": prefix + item.reason, "file": path.name}
                            )
                    else:
                        stage.add(item)
                    if counts["rows_read"] % PROGRESS_EVERY == 0:
                        file_progress.update()
                        progress.bytes_read = done_bytes + file_progress.bytes_read
                        _report(cost_import, progress, counts)
        except ImportFileError as exc:
            raise ImportFileError(f"{prefix}{exc}") from exc
        done_bytes += file_progress.bytes_total
        progress.bytes_read = done_bytes
    stage.flush()
    if not counts["rows_read"]:
        raise ImportFileError(
            "the file has no data rows" if len(files) == 1 else "the files have no data rows"
        )
    if counts["rows_rejected"] > cost_import.max_rejected:
        every = counts["rows_rejected"] == counts["rows_read"]
        raise ImportFileError(
            (
                "every row was rejected"
                if every
                else f"{counts['rows_rejected']} of {counts['rows_read']} rows were rejected"
            )
            + f" (tolerated: {cost_import.max_rejected}, see the lines below); nothing was replaced"
            + (
                ""
                if every
                else " — fix the rows, or accept losing them with --max-rejected N "
                "(on the import page: rejected rows tolerated)"
            )
        )
    periods = sorted(stage.periods)
    if not periods:
        raise ImportFileError("every row was rejected; nothing was replaced")
    _check_staged(cost_import)
    _fold(cost_import, periods, counts)
    return periods


def _check_staged(cost_import: CostImport) -> None:
    """Refuse a run whose billing period mixes currencies or whose usage is negative."""
    staged = CostStage.objects.filter(cost_import=cost_import)
    mixed: dict[tuple[str, Any], set[str]] = {}
    for account, start, currency in (
        staged.values_list("billing_account_id", "billing_period_start", "currency").distinct().order_by()
    ):
        mixed.setdefault((account, start), set()).add(currency)
    problems = [
        f"billing period {a} {p:%Y-%m} mixes currencies {', '.join(sorted(c))} (one billing currency per period)"
        for (a, p), c in sorted(mixed.items())
        if len(c) > 1
    ]
    mixed_periods = {period for period, currencies in mixed.items() if len(currencies) > 1}
    # Per sub-account: one account's usage billed negative must not hide behind another's positive.
    usage = (
        staged.filter(charge_category="usage")
        .values_list("billing_account_id", "billing_period_start", "sub_account_id", "currency")
        .annotate(total=Sum("cost"))
        .order_by("billing_account_id", "billing_period_start", "sub_account_id")
    )
    problems += [
        f"billing period {a} {p:%Y-%m}: usage of sub-account {s or '(none)'} totals {total.normalize():f} {c}; "
        "negative usage is refused (credits and refunds must say so in their charge type)"
        for a, p, s, c, total in usage
        if total < 0 and (a, p) not in mixed_periods
    ]
    if problems:
        raise ImportFileError("; ".join(problems[:10]) + "; nothing was replaced")


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
            row.category,
            row.frequency,
        )
        bit = row.hours
        effective = row.cost if row.effective is None else row.effective
        entry = self.buffer.get(key)
        if entry is None:
            self.buffer[key] = [row.cost, effective, bit, 1]
            self.periods.add((row.billing_account, row.period_start))
            if len(self.buffer) >= BUFFER_KEYS:
                self.flush()
        else:
            entry[0] += row.cost
            entry[1] += effective
            entry[2] |= bit
            entry[3] += 1

    def flush(self) -> None:
        if not self.buffer:
            return
        rows = ((self.cost_import.pk, *key, *values) for key, values in self.buffer.items())
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY budgets_coststage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self.buffer.clear()


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
