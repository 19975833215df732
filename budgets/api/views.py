"""The budgets API under /v1/budgets/: projects, plan, actuals, forecast, anomalies, budget requests.

For the company's staff: a portal session, or HTTP Basic with a portal user's
e-mail and password. Finance staff (``budgets.view_project``) see every
project; other users the projects they are members of.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import errors, selectors, services
from budgets.api import serializers as s
from budgets.apikeys import ReadOnlyKeyAuthentication
from budgets.models import Anomaly, BudgetRequest, Project
from portal.errors import FieldError, PortalError


class StaffUser(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise PortalError(errors.SIGN_IN_REQUIRED, headers={"WWW-Authenticate": 'Basic realm="budgets"'})
        if not (user.has_perm("budgets.view_project") or user.budget_projects.exists()):
            raise PortalError(errors.NO_ACCESS)
        return True


class BudgetsView(APIView):
    error_area = errors.AREA
    authentication_classes = [ReadOnlyKeyAuthentication, SessionAuthentication, BasicAuthentication]
    permission_classes = [StaffUser]
    #: query parameters a GET understands; any other is a 400 (a filter silently ignored misleads)
    allowed_params: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "GET":
            unknown = sorted(set(request.query_params) - self.allowed_params)
            if unknown:
                raise FieldError(
                    errors.AREA,
                    "filter",
                    "unknown",
                    f"unknown query parameter {unknown[0][:40]!r}"
                    + (f"; allowed: {', '.join(sorted(self.allowed_params))}" if self.allowed_params else ""),
                )

    def project(self, project_id: str) -> Project:
        project = selectors.projects_visible_to(self.request.user).filter(public_id=project_id).first()
        if project is None:
            raise PortalError(errors.PROJECT_NOT_FOUND)
        return project


def _date_param(request, name: str) -> date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(errors.AREA, name, "invalid", "must be a date as YYYY-MM-DD") from None


class ProjectsView(BudgetsView):
    @extend_schema(
        tags=["budgets"], summary="Projects, riskiest first", responses=s.ProjectSerializer(many=True)
    )
    def get(self, request):
        rows = selectors.portfolio(selectors.projects_visible_to(request.user).prefetch_related("accounts"))
        data = [{"project": p, "forecast": f, "open_anomalies": n} for p, f, n in rows]
        return Response(s.ProjectSerializer(data, many=True).data)


class ProjectView(BudgetsView):
    @extend_schema(tags=["budgets"], summary="One project", responses=s.ProjectSerializer)
    def get(self, request, project_id: str):
        project = self.project(project_id)
        [(p, f, n)] = selectors.portfolio(Project.objects.filter(pk=project.pk))
        return Response(s.ProjectSerializer({"project": p, "forecast": f, "open_anomalies": n}).data)


class PlanView(BudgetsView):
    @extend_schema(
        tags=["budgets"], summary="Plan versions, newest first", responses=s.PlanVersionSerializer(many=True)
    )
    def get(self, request, project_id: str):
        versions = list(reversed(selectors.plan_history(self.project(project_id))))
        return Response(s.PlanVersionSerializer(versions, many=True).data)


class ActualsView(BudgetsView):
    allowed_params = frozenset({"granularity", "from", "to"})

    @extend_schema(
        tags=["budgets"],
        summary="Actual cost per day or month",
        parameters=[
            OpenApiParameter("granularity", OpenApiTypes.STR, enum=["day", "month"], default="month"),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses=s.ActualSerializer(many=True),
    )
    def get(self, request, project_id: str):
        project = self.project(project_id)
        granularity = request.query_params.get("granularity", "month")
        if granularity not in ("day", "month"):
            raise FieldError(errors.AREA, "granularity", "choice", "must be day or month")
        start, end = _date_param(request, "from"), _date_param(request, "to")
        if start and end and start > end:
            raise FieldError(errors.AREA, "to", "range", f"{end} is before from ({start})")
        rows = selectors.actuals(project, granularity=granularity, start=start, end=end)
        return Response(s.ActualSerializer(rows, many=True, context={"currency": project.currency}).data)


class ForecastView(BudgetsView):
    @extend_schema(
        tags=["budgets"],
        summary="Forecast of cumulative spend against the plan",
        responses=s.ForecastSerializer,
    )
    def get(self, request, project_id: str):
        return Response(s.ForecastSerializer(selectors.project_forecast(self.project(project_id))).data)


class AnomaliesView(BudgetsView):
    allowed_params = frozenset({"status", "type"})

    @extend_schema(
        tags=["budgets"],
        summary="Anomalies, newest first (suppressed ones included unless filtered)",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=list(selectors.ANOMALY_STATUSES), default="all"
            ),
            OpenApiParameter("type", OpenApiTypes.STR, enum=list(Anomaly.Type.values), many=True),
        ],
        responses=s.AnomalySerializer(many=True),
    )
    def get(self, request, project_id: str):
        status = request.query_params.get("status", "all")
        if status not in selectors.ANOMALY_STATUSES:
            raise FieldError(
                errors.AREA, "status", "choice", f"must be one of {', '.join(selectors.ANOMALY_STATUSES)}"
            )
        types = request.query_params.getlist("type")
        unknown = [t for t in types if t not in Anomaly.Type.values]
        if unknown:
            raise FieldError(errors.AREA, "filter", "choice", f"unknown anomaly type {unknown[0][:40]!r}")
        anomalies = selectors.anomalies_list([self.project(project_id).pk], status=status, types=types)
        return Response(s.AnomalySerializer(anomalies, many=True).data)


class AnomalyAnswerView(BudgetsView):
    @extend_schema(
        tags=["budgets"],
        summary="Answer an anomaly: expected / planned / fixed / false_alarm",
        request=s.AnswerSerializer,
        responses=s.AnomalySerializer,
    )
    def post(self, request, project_id: str, anomaly_id: str):
        project = self.project(project_id)
        anomaly = Anomaly.objects.filter(project=project, public_id=anomaly_id).first()
        if anomaly is None:
            raise PortalError(errors.ANOMALY_NOT_FOUND)
        body = s.AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        anomaly = services.anomaly_answer(anomaly=anomaly, actor=request.user, **body.validated_data)
        return Response(s.AnomalySerializer(anomaly).data)


class BudgetRequestsView(BudgetsView):
    @extend_schema(
        tags=["budgets"],
        summary="Budget requests of a project",
        responses=s.BudgetRequestSerializer(many=True),
    )
    def get(self, request, project_id: str):
        return Response(
            s.BudgetRequestSerializer(selectors.project_requests(self.project(project_id)), many=True).data
        )

    @extend_schema(
        tags=["budgets"],
        summary="Request (additional) budget",
        request=s.BudgetRequestCreateSerializer,
        responses={201: s.BudgetRequestSerializer},
    )
    def post(self, request, project_id: str):
        project = self.project(project_id)
        body = s.BudgetRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.budget_request_create(project=project, actor=request.user, **body.validated_data)
        return Response(s.BudgetRequestSerializer(created).data, status=201)


class BudgetRequestDecisionView(BudgetsView):
    @extend_schema(
        tags=["budgets"],
        summary="Approve or reject a budget request (budget approvers)",
        request=s.DecisionSerializer,
        responses=s.BudgetRequestSerializer,
    )
    def post(self, request, request_id: str):
        budget_request = BudgetRequest.objects.filter(
            public_id=request_id, project__in=selectors.projects_visible_to(request.user)
        ).first()
        if budget_request is None:
            raise PortalError(errors.REQUEST_NOT_FOUND)
        body = s.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = services.budget_request_decide(
            request=budget_request,
            approve=body.validated_data["decision"] == "approve",
            actor=request.user,
            note=body.validated_data["note"],
        )
        return Response(s.BudgetRequestSerializer(decided).data)


class CostsView(BudgetsView):
    allowed_params = frozenset({*selectors.FILTERS, "group_by"})

    @extend_schema(
        tags=["budgets"],
        summary="Costs filtered and grouped (billed and effective), largest first; unknown filters are a 400",
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description="service, sub_account, region, resource, "
                "charge_category, month, day or tag:<key>",
            ),
            *(OpenApiParameter(name, OpenApiTypes.STR) for name in selectors.FILTERS),
        ],
        responses=s.CostRowSerializer(many=True),
    )
    def get(self, request, project_id: str):
        project = self.project(project_id)
        query = selectors.cost_query(request.query_params.dict())
        rows = selectors.costs_grouped(project, query)
        return Response(s.CostRowSerializer(rows, many=True, context={"currency": project.currency}).data)
