"""Budgets in one currency, costs in another; filters, group-by, CSV exports; unknown filters are 400."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from budgets.scenarios import day_line, write_focus
from budgets.selectors import project_forecast
from tests.budgets.conftest import make_project, run_import
from tests.support import make_user

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(59)]  # January and February


@pytest.fixture
def finance(db):
    from django.contrib.auth.models import Group

    user = make_user("fin@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    return user


def usd_costs(tmp_path, project_sub="111111111111"):
    rows = [day_line(d, Decimal("10"), service="EC2", sub_account=project_sub, resource="i-1",
                     tags={"team": "web"}) for d in DAYS]  # fmt: skip
    write_focus(tmp_path / "usd.csv", rows)
    assert run_import(tmp_path / "usd.csv").status == "done"


def test_jpy_budget_with_usd_costs_warns_until_rates_are_imported(tmp_path):
    project = make_project(budget="12000000", currency="JPY", months=12)
    usd_costs(tmp_path)
    f = project_forecast(project)
    assert f.sentence != "No cost data yet."
    assert f.actual_to_date == 0
    # Which months lack a rate, and how much each leaves out (in the billing currency).
    assert any("no USD→JPY rate" in n and "2025-01 (310.00 USD), 2025-02 (280.00 USD)" in n for n in f.notes)
    rates = tmp_path / "rates.csv"
    rates.write_text("month,from,to,rate\n2025-01,USD,JPY,150\n2025-02,USD,JPY,152.5\n")
    call_command("import_rates", str(rates))
    f = project_forecast(project)
    assert f.actual_to_date == Decimal("46500") + Decimal("42700")  # 310 × 150 + 280 × 152.5
    assert f.notes == ["2025-01: 1 USD = 150 JPY", "2025-02: 1 USD = 152.5 JPY"]


def test_bad_rates_file_changes_nothing(tmp_path):
    from budgets.models import ExchangeRate

    rates = tmp_path / "rates.csv"
    rates.write_text("month,from,to,rate\n2025-01,USD,JPY,150\n2025-02,USD,JPY,-1\n")
    with pytest.raises(Exception, match="line 3"):
        call_command("import_rates", str(rates))
    assert not ExchangeRate.objects.exists()


def test_filters_group_by_and_csv_on_the_page(client, tmp_path, finance):
    project = make_project(budget="120000", months=12)
    usd_costs(tmp_path)
    client.force_login(finance)
    url = f"/budgets/p/{project.public_id}/"
    page = client.get(
        url, {"group_by": "tag:team", "from": "2025-01-01", "to": "2025-01-31"}
    ).content.decode()
    assert "<td>web</td>" in page and "310.00" in page
    csv_text = client.get(
        url, {"group_by": "service", "month": "2025-02", "export": "breakdown"}
    ).content.decode()
    assert csv_text.splitlines() == [
        "key,billed_cost_USD,effective_cost_USD,not_counted_no_rate",
        "EC2,280.00,280.00,",
    ]
    assert client.get(url, {"colour": "red"}).status_code == 400
    assert client.get(url, {"group_by": "planet"}).status_code == 400
    assert client.get(url, {"status": "sleeping"}).status_code == 400
    months = client.get(url, {"export": "months"}).content.decode().splitlines()
    assert months[0].startswith("month,plan_USD,actual_USD")


def test_api_unknown_filters_are_400(tmp_path, finance):
    from tests.budgets.test_api_and_pages import basic

    project = make_project(budget="120000", months=12)
    usd_costs(tmp_path)
    api = basic(finance)
    response = api.get(f"/v1/budgets/projects/{project.public_id}/actuals?granularity=month&colour=red")
    assert response.status_code == 400
    assert "colour" in response.json()["errors"][0]["error_message"]
    assert api.get(f"/v1/budgets/projects/{project.public_id}/anomalies?status=suppressed").status_code == 200
    assert api.get(f"/v1/budgets/projects/{project.public_id}/anomalies?type=nope").status_code == 400
    costs = api.get(f"/v1/budgets/projects/{project.public_id}/costs?group_by=month&service=EC2").json()
    assert [(c["key"], c["cost"], c["effective_cost"]) for c in costs] == [
        ("2025-01-01", "310.00", "310.00"),
        ("2025-02-01", "280.00", "280.00"),
    ]
