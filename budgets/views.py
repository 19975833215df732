"""Dashboards for finance staff and project members: the portfolio and one page per project."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from budgets import charts, importing, selectors, services
from budgets.currency import Unconverted, unconverted_warning
from budgets.forms import CostImportForm
from budgets.models import Anomaly, BudgetRequest, ChargeCategory, CostImport, Project
from budgets.money import to_currency
from portal.errors import PortalError

PAGE_PARAMS = ("status", "type", "export")
EXPORTS = ("breakdown", "anomalies", "months", "requests")
PORTFOLIO_EXPORTS = ("portfolio", "unallocated")
# Billed cost with or without the month-level charges (the "Charges" choice of the cost table).
CHARGE_VIEWS = (
    ("", "all charges"),
    ("tax", "without tax"),
    ("tax,credit,refund", "without tax and credits"),
    ("tax,credit,refund,fee,purchase,adjustment", "usage only"),
)
# Drill-down: a group's row → that group's costs by the next dimension.
DRILL = {"month": "service", "day": "service", "service": "resource", "sub_account": "service",
         "region": "service", "charge_category": "service"}  # fmt: skip


def _add_drill_downs(rows: list[dict], query: selectors.CostQuery, params: dict[str, str]) -> None:
    """Each row of the cost table links to its own costs by the next dimension (month → services →
    resources)."""
    target = DRILL.get(query.group_by)
    if target is None:
        return
    kept = {k: v for k, v in params.items() if k not in ("export", "status", "type", "group_by")}
    for row in rows:
        key = row["key"]
        here = dict(kept, group_by=target)
        if query.group_by == "month":
            here.pop("from", None), here.pop("to", None)
            here["month"] = key[:7]
        elif query.group_by == "day":
            here.pop("month", None)
            here["from"] = here["to"] = key
        else:
            here[query.group_by] = key
        if query.group_by in ("service", "sub_account", "region", "charge_category") and not key:
            continue  # an empty value is no filter
        row["drill"] = "?" + urlencode(here) + "#breakdown"
        row["drill_to"] = target


def _project(request: HttpRequest, project_id: str) -> Project:
    project = selectors.projects_visible_to(request.user).filter(public_id=project_id).first()
    if project is None:
        raise Http404("no such project")
    return project


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    unknown = sorted(set(request.GET) - {"export"})
    export = request.GET.get("export", "")
    if unknown or export not in ("", *PORTFOLIO_EXPORTS):
        return HttpResponseBadRequest(
            f"unknown parameter {unknown[0][:40]!r}"
            if unknown
            else f"export must be one of {', '.join(PORTFOLIO_EXPORTS)}",
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.portfolio(selectors.projects_visible_to(request.user))
    table = [
        {
            "project": p,
            "forecast": f,
            "open_anomalies": n,
            "spark": charts.spark([f.actual_to_date, f.forecast_total], f.plan_total),
        }
        for p, f, n in rows
    ]
    can_see_all = request.user.has_perm("budgets.view_project")
    if export:
        return _portfolio_csv(export, rows, selectors.unallocated_costs() if can_see_all else [])
    return render(
        request,
        "budgets/portfolio.html",
        {
            "rows": table,
            "unallocated": selectors.unallocated_costs()[:20] if can_see_all else [],
            "unallocated_total": selectors.unallocated_total() if can_see_all else {},
            "pending": selectors.pending_requests()
            if request.user.has_perm("budgets.approve_budgetrequest")
            else [],
            "imports": selectors.recent_imports(5) if can_see_all else [],
        },
    )


@login_required
def project_page(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    params = {k: v for k, v in request.GET.items() if v != ""}
    problems: list[str] = []
    try:
        query = selectors.cost_query({k: v for k, v in params.items() if k not in PAGE_PARAMS}, extra=())
    except PortalError as exc:
        problems.append(
            exc.message
            + (f"; and on this page: {', '.join(PAGE_PARAMS)}" if "unknown" in exc.message else "")
        )
        query = selectors.CostQuery()
        params = {k: v for k, v in params.items() if k in PAGE_PARAMS}  # (links keep no bad filter)
    status = params.get("status", "all")
    kind = params.get("type", "")
    if status not in selectors.ANOMALY_STATUSES:
        problems.append(f"status: one of {', '.join(selectors.ANOMALY_STATUSES)}")
        status = "all"
    if kind and kind not in Anomaly.Type.values:
        problems.append(f"type: one of {', '.join(Anomaly.Type.values)}")
        kind = ""
    if problems and params.get("export"):
        return HttpResponseBadRequest("; ".join(problems), content_type="text/plain; charset=utf-8")
    forecast = selectors.project_forecast(project)
    anomalies = list(selectors.anomalies_list([project.pk], status=status, types=[kind] if kind else None))
    requests = list(selectors.project_requests(project))
    if query.start is None and query.end is None and forecast.as_of:
        query = selectors.CostQuery(**{**query.__dict__, "start": forecast.as_of.replace(day=1)})
    breakdown = selectors.costs_grouped(project, query)
    _add_drill_downs(breakdown, query, params)
    left_out = _unconverted_total(breakdown)
    export = params.get("export")
    if export:
        if export not in EXPORTS:
            return HttpResponseBadRequest(
                f"export must be one of {', '.join(EXPORTS)}", content_type="text/plain"
            )
        return _csv(
            project, export, breakdown=breakdown, anomalies=anomalies, forecast=forecast, requests=requests
        )
    markers = [
        charts.Marker(
            a.start_date, "anomaly", f"{a.get_type_display()} — {a.scope} ({a.start_date})", f"#{a.public_id}"
        )
        for a in anomalies
        if a.status != Anomaly.Status.SUPPRESSED
    ]
    for r in requests:
        if r.status == BudgetRequest.Status.APPROVED and r.decided_at:
            decided = r.decided_at.date()
            in_range = forecast.months and forecast.months[0].month <= decided <= forecast.months[-1].month
            day = decided if in_range else r.start_month  # decided outside the chart: where it takes effect
            markers.append(
                charts.Marker(day, "approval", f"Approved {r.amount:.0f} {r.currency}: {r.purpose[:80]}")
            )
    return render(
        request,
        "budgets/project.html",
        {
            "problems": problems,
            "project": project,
            "forecast": forecast,
            "chart": charts.project_chart(forecast, markers),
            "anomalies": anomalies,
            "requests": requests,
            "plan_history": list(reversed(selectors.plan_history(project))),
            "breakdown": breakdown,
            "query": query,
            "params": params,
            "group_choices": [*selectors.GROUP_BY, *(f"tag:{k}" for k in selectors.tag_keys(project))],
            "status": status,
            "type": kind,
            "statuses": selectors.ANOMALY_STATUSES,
            "types": Anomaly.Type.choices,
            "answers": Anomaly.Answer.choices,
            "can_approve": request.user.has_perm("budgets.approve_budgetrequest"),
            "rates": forecast.notes,
            "charge_views": CHARGE_VIEWS,
            "categories": ChargeCategory.choices,
            "breakdown_left_out": left_out,
            "breakdown_warning": unconverted_warning(left_out, project.currency),
        },
        status=400 if problems else 200,
    )


def _unconverted_total(rows: list[dict]) -> list[Unconverted]:
    """The table's costs without a rate, per billing currency and month (all rows together)."""
    total: dict[tuple[str, object], Unconverted] = {}
    for row in rows:
        for item in row["unconverted"]:
            entry = total.setdefault((item.currency, item.month), Unconverted(item.currency, item.month))
            entry.cost += item.cost
            entry.effective_cost += item.effective_cost
    return [total[k] for k in sorted(total, key=lambda k: (k[1], k[0]))]


def _not_counted(items: list[Unconverted]) -> str:
    return "; ".join(f"{to_currency(u.cost, u.currency)} {u.currency} {u.month:%Y-%m}" for u in items)


def _portfolio_csv(table: str, rows: list, unallocated: list[dict]) -> HttpResponse:
    """The portfolio's tables as CSV (amounts rounded to each project's currency)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budgets-{table}.csv"'
    writer = _SafeWriter(csv.writer(response))
    if table == "portfolio":
        writer.writerow(["id", "project", "currency", "status", "plan_total", "actual_to_date", "forecast_total",
                         "forecast_p10", "forecast_p90", "exhausted_month", "open_anomalies", "outlook"])  # fmt: skip
        for project, f, open_anomalies in rows:
            cur = project.currency

            def money(value, cur=cur):
                return "" if value is None else format(to_currency(value, cur), "f")

            writer.writerow([project.public_id, project.name, cur, f.status, money(f.plan_total),
                             money(f.actual_to_date), money(f.forecast_total), money(f.forecast_p10),
                             money(f.forecast_p90), f"{f.exhausted_month:%Y-%m}" if f.exhausted_month else "",
                             open_anomalies, f.sentence])  # fmt: skip
    else:
        writer.writerow(["month", "sub_account_id", "currency", "cost"])
        for u in unallocated:
            writer.writerow([f"{u['month']:%Y-%m}", u["sub_account_id"], u["currency"],
                             format(to_currency(u["total"], u["currency"]), "f")])  # fmt: skip
    return response


def _csv(project: Project, table: str, **data) -> HttpResponse:
    """One table of the page as CSV (amounts rounded to the currency)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.public_id}-{table}.csv"'
    writer = csv.writer(response)
    cur = project.currency

    def money(value):
        return "" if value is None else format(to_currency(value, cur), "f")

    writer = _SafeWriter(writer)

    if table == "breakdown":
        writer.writerow(["key", f"billed_cost_{cur}", f"effective_cost_{cur}", "not_counted_no_rate"])
        for row in data["breakdown"]:
            writer.writerow(
                [
                    row["key"],
                    money(row["cost"]),
                    money(row["effective_cost"]),
                    _not_counted(row["unconverted"]),
                ]
            )
    elif table == "anomalies":
        writer.writerow(["id", "type", "status", "start", "detected_on", "service", "resource_id", "sub_account_id",
                         "region", f"expected_per_day_{cur}", f"actual_per_day_{cur}", f"monthly_impact_{cur}",
                         "answer", "suppressed_by"])  # fmt: skip
        for a in data["anomalies"]:
            writer.writerow([a.public_id, a.type, a.status, a.start_date, a.detected_on, a.service_name, a.resource_id,
                             a.sub_account_id, a.region, money(a.expected), money(a.actual), money(a.monthly_impact),
                             a.answer, a.suppressed_by.public_id if a.suppressed_by else ""])  # fmt: skip
    elif table == "months":
        writer.writerow(["month", f"plan_{cur}", f"actual_{cur}", f"forecast_{cur}", f"cumulative_plan_{cur}",
                         f"cumulative_actual_{cur}", f"cumulative_forecast_{cur}", "cumulative_p10", "cumulative_p90"])  # fmt: skip
        for m in data["forecast"].months:
            writer.writerow([f"{m.month:%Y-%m}", money(m.plan), money(m.actual), money(m.forecast),
                             money(m.cumulative_plan), money(m.cumulative_actual), money(m.cumulative_forecast),
                             money(m.cumulative_p10), money(m.cumulative_p90)])  # fmt: skip
    else:
        writer.writerow(["id", "kind", "status", "amount", "currency", "start_month", "months", "purpose",
                         "requested_by", "decided_by"])  # fmt: skip
        for r in data["requests"]:
            writer.writerow([r.public_id, r.kind, r.status, format(to_currency(r.amount, r.currency), "f"), r.currency, f"{r.start_month:%Y-%m}", r.months,
                             r.purpose, r.requested_by or "", r.decided_by or ""])  # fmt: skip
    return response


class _SafeWriter:
    """A csv writer that defuses spreadsheet formulas: cost files, tags and request texts come from
    outside, and a cell starting with = + - @ (not a number) would run as a formula in Excel."""

    def __init__(self, writer):
        self.writer = writer

    @staticmethod
    def cell(value):
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            try:
                float(value)
            except ValueError:
                return "'" + value
        return value

    def writerow(self, row):
        return self.writer.writerow([self.cell(v) for v in row])


def _act(request: HttpRequest, project: Project, action, done: str) -> HttpResponse:
    """Run one service for a POST, say how it went, and return to the project's page."""
    try:
        result = action()
        messages.success(request, done.format(result=result))
    except PortalError as exc:
        messages.error(request, exc.message)
    return redirect("budgets-project", project.public_id)


@login_required
@require_POST
def anomaly_answer(request: HttpRequest, project_id: str, anomaly_id: str) -> HttpResponse:
    project = _project(request, project_id)
    anomaly = Anomaly.objects.filter(project=project, public_id=anomaly_id).first()
    if anomaly is None:
        raise Http404("no such anomaly")
    return _act(
        request,
        project,
        lambda: services.anomaly_answer(
            anomaly=anomaly,
            answer=request.POST.get("answer", ""),
            note=request.POST.get("note", ""),
            actor=request.user,
        ),
        "Thank you: the answer is recorded.",
    )


@login_required
@require_POST
def extra_budget(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    return _act(
        request,
        project,
        lambda: services.extra_budget_request_start(project=project, actor=request.user),
        "Additional budget of {result.amount} {result.currency} requested; an approver decides.",
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, request_id: str) -> HttpResponse:
    budget_request = BudgetRequest.objects.filter(
        public_id=request_id, project__in=selectors.projects_visible_to(request.user)
    ).first()
    if budget_request is None:
        raise Http404("no such request")
    return _act(
        request,
        budget_request.project,
        lambda: services.budget_request_decide(
            request=budget_request,
            approve=request.POST.get("decision") == "approve",
            actor=request.user,
            note=request.POST.get("note", ""),
        ),
        "Request {result.public_id}: {result.status}.",
    )


@login_required
@permission_required("budgets.add_costimport", raise_exception=True)
def imports(request: HttpRequest) -> HttpResponse:
    """Finance users import cost files from the budgets pages (one run: several parts, a month)."""
    form = CostImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = importing.cost_import_upload(
                    files=form.cleaned_data["files"],
                    fmt=form.cleaned_data["format"],
                    max_rejected=form.cleaned_data["max_rejected"],
                    actor=request.user,
                )
            except PortalError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Import {created.public_id} queued: its progress is below.")
                return redirect("budgets-import", created.public_id)
        status = 400
    recent = selectors.recent_imports(30)
    return render(
        request,
        "budgets/imports.html",
        {
            "form": form,
            "imports": recent,
            "refresh": any(i.status in (CostImport.Status.QUEUED, CostImport.Status.RUNNING) for i in recent),
        },
        status=status,
    )


@login_required
@permission_required("budgets.view_costimport", raise_exception=True)
def import_detail(request: HttpRequest, import_id: str) -> HttpResponse:
    cost_import = CostImport.objects.filter(public_id=import_id).first()
    if cost_import is None:
        raise Http404("no such import")
    running = cost_import.status in (CostImport.Status.QUEUED, CostImport.Status.RUNNING)
    return render(request, "budgets/import.html", {"i": cost_import, "refresh": running})
