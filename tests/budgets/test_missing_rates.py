"""A cost without a rate to the budget's currency is never dropped in silence: the API's actuals and
cost tables, the page's cost table and its CSV name the missing (currency, month) rates and carry
the amounts left out (issue 18, Deliver 6: "missing rate → a clear warning, never 'no data'")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from budgets.scenarios import day_line, write_focus
from budgets.selectors import project_forecast
from tests.budgets.conftest import make_project, run_import
from tests.budgets.test_api_and_pages import basic
from tests.support import make_user

pytestmark = pytest.mark.django_db

# January to April; a rate for January only: February and March use it (within two months), April has none.
DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(120)]
APRIL = "Not counted: 300.00 USD billed in 2025-04 — no USD→JPY rate for that month"


@pytest.fixture
def finance(db):
    user = make_user("fin@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    return user


@pytest.fixture
def jpy(tmp_path):
    """A JPY budget with USD costs of 10 a day (EC2), a rate for January only."""
    project = make_project(budget="12000000", currency="JPY", months=12)
    rows = [
        day_line(d, Decimal("10"), service="EC2", sub_account="111111111111", resource="i-1") for d in DAYS
    ]
    write_focus(tmp_path / "usd.csv", rows)
    assert run_import(tmp_path / "usd.csv").status == "done"
    rates = tmp_path / "rates.csv"
    rates.write_text("month,from,to,rate\n2025-01,USD,JPY,150\n")
    call_command("import_rates", str(rates))
    return project


def test_api_actuals_list_the_month_without_a_rate_and_its_amount(jpy, finance):
    api = basic(finance)
    months = api.get(f"/v1/budgets/projects/{jpy.public_id}/actuals").json()
    assert [(m["period"], m["cost"], m["unconverted"]) for m in months] == [
        ("2025-01-01", "46500", []),  # 310 × 150
        ("2025-02-01", "42000", []),  # 280 × 150 (January's rate, said so in the forecast's notes)
        ("2025-03-01", "46500", []),
        ("2025-04-01", "0", [{"currency": "USD", "month": "2025-04", "cost": "300.00"}]),
    ]
    assert [m["warning"] for m in months[:3]] == [None, None, None]
    assert months[3]["warning"].startswith(APRIL)
    day = api.get(f"/v1/budgets/projects/{jpy.public_id}/actuals?granularity=day&from=2025-04-30").json()
    assert day == [
        {
            "period": "2025-04-30",
            "cost": "0",
            "unconverted": [{"currency": "USD", "month": "2025-04", "cost": "10.00"}],
            "warning": day[0]["warning"],
        }
    ]
    assert "10.00 USD billed in 2025-04" in day[0]["warning"]


def test_api_cost_table_carries_the_unconverted_amounts_on_each_row(jpy, finance):
    api = basic(finance)
    [ec2] = api.get(f"/v1/budgets/projects/{jpy.public_id}/costs?group_by=service").json()
    assert (ec2["key"], ec2["cost"], ec2["effective_cost"]) == ("EC2", "135000", "135000")  # 900 USD × 150
    assert ec2["unconverted"] == [
        {"currency": "USD", "month": "2025-04", "cost": "300.00", "effective_cost": "300.00"}
    ]
    assert ec2["warning"].startswith(APRIL)
    april = api.get(f"/v1/budgets/projects/{jpy.public_id}/costs?group_by=month&month=2025-04").json()
    assert [(r["key"], r["cost"], r["unconverted"][0]["cost"]) for r in april] == [
        ("2025-04-01", "0", "300.00")
    ]


def test_forecast_notes_say_how_much_each_missing_month_leaves_out(jpy):
    notes = project_forecast(jpy).notes
    assert notes[0] == (
        "Costs billed in USD for 2025-04 (300.00 USD) have no USD→JPY rate: they are not counted. "
        "Import the month's rate (python manage.py import_rates, or the admin's exchange rates)."
    )
    assert "2025-02: 1 USD = 150 JPY (the rate of 2025-01: 2025-02 has none yet)" in notes


def test_the_page_and_its_csv_show_what_is_not_counted(client, jpy, finance):
    client.force_login(finance)
    url = f"/budgets/p/{jpy.public_id}/"
    page = client.get(url, {"group_by": "month", "from": "2025-01-01"}).content.decode()
    assert 'id="breakdown-unconverted"' in page and APRIL in page
    assert "Not counted (no rate)" in page and "300.00 USD (2025-04)" in page
    assert "No costs for these filters" not in page
    rows = client.get(
        url, {"group_by": "month", "from": "2025-01-01", "export": "breakdown"}
    ).content.decode()
    assert rows.splitlines() == [
        "key,billed_cost_JPY,effective_cost_JPY,not_counted_no_rate",
        "2025-01-01,46500,46500,",
        "2025-02-01,42000,42000,",
        "2025-03-01,46500,46500,",
        "2025-04-01,0,0,300.00 USD 2025-04",
    ]


def test_once_the_rate_is_imported_nothing_is_left_out(jpy, finance, tmp_path):
    rates = tmp_path / "april.csv"
    rates.write_text("month,from,to,rate\n2025-04,USD,JPY,140\n")
    call_command("import_rates", str(rates))
    months = basic(finance).get(f"/v1/budgets/projects/{jpy.public_id}/actuals").json()
    assert months[3] == {"period": "2025-04-01", "cost": "42000", "unconverted": [], "warning": None}
    assert not any("not counted" in n for n in project_forecast(jpy).notes)
