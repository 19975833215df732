"""Month-level charges (tax, credits, fees, commitments) stay out of daily detection and are forecast
apart; one burst does not move the run rate; the forecast has a P10–P90 band."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from budgets import forecasting
from budgets.models import Anomaly
from budgets.scanning import projects_scan
from budgets.scenarios import day_line, write_focus
from budgets.selectors import project_forecast
from tests.budgets.conftest import make_project, run_import

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(120)]  # Jan – Apr 2025


def usage(day: date, cost: str, resource: str = "i-1", service: str = "Amazon EC2"):
    return day_line(day, Decimal(cost), service=service, sub_account="111111111111", resource=resource)


def monthly(day: date, cost: str, charge: str, service: str, frequency: str = "Recurring"):
    return day_line(day, Decimal(cost), service=service, sub_account="111111111111", charge=charge,
                    frequency=frequency)  # fmt: skip


def test_month_level_charges_raise_no_spike_and_are_forecast_apart(tmp_path):
    project = make_project(budget="120000", months=12)
    rows = [usage(d, "100") for d in DAYS] + [usage(d, "50", "db-1", "Amazon RDS") for d in DAYS]
    for d in DAYS:
        if d.day == 1:
            rows += [
                monthly(d, "1500", "Tax", "Tax"),
                monthly(d, "2000", "Purchase", "Savings Plans"),
                monthly(d, "-300", "Credit", "Credits", "One-Time"),
            ]
    write_focus(tmp_path / "c.csv", rows)
    assert run_import(tmp_path / "c.csv").status == "done"
    projects_scan(project_ids=[project.pk], since=DAYS[0])
    assert not Anomaly.objects.exists()  # no service_spike on the 1st of every month
    f = project_forecast(project)
    assert f.trend.level == Decimal("150")  # the daily usage, not dragged down by the credits
    assert f.month_level == Decimal("3200")
    # May – December: 245 days at 150 a day plus 8 months of month-level charges.
    actual = 120 * 150 + 4 * 3200
    assert f.forecast_total == Decimal(actual + 245 * 150 + 8 * 3200)
    assert f.forecast_p10 < f.forecast_total < f.forecast_p90


def test_one_burst_does_not_move_the_run_rate():
    days = {date(2025, 1, 1) + timedelta(days=i): Decimal(40) for i in range(120)}
    calm = forecasting.fit_trend(days, date(2025, 4, 30))
    for burst_day in (date(2025, 4, 15), date(2025, 4, 30)):  # inside the window, and the last day
        burst = dict(days)
        burst[burst_day] = Decimal(280)  # + 240 for one day
        trend = forecasting.fit_trend(burst, date(2025, 4, 30))
        assert abs(trend.level - calm.level) < Decimal("2.1")  # 40 ± 5 %
        assert abs(trend.slope) < Decimal("0.05")


def test_a_step_that_lasts_does_move_the_run_rate():
    days = {date(2025, 1, 1) + timedelta(days=i): Decimal(40 if i < 100 else 80) for i in range(120)}
    trend = forecasting.fit_trend(days, date(2025, 4, 30))
    assert trend.level > Decimal(70)
