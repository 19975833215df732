"""Reads of the budgets domain. Aggregation happens in SQL; amounts stay Decimal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import TruncMonth

from budgets import forecasting
from budgets.currency import Rates, Unconverted, unconverted_warning
from budgets.errors import AREA
from budgets.forecasting import Forecast
from budgets.models import (
    Anomaly,
    BudgetRequest,
    ChargeCategory,
    CostDaily,
    CostImport,
    PlanMonth,
    PlanVersion,
    Project,
)
from budgets.money import add_months, month_start
from portal.errors import FieldError
from portal.replica import PRIMARY, reporting_db

ZERO = Decimal(0)
# Reads of reports (the portfolio and project dashboards, their API) take the database from
# ``portal.replica.reporting_db()``: the replica when one is configured and fresh enough for the
# session. The helpers below take ``using`` (the primary by default): anomaly scanning and the
# services read them before they write, and those reads stay on the primary.

# Daily usage: what the run rate and daily anomaly detection read. Everything else — tax, credits,
# refunds, fees, commitments, and recurring or one-time charges — is month-level.
DAILY_USAGE = Q(charge_category="usage", charge_frequency="usage-based")


def projects_visible_to(user) -> QuerySet[Project]:
    """Finance staff (``budgets.view_project``) see every project; others the ones they belong to."""
    projects = Project.objects.all()
    if user.has_perm("budgets.view_project"):
        return projects
    return projects.filter(memberships__user=user).distinct()


def current_plan_versions(project_ids: Iterable[int], *, using: str = PRIMARY) -> dict[int, PlanVersion]:
    latest = PlanVersion.objects.filter(project=OuterRef("project")).order_by("-number").values("pk")[:1]
    versions = PlanVersion.objects.using(using).filter(project_id__in=list(project_ids), pk=Subquery(latest))
    return {v.project_id: v for v in versions}


def plan_months(version_ids: Iterable[int], *, using: str = PRIMARY) -> dict[int, dict[date, Decimal]]:
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    months = PlanMonth.objects.using(using).filter(version_id__in=list(version_ids))
    for version_id, month, amount in months.values_list("version_id", "month", "amount"):
        out[version_id][month] = amount
    return out


def _costs(project_ids: list[int]) -> QuerySet[CostDaily]:
    """Cost rows of the projects, in each project's currency."""
    return CostDaily.objects.filter(project_id__in=project_ids, currency=F("project__currency"))


def _currencies(project_ids: list[int], using: str) -> dict[int, str]:
    return dict(Project.objects.using(using).filter(pk__in=project_ids).values_list("pk", "currency"))


def last_cost_days(project_ids: list[int], *, using: str = PRIMARY) -> dict[int, date]:
    """The last day with cost of each project, in any currency (an index lookup per project)."""
    last = CostDaily.objects.filter(project=OuterRef("pk")).order_by("-charge_date")
    rows = (
        Project.objects.using(using)
        .filter(pk__in=project_ids)
        .annotate(last=Subquery(last.values("charge_date")[:1]))
        .values_list("pk", "last")
    )
    return {pk: day for pk, day in rows if day is not None}


def _fold_currencies(
    rows,
    currencies: dict[int, str],
    rates: Rates | None,
    since: dict[int, date] | None = None,
    *,
    count: bool = False,
):
    """(project, currency, period, total) rows → {project: {period: total in the project's currency}};
    ``count``: the amounts without a rate are what the notes say is left out (see ``Rates.convert``)."""
    out: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for project_id, currency, period, total in rows:
        period = period.date() if hasattr(period, "date") and callable(period.date) else period
        start = (since or {}).get(project_id)
        if start is not None and period < start:
            continue
        target = currencies[project_id]
        if currency != target:
            if rates is None:
                continue
            total = rates.convert(total, currency, target, period, owner=project_id, count=count)
            if total is None:
                continue
        out[project_id][period] = out[project_id].get(period, ZERO) + total
    return out


def monthly_actuals(
    project_ids: list[int], since: dict[int, date], rates: Rates | None = None, *, using: str = PRIMARY
) -> dict[int, dict[date, Decimal]]:
    """Every cost per project and month, converted to the project's currency (see budgets.currency)."""
    rows = (
        CostDaily.objects.using(using)
        .filter(project_id__in=project_ids)
        .annotate(month=TruncMonth("charge_date"))
        .values_list("project_id", "currency", "month")
        .annotate(total=Sum("cost"))
        .order_by()
    )
    return _fold_currencies(rows, _currencies(project_ids, using), rates, since, count=True)


def daily_totals(
    project_ids: list[int],
    since: date,
    until: date | None = None,
    rates: Rates | None = None,
    *,
    using: str = PRIMARY,
) -> dict[int, dict[date, Decimal]]:
    """Daily usage (month-level charges apart) per project, in each project's currency."""
    rows = CostDaily.objects.using(using).filter(
        DAILY_USAGE, project_id__in=project_ids, charge_date__gte=since
    )
    if until is not None:
        rows = rows.filter(charge_date__lte=until)
    grouped = rows.values_list("project_id", "currency", "charge_date").annotate(total=Sum("cost")).order_by()
    return _fold_currencies(grouped, _currencies(project_ids, using), rates)


def month_level_charges(
    project_ids: list[int], since: date, rates: Rates | None = None, *, using: str = PRIMARY
) -> dict[int, dict[date, Decimal]]:
    """Month-level charges (everything but daily usage) per project and month, from ``since``."""
    rows = (
        CostDaily.objects.using(using)
        .filter(project_id__in=project_ids, charge_date__gte=since)
        .exclude(DAILY_USAGE)
        .annotate(month=TruncMonth("charge_date"))
        .values_list("project_id", "currency", "month")
        .annotate(total=Sum("cost"))
        .order_by()
    )
    return _fold_currencies(rows, _currencies(project_ids, using), rates)


def project_forecasts(projects: Iterable[Project], *, using: str = PRIMARY) -> dict[int, Forecast]:
    """Forecasts of many projects with a handful of queries; costs in another currency are
    converted by the operators' monthly rates (``forecast.notes`` says which, or which are missing).
    The rates are read from the primary (a small table operators edit), the rest from ``using``."""
    projects = list(projects)
    ids = [p.pk for p in projects]
    currencies = set(
        CostDaily.objects.using(using)
        .filter(project_id__in=ids)
        .values_list("currency", flat=True)
        .distinct()
    )
    rates = (
        Rates.load(currencies | {p.currency for p in projects})
        if len(currencies) > 1 or any(c != p.currency for p in projects for c in currencies)
        else None
    )
    versions = current_plan_versions(ids, using=using)
    months = plan_months((v.pk for v in versions.values()), using=using)
    last_days = last_cost_days(ids, using=using)
    plans = {pid: months.get(v.pk, {}) for pid, v in versions.items()}
    starts = {pid: min(plan) for pid, plan in plans.items() if plan}
    monthly = monthly_actuals(ids, starts, rates, using=using)
    daily: dict[int, dict[date, Decimal]] = {}
    month_level: dict[int, dict[date, Decimal]] = {}
    if last_days:
        since = min(last_days.values()) - timedelta(days=forecasting.WINDOW)
        daily = daily_totals(ids, since, rates=rates, using=using)
        month_level = month_level_charges(ids, month_start(since - timedelta(days=92)), rates, using=using)
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
        out[pid].notes = rates.notes(project.currency, owner=pid) if rates else []
    return out


def project_forecast(project: Project) -> Forecast:
    """One project's forecast, for its dashboard and the API (a report: ``reporting_db()``, as the
    rest of the dashboard reads, so that its figures come from one database)."""
    return project_forecasts([project], using=reporting_db())[project.pk]


def risk_key(forecast: Forecast, name: str) -> tuple:
    """Portfolio order: overrun soonest first, then the most over plan, then within budget by name."""
    if forecast.exhausted_month is not None:
        return (0, forecast.exhausted_month, -(forecast.forecast_total - forecast.plan_total), name)
    if forecast.plan_total > 0:
        ratio = forecast.forecast_total / forecast.plan_total
        return (1, date.max, -ratio, name)
    return (2, date.max, ZERO, name)


def portfolio(projects: QuerySet[Project]) -> list[tuple[Project, Forecast, int]]:
    """Projects with their forecast and open anomaly count, sorted by risk (a report)."""
    db = reporting_db()
    projects = list(projects.using(db))
    forecasts = project_forecasts(projects, using=db)
    open_counts = dict(
        Anomaly.objects.using(db)
        .filter(project__in=projects, status=Anomaly.Status.OPEN)
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
        CostDaily.objects.using(reporting_db())
        .filter(project__isnull=True)
        .annotate(month=TruncMonth("charge_date"))
        .values("month", "currency", "sub_account_id")
        .annotate(total=Sum("cost"))
        .order_by("-month", "currency", "-total")
    )


def unallocated_total() -> dict[str, Decimal]:
    rows = (
        CostDaily.objects.using(reporting_db())
        .filter(project__isnull=True)
        .values("currency")
        .annotate(total=Sum("cost"))
    )
    return {r["currency"]: r["total"] for r in rows}


def plan_history(project: Project) -> list[PlanVersion]:
    return list(project.plan_versions.select_related("request", "created_by").prefetch_related("months"))


ANOMALY_STATUSES = ("all", "open", "answered", "suppressed")


def anomalies_list(
    project_ids: list[int], *, status: str = "all", types: list[str] | None = None
) -> QuerySet[Anomaly]:
    """Anomalies of the projects, suppressed ones included unless filtered out (``status``): a report."""
    rows = (
        Anomaly.objects.using(reporting_db())
        .filter(project_id__in=project_ids)
        .select_related("suppressed_by", "project")
    )
    if status != "all":
        rows = rows.filter(status=status)
    if types:
        rows = rows.filter(type__in=types)
    return rows


def reportable_anomalies(project_ids: list[int]) -> QuerySet[Anomaly]:
    """Anomalies that raise (open or answered): what notifications and counts use."""
    return Anomaly.objects.filter(project_id__in=project_ids).exclude(status=Anomaly.Status.SUPPRESSED)


def project_requests(project: Project) -> QuerySet[BudgetRequest]:
    return project.requests.select_related("requested_by", "decided_by").order_by("-created_at")


def pending_requests() -> QuerySet[BudgetRequest]:
    return (
        BudgetRequest.objects.using(reporting_db())
        .filter(status=BudgetRequest.Status.REQUESTED)
        .select_related("project")
    )


def recent_imports(limit: int = 20) -> list[CostImport]:
    return list(CostImport.objects.using(reporting_db())[:limit])


def _foreign_currencies(project: Project, using: str) -> set[str]:
    """Currencies other than the project's in which some of its costs are billed."""
    return set(
        CostDaily.objects.using(using)
        .filter(project_id=project.pk)
        .exclude(currency=project.currency)
        .values_list("currency", flat=True)
        .distinct()
        .order_by()
    )


def _left_out(entry: dict, currency: str, month: date, cost: Decimal, effective: Decimal = ZERO) -> None:
    """Add an amount without a rate to a table row's ``unconverted`` (per billing currency and month)."""
    month = month.date() if hasattr(month, "date") and callable(month.date) else month
    for item in entry["unconverted"]:
        if item.currency == currency and item.month == month:
            item.cost += cost
            item.effective_cost += effective
            return
    entry["unconverted"].append(Unconverted(currency, month, cost, effective))


def actuals(
    project: Project, *, granularity: str, start: date | None, end: date | None, rates: Rates | None = None
) -> list[dict]:
    """Actual cost per day or month in the project's currency; costs billed in another currency are
    converted by the month's rate (``rates``: pass one to read its notes). Without a rate they are
    not counted in ``cost`` but listed in the row's ``unconverted`` (currency, month, amount) — a
    period billed only in such a currency is a row too, never missing. A report."""
    db = reporting_db()
    rows = CostDaily.objects.using(db).filter(project_id=project.pk)
    if start:
        rows = rows.filter(charge_date__gte=start)
    if end:
        rows = rows.filter(charge_date__lte=end)
    if granularity == "month":
        grouped = rows.annotate(period=TruncMonth("charge_date"))
    else:
        grouped = rows.annotate(period=F("charge_date"))
    foreign = _foreign_currencies(project, db)
    if not foreign:
        rows = grouped.values("period").annotate(cost=Sum("cost")).order_by("period")
        return [{**row, "unconverted": [], "warning": None} for row in rows]
    rates = rates if rates is not None else Rates.load(foreign | {project.currency})
    totals: dict[date, dict] = {}
    for period, currency, cost in (
        grouped.values_list("period", "currency").annotate(cost=Sum("cost")).order_by()
    ):
        period = period.date() if hasattr(period, "date") and callable(period.date) else period
        entry = totals.setdefault(period, {"period": period, "cost": ZERO, "unconverted": []})
        converted = rates.convert(cost, currency, project.currency, period, owner=project.pk)
        if converted is None:
            _left_out(entry, currency, month_start(period), cost)
        else:
            entry["cost"] += converted
    for entry in totals.values():
        entry["unconverted"].sort(key=lambda u: (u.month, u.currency))
        entry["warning"] = unconverted_warning(entry["unconverted"], project.currency)
    return [totals[p] for p in sorted(totals)]


GROUP_BY = {"service": "service_name", "sub_account": "sub_account_id", "region": "region",
            "resource": "resource_id", "charge_category": "charge_category", "month": "month", "day": "charge_date"}  # fmt: skip
FILTERS = ("service", "sub_account", "region", "resource", "charge_category", "exclude_category", "tag", "from",
           "to", "month")  # fmt: skip


@dataclass(frozen=True)
class CostQuery:
    """Filters and a group-by for a project's costs (validated by ``cost_query``)."""

    group_by: str = "service"  # a GROUP_BY key or "tag:<key>"
    service: str = ""
    sub_account: str = ""
    region: str = ""
    resource: str = ""
    charge_category: str = ""  # one category or several, comma-separated
    exclude_category: str = ""  # categories left out, comma-separated (e.g. "tax,credit")
    tag: tuple[str, str] | None = None
    start: date | None = None
    end: date | None = None


def cost_query(params: Mapping[str, str], *, extra: Iterable[str] = ()) -> CostQuery:
    """A CostQuery from query parameters; an unknown parameter or a bad value is a FieldError (400)."""
    unknown = sorted(set(params) - set(FILTERS) - {"group_by", *extra})
    if unknown:
        raise FieldError(AREA, "filter", "unknown", f"unknown filter {unknown[0][:40]!r}; allowed: "
                         f"{', '.join((*FILTERS, 'group_by'))}")  # fmt: skip
    group_by = params.get("group_by") or "service"
    if group_by not in GROUP_BY and not (group_by.startswith("tag:") and len(group_by) > 4):
        raise FieldError(AREA, "group_by", "choice", f"must be one of {', '.join(GROUP_BY)} or tag:<key>")
    tag = None
    if params.get("tag"):
        key, sep, value = params["tag"].partition("=")
        if not sep or not key:
            raise FieldError(AREA, "tag", "invalid", "must be key=value")
        tag = (key, value)
    start, end = _day_param(params, "from"), _day_param(params, "to")
    if params.get("month"):
        try:
            month = date.fromisoformat(params["month"] + "-01")
        except ValueError:
            raise FieldError(AREA, "filter", "invalid", "month must be YYYY-MM") from None
        start, end = month, add_months(month, 1) - timedelta(days=1)
    if start and end and start > end:
        raise FieldError(AREA, "to", "range", f"{end} is before from ({start})")
    categories = {}
    for name in ("charge_category", "exclude_category"):
        values = [v.strip() for v in params.get(name, "").split(",") if v.strip()]
        bad = [v for v in values if v not in ChargeCategory.values]
        if bad:
            raise FieldError(AREA, "filter", "choice", f"{name}: {bad[0][:30]!r} is not a charge category; "
                             f"one or more of {', '.join(ChargeCategory.values)}, comma-separated")  # fmt: skip
        categories[name] = ",".join(values)
    return CostQuery(group_by, params.get("service", ""), params.get("sub_account", ""), params.get("region", ""),
                     params.get("resource", ""), categories["charge_category"], categories["exclude_category"],
                     tag, start, end)  # fmt: skip


def _day_param(params: Mapping[str, str], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(AREA, name, "invalid", "must be a date as YYYY-MM-DD") from None


def costs_grouped(
    project: Project, query: CostQuery, *, limit: int = 500, rates: Rates | None = None
) -> list[dict]:
    """The project's costs (billed and effective) filtered and grouped, largest first, in the project's
    currency: costs billed in another currency are converted by their month's rate; without one they
    are not counted in ``cost`` but listed in the row's ``unconverted`` (currency, month, amounts).
    A report."""
    db = reporting_db()
    rows = CostDaily.objects.using(db).filter(project_id=project.pk)
    if query.start:
        rows = rows.filter(charge_date__gte=query.start)
    if query.end:
        rows = rows.filter(charge_date__lte=query.end)
    for name, column in (("service", "service_name"), ("sub_account", "sub_account_id"), ("region", "region"),
                         ("resource", "resource_id")):  # fmt: skip
        value = getattr(query, name)
        if value:
            rows = rows.filter(**{column: value})
    if query.charge_category:
        rows = rows.filter(charge_category__in=query.charge_category.split(","))
    if query.exclude_category:
        rows = rows.exclude(charge_category__in=query.exclude_category.split(","))
    if query.tag:
        rows = rows.filter(tags__contains={query.tag[0]: query.tag[1]})
    if query.group_by.startswith("tag:"):
        rows = rows.annotate(key=KT(f"tags__{query.group_by[4:]}"))
    elif query.group_by == "month":
        rows = rows.annotate(key=TruncMonth("charge_date"))
    else:
        rows = rows.annotate(key=F(GROUP_BY[query.group_by]))
    foreign = _foreign_currencies(project, db)
    if not foreign:
        grouped = rows.values("key").annotate(cost=Sum("cost"), effective_cost=Sum("effective_cost"))
        order = ["key"] if query.group_by in ("month", "day") else ["-cost"]
        found = [
            (row["key"], row["cost"], row["effective_cost"], []) for row in grouped.order_by(*order)[:limit]
        ]
    else:
        rates = rates if rates is not None else Rates.load(foreign | {project.currency})
        totals: dict[object, dict] = {}
        # A month's rate: grouped by month already, the key is the month (a second DATE_TRUNC with its
        # own parameter would not match the GROUP BY's on PostgreSQL).
        by_month = query.group_by == "month"
        grouped = (rows if by_month else rows.annotate(rate_month=TruncMonth("charge_date"))).values_list(
            *(("key", "currency") if by_month else ("key", "currency", "rate_month"))
        )
        for found_row in grouped.annotate(cost=Sum("cost"), effective_cost=Sum("effective_cost")).order_by():
            if by_month:
                key, currency, cost, effective = found_row
                month = key
            else:
                key, currency, month, cost, effective = found_row
            rate = (
                Decimal(1)
                if currency == project.currency
                else rates.rate(currency, project.currency, month, owner=project.pk)
            )
            entry = totals.setdefault(key, {"cost": ZERO, "effective_cost": ZERO, "unconverted": []})
            if rate is None:
                _left_out(entry, currency, month, cost, effective)
                continue
            entry["cost"] += cost * rate
            entry["effective_cost"] += effective * rate
        found = [(key, e["cost"], e["effective_cost"], e["unconverted"]) for key, e in totals.items()]
        if query.group_by in ("month", "day"):
            found.sort(key=lambda row: (row[0] is None, row[0] or date.min))
        else:
            found.sort(key=lambda row: -row[1])
        found = found[:limit]
    out = []
    for key, cost, effective, unconverted in found:
        key = key.date() if hasattr(key, "date") and callable(key.date) else key
        unconverted = sorted(unconverted, key=lambda u: (u.month, u.currency))
        out.append(
            {"key": "" if key is None else str(key), "cost": cost, "effective_cost": effective,
             "unconverted": unconverted, "warning": unconverted_warning(unconverted, project.currency)}
        )  # fmt: skip
    return out


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


def tag_keys(project: Project, limit: int = 20) -> list[str]:
    """Tag keys seen on the project's recent costs (for the group-by choices)."""
    with connections[reporting_db()].cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT jsonb_object_keys(tags) FROM budgets_costdaily WHERE project_id = %s "
            "AND charge_date >= CURRENT_DATE - 400 LIMIT %s",
            [project.pk, limit],
        )
        return sorted(row[0] for row in cursor.fetchall())
