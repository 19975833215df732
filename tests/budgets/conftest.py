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


def run_import(path: Path, fmt: str = "auto") -> CostImport:
    created = cost_import_create(path=str(path), fmt=fmt, queue=False)
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
