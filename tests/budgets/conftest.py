"""Fixtures of the budgets tests: generated cost files of our own, and the official FOCUS sample."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from budgets import services
from budgets.importing import cost_import_create, cost_import_run
from budgets.models import CostImport, Project
from budgets.scenarios import CostLine, day_line

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "focus" / "focus-1.0-sample.csv"


@pytest.fixture
def sample_path() -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"the official FOCUS sample is not available at {SAMPLE} (../shared is absent)")
    return SAMPLE


def make_project(
    name: str = "Payments API",
    *,
    sub_accounts: tuple[str, ...] = ("111111111111",),
    tags: tuple[tuple[str, str], ...] = (),
    budget: str | None = "120000",
    currency: str = "USD",
    start: str = "2025-01",
    months: int = 12,
) -> Project:
    project, _ = services.project_upsert(
        name=name, currency=currency, sub_accounts=list(sub_accounts), tags=list(tags)
    )
    if budget is not None:
        services.project_budget_set(
            project=project, amount=budget, currency=currency, start_month=start, months=months
        )
    return project


def run_import(path: Path | list[Path], fmt: str = "auto", max_rejected: int = 0) -> CostImport:
    paths = [str(p) for p in path] if isinstance(path, list) else [str(path)]
    created = cost_import_create(paths=paths, fmt=fmt, max_rejected=max_rejected, queue=False)
    return cost_import_run(import_id=created.pk)


def lines(
    days: list[date], cost: str, *, sub_account: str = "111111111111", resource: str = "i-1", **fields
) -> list[CostLine]:
    return [
        day_line(
            day, Decimal(cost), sub_account=sub_account, resource=resource, service="Amazon EC2", **fields
        )
        for day in days
    ]


def pytest_collection_modifyitems(session, config, items):
    """Run the budgets worker tests last: a transactional test flushes the database at its end, which
    drops the rows data migrations made (business categories) that other apps' tests expect."""
    mine = [
        i
        for i in items
        if "tests/budgets/" in str(i.path).replace("\\", "/") and i.get_closest_marker("worker")
    ]
    if mine:
        items[:] = [i for i in items if i not in mine] + mine


@pytest.fixture
def web(transactional_db, tmp_path):
    """gunicorn on the test database, with an access log file (the shared ``server`` fixture
    has none); yields its base URL."""
    from tests import processes

    proc, url = processes.start_server(tmp_path, WEB_ACCESS_LOG=str(tmp_path / "access.log"))
    try:
        yield url
    finally:
        proc.stop()
