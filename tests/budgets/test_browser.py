"""The dashboards in a real headless Chromium against gunicorn: charts render offline, under the CSP."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from budgets import services
from budgets.scanning import projects_scan
from budgets.scenarios import ProjectSpec, ResourceSpec, Scenario, write_focus
from tests.budgets.conftest import make_project, run_import
from tests.support import make_user

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,  # transactional: run with the other process tests, at the end
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


def portfolio_data(tmp_path) -> None:
    pay = make_project("Payments API", budget="150000", months=12)
    resources = [ResourceSpec("i-web", "Amazon EC2", 300.0, 0.04), ResourceSpec("db-main", "Amazon RDS", 150.0, 0.02),
                 ResourceSpec("logs", "Amazon S3", 60.0, 0.08)]  # fmt: skip
    resources[0].factor_from.append((100, 1.6, 0.5))
    resources.append(
        ResourceSpec("perf-1", "Amazon EC2", 120.0, 0.02, first=110, tags={"env": "perf", "ttl": "2d"})
    )
    spec = ProjectSpec(
        "Payments API", "111111111111", resources, growth=0.001, spikes=[(80, "Amazon S3", 6.0)]
    )
    calm = make_project("Checkout", sub_accounts=("222222222222",), budget="400000", months=24)
    calm_spec = ProjectSpec(
        "Checkout", "222222222222", [ResourceSpec("i-co", "Amazon EC2", 200.0, 0.03)], 0.0
    )
    write_focus(tmp_path / "c.csv", Scenario(date(2025, 1, 1), 120, [spec, calm_spec], []).lines())
    assert run_import(tmp_path / "c.csv").status == "done"
    projects_scan(project_ids=[pay.pk, calm.pk], eval_days=90)
    services.extra_budget_request_start(project=pay, actor=None)


@pytest.mark.django_db(transaction=True)
def test_dashboards_in_headless_chromium(web, tmp_path, browser):
    portfolio_data(tmp_path)
    user = make_user("finance@example.com", password="correct-horse-battery")
    user.groups.add(Group.objects.get(name="budget_approver"))
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    # CSP violations are console errors; broken assets are failed requests (the browser's own
    # favicon probe is the only 404 allowed).
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None,
    )
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{web}/login/?next=/budgets/")
    page.fill("input[name=username]", "finance@example.com")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{web}/budgets/")
    rows = page.locator("#portfolio tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().startswith("Payments API")  # riskiest first
    page.screenshot(path=str(ARTIFACTS / "budgets-portfolio.png"), full_page=True)
    page.click("text=Payments API")
    chart = page.locator("svg.chart")
    chart.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 600 and box["height"] > 200
    assert page.locator("svg.chart .line-actual").count() == 1
    assert page.locator("svg.chart .line-plan").count() == 1
    assert page.locator("svg.chart .line-forecast").count() == 1
    assert page.locator("svg.chart .bar-actual").count() == 4  # January to April
    assert page.locator("svg.chart .marker-anomaly").count() == 3  # spike, step, perf environment
    # The stylesheet applied (served locally, allowed by the CSP): the plan line is green.
    stroke = page.eval_on_selector("svg.chart .line-plan", "e => getComputedStyle(e).stroke")
    assert stroke == "rgb(23, 121, 74)"
    assert "At this pace the budget is exhausted" in page.inner_text("#outlook")
    page.screenshot(path=str(ARTIFACTS / "budgets-project.png"), full_page=True)
    page.click("#requests button[value=approve]")
    page.wait_for_selector("text=Within budget through the period end.")
    assert page.locator("svg.chart .marker-approval").count() == 2
    page.screenshot(path=str(ARTIFACTS / "budgets-project-after-approval.png"), full_page=True)
    page.close()
    assert problems == []
    shutil.copy(ARTIFACTS / "budgets-project.png", tmp_path / "budgets-project.png")
