"""Budget requests, plan versions, and the forecast on hand-checked cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from budgets import forecasting, services
from budgets.models import BudgetRequest, PlanMonth, PlanVersion
from budgets.money import spread_evenly
from budgets.scenarios import day_line, write_focus
from budgets.selectors import project_forecast
from portal.errors import FieldError, PortalError
from tests.budgets.conftest import make_project, run_import
from tests.support import make_user

pytestmark = pytest.mark.django_db


def month_amounts(version: PlanVersion) -> dict[str, Decimal]:
    return {f"{m.month:%Y-%m}": m.amount for m in version.months.all()}


def test_spread_evenly_is_exact():
    assert spread_evenly(Decimal("1000000"), 60, "JPY") == [Decimal(16666)] * 59 + [Decimal(16706)]
    assert sum(spread_evenly(Decimal("100.00"), 3, "USD")) == Decimal("100.00")
    assert spread_evenly(Decimal("100.00"), 3, "USD")[-1] == Decimal("33.34")


def test_plan_versions_keep_history():
    project = make_project(budget="1200", months=12)
    v1 = project.plan_versions.get()
    assert (v1.number, v1.total) == (1, Decimal("1200"))
    assert month_amounts(v1)["2025-01"] == Decimal("100")
    approver = make_user(is_staff=True)
    from django.contrib.auth.models import Permission

    approver.user_permissions.add(Permission.objects.get(codename="approve_budgetrequest"))
    extra = services.budget_request_create(
        project=project, amount="300", currency="USD", start_month="2025-07", months=3,
        schedule=["100", "50", "150"], purpose="Launch campaign", kind="additional", actor=None,
    )  # fmt: skip
    assert project.plan_versions.count() == 1  # requested only: the plan does not change
    services.budget_request_decide(request=extra, approve=True, actor=approver, note="ok")
    v2 = project.plan_versions.get(number=2)
    assert v2.total == Decimal("1500")
    assert v2.request == extra
    assert v2.reason.startswith("Approved additional budget 300 USD: Launch campaign")
    assert (month_amounts(v2)["2025-07"], month_amounts(v2)["2025-08"], month_amounts(v2)["2025-09"]) == (
        Decimal("200"), Decimal("150"), Decimal("250"),
    )  # fmt: skip
    assert month_amounts(PlanVersion.objects.get(pk=v1.pk))["2025-07"] == Decimal("100")  # history intact
    rejected = services.budget_request_create(
        project=project,
        amount="50",
        currency="USD",
        start_month="2025-01",
        months=1,
        purpose="x",
        actor=None,
    )
    services.budget_request_decide(request=rejected, approve=False, actor=approver)
    assert project.plan_versions.count() == 2
    with pytest.raises(PortalError) as info:
        services.budget_request_decide(request=rejected, approve=True, actor=approver)
    assert info.value.code == "E3000000004"
    assert project.plan_versions.count() == 2


def test_only_approvers_decide():
    project = make_project(budget=None)
    request = services.budget_request_create(
        project=project, amount="10", currency="USD", start_month="2025-01", months=1, purpose="p"
    )
    with pytest.raises(PortalError) as info:
        services.budget_request_decide(request=request, approve=True, actor=make_user())
    assert info.value.code == "E3000000007"
    request.refresh_from_db()
    assert request.status == "requested" and PlanVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": "-5"}, "E3000030005"),
        ({"amount": "abc"}, "E3000030002"),
        ({"amount": 1.5}, "E3000030002"),
        ({"currency": "EUR"}, "E3000020008"),
        ({"start_month": "2025/01"}, "E3000040002"),
        ({"months": 0}, "E3000050005"),
        ({"schedule": ["1", "2"]}, "E3000060002"),
        ({"schedule": ["50", "40", "8"]}, "E3000060002"),
        ({"purpose": " "}, "E3000070001"),
        ({"amount": "10.001"}, "E3000030002"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(changes, code):
    project = make_project(budget=None)
    data = {
        "amount": "99",
        "currency": "USD",
        "start_month": "2025-01",
        "months": 3,
        "purpose": "p",
        **changes,
    }
    with pytest.raises(FieldError) as info:
        services.budget_request_create(project=project, **data)
    assert info.value.code == code
    assert BudgetRequest.objects.count() == 0


def test_forecast_run_rate_hand_checked(tmp_path):
    project = make_project(budget="120000", months=12)
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(59)]  # Jan 1 – Feb 28
    write_focus(
        tmp_path / "c.csv",
        [
            day_line(d, Decimal("500"), service="EC2", sub_account="111111111111", resource="i-1")
            for d in days
        ],
    )
    run_import(tmp_path / "c.csv")
    f = project_forecast(project)
    assert f.as_of == date(2025, 2, 28)
    assert (f.trend.level, f.trend.slope) == (Decimal(500), Decimal(0))
    assert f.actual_to_date == Decimal("29500")
    # 306 days from March 1 to December 31 at 500 a day.
    assert f.forecast_total == Decimal("182500")
    # Cumulative: Jan 15,500; Feb 29,500; … Jul 106,000; Aug 121,500 > 120,000.
    assert f.exhausted_month == date(2025, 8, 1)
    assert f.months_to_exhaustion == 6
    assert f.sentence == "At this pace the budget is exhausted in 6 months (month 2025-08)."
    assert f.plan_to_date == Decimal("20000")
    by_month = {p.month: p for p in f.months}
    assert by_month[date(2025, 2, 1)].cumulative_actual == Decimal("29500")
    assert by_month[date(2025, 3, 1)].forecast == Decimal("15500")
    assert by_month[date(2025, 7, 1)].cumulative_forecast == Decimal("106000")
    assert by_month[date(2025, 12, 1)].cumulative_plan == Decimal("120000")
    assert f.shortfall == Decimal("62500")


def test_forecast_trend_is_damped_hand_checked():
    days = {date(2025, 1, 1) + timedelta(days=i): Decimal(100 + 10 * i) for i in range(56)}
    trend = forecasting.fit_trend(days, date(2025, 2, 25))
    assert (trend.level, trend.slope) == (Decimal(650), Decimal(10))
    assert trend.day(1) == Decimal("659.80")  # 650 + 10 × 0.98
    assert trend.day(2) == Decimal("669.4040")  # 650 + 10 × (0.98 + 0.98²)
    assert trend.day(10_000) < Decimal("1140.01")  # the trend fades out: 650 + 10 × 49 at most


def test_within_budget_and_no_data():
    project = make_project(budget="1000", months=12)
    f = project_forecast(project)
    assert (f.status, f.exhausted_month, f.forecast_total, f.sentence) == (
        "no_data", None, Decimal(0), "No cost data yet.",
    )  # fmt: skip
    plan = {date(2025, m, 1): Decimal(100) for m in range(1, 13)}
    daily = {date(2025, 1, 1) + timedelta(days=i): Decimal(1) for i in range(31)}
    f = forecasting.forecast(
        currency="USD",
        plan=plan,
        monthly_actual={date(2025, 1, 1): Decimal(31)},
        daily=daily,
        as_of=date(2025, 1, 31),
    )
    assert f.forecast_total == Decimal(365)
    assert f.sentence == "Within budget through the period end."


def test_extra_budget_request_for_the_shortfall(tmp_path):
    project = make_project(budget="120000", months=12)
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(59)]
    write_focus(
        tmp_path / "c.csv",
        [
            day_line(d, Decimal("500"), service="EC2", sub_account="111111111111", resource="i-1")
            for d in days
        ],
    )
    run_import(tmp_path / "c.csv")
    request = services.extra_budget_request_start(project=project, actor=None)
    assert (request.kind, request.status, request.amount) == ("additional", "requested", Decimal("62500"))
    assert (request.start_month, request.months) == (date(2025, 2, 1), 11)
    services.budget_request_decide(request=request, approve=True, actor=None)
    f = project_forecast(project)
    assert (f.plan_total, f.exhausted_month, f.status) == (Decimal("182500"), None, "within_budget")
    # 62,500 over Feb–Dec: 5,681.81 a month (cents), the remainder in December.
    assert PlanMonth.objects.get(version__number=2, month=date(2025, 2, 1)).amount == Decimal("15681.81")
    assert PlanMonth.objects.get(version__number=2, month=date(2025, 12, 1)).amount == Decimal("15681.90")
    with pytest.raises(PortalError) as info:
        services.extra_budget_request_start(project=project, actor=None)
    assert info.value.code == "E3000000008"
