"""Dashboards for finance staff and project members: the portfolio and one page per project."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from budgets import charts, selectors, services
from budgets.models import Anomaly, BudgetRequest, Project
from portal.errors import PortalError


def _project(request: HttpRequest, project_id: str) -> Project:
    project = selectors.projects_visible_to(request.user).filter(public_id=project_id).first()
    if project is None:
        raise Http404("no such project")
    return project


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
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
    forecast = selectors.project_forecast(project)
    anomalies = list(selectors.reportable_anomalies([project.pk]))
    requests = list(selectors.project_requests(project))
    markers = [
        charts.Marker(
            a.start_date, "anomaly", f"{a.get_type_display()} — {a.scope} ({a.start_date})", f"#{a.public_id}"
        )
        for a in anomalies
    ]
    for r in requests:
        if r.status == BudgetRequest.Status.APPROVED and r.decided_at:
            decided = r.decided_at.date()
            in_range = forecast.months and forecast.months[0].month <= decided <= forecast.months[-1].month
            day = decided if in_range else r.start_month  # decided outside the chart: where it takes effect
            markers.append(
                charts.Marker(day, "approval", f"Approved {r.amount:.0f} {r.currency}: {r.purpose[:80]}")
            )
    since = forecast.as_of.replace(day=1) if forecast.as_of else None
    return render(
        request,
        "budgets/project.html",
        {
            "project": project,
            "forecast": forecast,
            "chart": charts.project_chart(forecast, markers),
            "anomalies": anomalies,
            "requests": requests,
            "plan_history": list(reversed(selectors.plan_history(project))),
            "services": selectors.cost_breakdown(project, since=since, dimension="service") if since else [],
            "answers": Anomaly.Answer.choices,
            "can_approve": request.user.has_perm("budgets.approve_budgetrequest"),
        },
    )


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
