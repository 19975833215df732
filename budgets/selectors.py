"""Reads of the budgets domain. Aggregation happens in SQL; amounts stay Decimal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from budgets import forecasting
from budgets.forecasting import Forecast
from budgets.models import Anomaly, BudgetRequest, CostDaily, CostImport, PlanMonth, PlanVersion, Project
from budgets.money import month_start

ZERO = Decimal(0)
# Daily usage: what the run rate and daily anomaly detection read. Everything else — tax, credits,
# refunds, fees, commitments, and recurring or one-time charges — is month-level.
DAILY_USAGE = Q(charge_category="usage", charge_frequency="usage-based")


def projects_visible_to(user) -> QuerySet[Project]:
    """Finance staff (``budgets.view_project``) see every project; others the ones they belong to."""
    projects = Project.objects.all()
    if user.has_perm("budgets.view_project"):
        return projects
    return projects.filter(memberships__user=user).distinct()


def current_plan_versions(project_ids: Iterable[int]) -> dict[int, PlanVersion]:
    latest = PlanVersion.objects.filter(project=OuterRef("project")).order_by("-number").values("pk")[:1]
    versions = PlanVersion.objects.filter(project_id__in=list(project_ids), pk=Subquery(latest))
    return {v.project_id: v for v in versions}


def plan_months(version_ids: Iterable[int]) -> dict[int, dict[date, Decimal]]:
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for version_id, month, amount in PlanMonth.objects.filter(version_id__in=list(version_ids)).values_list(
        "version_id", "month", "amount"
    ):
        out[version_id][month] = amount
    return out


def _costs(project_ids: list[int]) -> QuerySet[CostDaily]:
    """Cost rows of the projects, in each project's currency."""
    return CostDaily.objects.filter(project_id__in=project_ids, currency=F("project__currency"))


def _currencies(project_ids: list[int]) -> dict[int, str]:
    return dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "currency"))


def last_cost_days(project_ids: list[int]) -> dict[int, date]:
    """The last day with cost of each project (an index lookup per project)."""
    last = CostDaily.objects.filter(project=OuterRef("pk"), currency=OuterRef("currency")).order_by(
        "-charge_date"
    )
    rows = (
        Project.objects.filter(pk__in=project_ids)
        .annotate(last=Subquery(last.values("charge_date")[:1]))
        .values_list("pk", "last")
    )
    return {pk: day for pk, day in rows if day is not None}


def monthly_actuals(project_ids: list[int], since: dict[int, date]) -> dict[int, dict[date, Decimal]]:
    # Grouped by currency too and filtered here: cheaper than joining every cost row to its project.
    currencies = _currencies(project_ids)
    rows = (
        CostDaily.objects.filter(project_id__in=project_ids)
        .annotate(month=TruncMonth("charge_date"))
        .values_list("project_id", "currency", "month")
        .annotate(total=Sum("cost"))
        .order_by()
    )
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for project_id, currency, month, total in rows:
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        start = since.get(project_id)
        if currency == currencies[project_id] and (start is None or month >= start):
            out[project_id][month] = total
    return out


def daily_totals(
    project_ids: list[int], since: date, until: date | None = None
) -> dict[int, dict[date, Decimal]]:
    """Daily usage (month-level charges apart) per project, in each project's currency."""
    currencies = _currencies(project_ids)
    rows = CostDaily.objects.filter(DAILY_USAGE, project_id__in=project_ids, charge_date__gte=since)
    if until is not None:
        rows = rows.filter(charge_date__lte=until)
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for project_id, currency, day, total in (
        rows.values_list("project_id", "currency", "charge_date").annotate(total=Sum("cost")).order_by()
    ):
        if currency == currencies[project_id]:
            out[project_id][day] = total
    return out


def month_level_charges(project_ids: list[int], since: date) -> dict[int, dict[date, Decimal]]:
    """Month-level charges (everything but daily usage) per project and month, from ``since``."""
    currencies = _currencies(project_ids)
    rows = (
        CostDaily.objects.filter(project_id__in=project_ids, charge_date__gte=since)
        .exclude(DAILY_USAGE)
        .annotate(month=TruncMonth("charge_date"))
        .values_list("project_id", "currency", "month")
        .annotate(total=Sum("cost"))
        .order_by()
    )
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for project_id, currency, month, total in rows:
        month = month.date() if hasattr(month, "date") and callable(month.date) else month
        if currency == currencies[project_id]:
            out[project_id][month] = total
    return out


def project_forecasts(projects: Iterable[Project]) -> dict[int, Forecast]:
    """Forecasts of many projects with a handful of queries."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    versions = current_plan_versions(ids)
    months = plan_months(v.pk for v in versions.values())
    last_days = last_cost_days(ids)
    plans = {pid: months.get(v.pk, {}) for pid, v in versions.items()}
    starts = {pid: min(plan) for pid, plan in plans.items() if plan}
    monthly = monthly_actuals(ids, starts)
    daily: dict[int, dict[date, Decimal]] = {}
    month_level: dict[int, dict[date, Decimal]] = {}
    if last_days:
        since = min(last_days.values()) - timedelta(days=forecasting.WINDOW)
        daily = daily_totals(ids, since)
        month_level = month_level_charges(ids, month_start(since - timedelta(days=92)))
    out = {}
    for project in projects:
        pid = project.pk
        out[pid] = forecasting.forecast(
            currency=project.currency,
            plan=plans.get(pid, {}),
            monthly_actual=monthly.get(pid, {}),
            daily=daily.get(pid, {}),
            as_of=last_days.get(pid),
            month_level=month_level.get(pid, {}),
        )
    return out


def project_forecast(project: Project) -> Forecast:
    return project_forecasts([project])[project.pk]


def risk_key(forecast: Forecast, name: str) -> tuple:
    """Portfolio order: overrun soonest first, then the most over plan, then within budget by name."""
    if forecast.exhausted_month is not None:
        return (0, forecast.exhausted_month, -(forecast.forecast_total - forecast.plan_total), name)
    if forecast.plan_total > 0:
        ratio = forecast.forecast_total / forecast.plan_total
        return (1, date.max, -ratio, name)
    return (2, date.max, ZERO, name)


def portfolio(projects: QuerySet[Project]) -> list[tuple[Project, Forecast, int]]:
    """Projects with their forecast and open anomaly count, sorted by risk."""
    projects = list(projects)
    forecasts = project_forecasts(projects)
    open_counts = dict(
        Anomaly.objects.filter(project__in=projects, status=Anomaly.Status.OPEN)
        .values("project_id")
        .annotate(n=Sum(1))
        .values_list("project_id", "n")
    )
    rows = [(p, forecasts[p.pk], open_counts.get(p.pk, 0)) for p in projects]
    rows.sort(key=lambda row: risk_key(row[1], row[0].name))
    return rows


def unallocated_costs() -> list[dict]:
    """Costs that no rule allocates, per month, currency and sub-account: shown, never dropped."""
    return list(
        CostDaily.objects.filter(project__isnull=True)
        .annotate(month=TruncMonth("charge_date"))
        .values("month", "currency", "sub_account_id")
        .annotate(total=Sum("cost"))
        .order_by("-month", "currency", "-total")
    )


def unallocated_total() -> dict[str, Decimal]:
    rows = CostDaily.objects.filter(project__isnull=True).values("currency").annotate(total=Sum("cost"))
    return {r["currency"]: r["total"] for r in rows}


def plan_history(project: Project) -> list[PlanVersion]:
    return list(project.plan_versions.select_related("request", "created_by").prefetch_related("months"))


def reportable_anomalies(project_ids: list[int]) -> QuerySet[Anomaly]:
    return Anomaly.objects.filter(project_id__in=project_ids).exclude(status=Anomaly.Status.SUPPRESSED)


def project_requests(project: Project) -> QuerySet[BudgetRequest]:
    return project.requests.select_related("requested_by", "decided_by").order_by("-created_at")


def pending_requests() -> QuerySet[BudgetRequest]:
    return BudgetRequest.objects.filter(status=BudgetRequest.Status.REQUESTED).select_related("project")


def recent_imports(limit: int = 20) -> list[CostImport]:
    return list(CostImport.objects.all()[:limit])


def actuals(project: Project, *, granularity: str, start: date | None, end: date | None) -> list[dict]:
    rows = _costs([project.pk])
    if start:
        rows = rows.filter(charge_date__gte=start)
    if end:
        rows = rows.filter(charge_date__lte=end)
    if granularity == "month":
        grouped = rows.annotate(period=TruncMonth("charge_date"))
    else:
        grouped = rows.annotate(period=F("charge_date"))
    return list(grouped.values("period").annotate(cost=Sum("cost")).order_by("period"))


def cost_breakdown(project: Project, *, since: date, dimension: str) -> list[dict]:
    field = {"service": "service_name", "sub_account": "sub_account_id", "region": "region"}.get(
        dimension, "resource_id"
    )
    return list(
        _costs([project.pk])
        .filter(charge_date__gte=since)
        .values(field)
        .annotate(cost=Sum("cost"))
        .order_by("-cost")[:10]
    )


def answered_causes(project_ids: list[int]) -> set[tuple[int, str, str]]:
    """(project, type, scope) of anomalies answered expected / planned / false alarm."""
    return set(
        Anomaly.objects.filter(
            project_id__in=project_ids,
            status=Anomaly.Status.ANSWERED,
            answer__in=list(Anomaly.SUPPRESSING_ANSWERS),
        ).values_list("project_id", "type", "scope")
    )
