"""The operators' commands: budget_project, import_costs, budget_report --json."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from budgets.models import AllocationRule, BudgetRequest, CostDaily, Project
from budgets.scenarios import day_line, write_focus

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_budget_project_creates_then_updates():
    out = run("budget_project", "Pay", "--sub-accounts", "111,222", "--tag", "project=pay", "--budget",
              "60000000", "--currency", "JPY", "--start", "2025-01", "--months", "60")  # fmt: skip
    project = Project.objects.get(name="Pay")
    assert "created; budget approved: 60000000 JPY from 2025-01 for 60 months" in out.replace(".0000", "")
    assert sorted(project.accounts.values_list("sub_account_id", flat=True)) == ["111", "222"]
    rules = list(AllocationRule.objects.order_by("priority").values_list("tag_key", "sub_account_id"))
    assert rules == [("project", ""), ("", "111"), ("", "222")]
    assert project.plan_versions.get().total == Decimal("60000000")
    again = run("budget_project", "Pay", "--sub-accounts", "111,222", "--tag", "project=pay", "--budget",
                "60000000", "--currency", "JPY", "--start", "2025-01", "--months", "60")  # fmt: skip
    assert "updated; budget unchanged" in again
    assert project.plan_versions.count() == 1
    run("budget_project", "Pay", "--sub-accounts", "111", "--budget", "72000000", "--currency", "JPY",
        "--start", "2025-01", "--months", "60")  # fmt: skip
    assert list(project.plan_versions.values_list("number", "total")) == [
        (1, Decimal(60000000)),
        (2, Decimal(72000000)),
    ]
    assert project.requests.filter(status=BudgetRequest.Status.APPROVED).count() == 1
    assert list(project.accounts.values_list("sub_account_id", flat=True)) == ["111"]


@pytest.mark.parametrize(
    "args",
    [
        ["--budget", "abc"],
        ["--budget", "-1"],
        ["--currency", "yen!"],
        ["--start", "2025-13"],
        ["--months", "0"],
        ["--tag", "novalue"],
    ],
)
def test_budget_project_bad_input(args):
    base = {
        "--sub-accounts": "111",
        "--budget": "100",
        "--currency": "USD",
        "--start": "2025-01",
        "--months": "12",
    }
    argv = ["budget_project", "X"]
    for key, value in base.items():
        if key not in args:
            argv += [key, value]
    argv += args
    with pytest.raises(CommandError):
        run(*argv)
    assert Project.objects.count() == 0 and BudgetRequest.objects.count() == 0


def test_import_costs_prints_counts(tmp_path):
    path = tmp_path / "c.csv"
    write_focus(
        path, [day_line(date(2025, 1, 1), Decimal("1.25"), service="S", sub_account="1", resource="r")]
    )
    out = run("import_costs", str(path), "--format", "focus")
    assert out.splitlines()[:3] == ["rows read: 1", "rows stored: 1", "rows rejected: 0"]
    assert "billing periods replaced: 100000000001 2025-01" in out


def test_import_costs_failure_is_a_command_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="unknown cost file format"):
        run("import_costs", str(path))
    with pytest.raises(CommandError, match="is not a readable file"):
        run("import_costs", str(tmp_path / "missing.csv"))
    assert CostDaily.objects.count() == 0


def test_budget_report_json(tmp_path):
    run("budget_project", "Pay", "--sub-accounts", "111", "--budget", "12000", "--currency", "USD",
        "--start", "2025-01", "--months", "12")  # fmt: skip
    run("budget_project", "Idle", "--sub-accounts", "999", "--budget", "5000.50", "--currency", "USD",
        "--start", "2025-01", "--months", "12")  # fmt: skip
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(31)]
    write_focus(
        tmp_path / "c.csv",
        [day_line(d, Decimal("50.125"), service="S", sub_account="111", resource="r") for d in days],
    )
    run("import_costs", str(tmp_path / "c.csv"))
    data = json.loads(run("budget_report", "--json"))
    pay = data[1]
    assert pay["forecast_p10"] < pay["forecast_total"] < pay["forecast_p90"]  # the 80 % band
    for item in data:
        del item["forecast_p10"], item["forecast_p90"]
    assert data == [
        {
            "name": "Idle",
            "currency": "USD",
            "plan_total": 5000.5,
            "actual_to_date": 0,
            "forecast_total": 0,
            "exhausted_month": None,
            "anomalies": [],
        },
        {
            "name": "Pay",
            "currency": "USD",
            "plan_total": 12000,
            "actual_to_date": 1553.88,  # 31 × 50.125 = 1,553.875 → rounded to the cent (half up)
            "forecast_total": 18295.63,  # 365 days × 50.125 = 18,295.625 → rounded to cents
            "exhausted_month": "2025-08",
            "anomalies": [],
        },
    ]
    text = run("budget_report", "--json")
    assert '"actual_to_date": 1553.88' in text  # an exact decimal, never a float's 1553.8800000001
