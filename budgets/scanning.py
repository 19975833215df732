"""The scan (a service), run after each import and daily: budget alerts and anomaly detection."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from budgets import anomalies, notifications, selectors
from budgets.forecasting import Forecast
from budgets.models import Anomaly, BudgetAlert, PlanVersion, Project
from budgets.money import fmt, to_currency
from portal.services import audit_record

logger = logging.getLogger(__name__)

EVAL_DAYS = 7  # days re-evaluated by every scan (late data and corrections included)
MAX_EVAL_DAYS = 400  # the most days one scan evaluates (an import of a long history)
CHUNK = 100  # projects whose rows are loaded together
DEFAULT_ACTUAL_PERCENTS = (50, 80, 100)
_COST_PLACES = Decimal("1e-12")
SAME_CAUSE_DAYS = 3  # a finding this close to a known one of the same type and scope is the same


def projects_scan(
    *, project_ids: list[int] | None, eval_days: int = EVAL_DAYS, since: date | None = None
) -> int:
    """Scan the projects (None: all); returns how many new anomalies were recorded.

    The detectors run for the last ``eval_days`` days of data, or for every day from ``since``
    (after an import: its billing periods; at most ``MAX_EVAL_DAYS``).
    """
    projects = Project.objects.order_by("pk")
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    projects = list(projects)
    created = 0
    for offset in range(0, len(projects), CHUNK):
        chunk = projects[offset : offset + CHUNK]
        forecasts = selectors.project_forecasts(chunk)
        versions = selectors.current_plan_versions(p.pk for p in chunk)
        plans = selectors.plan_months(v.pk for v in versions.values())
        latest = max((f.as_of for f in forecasts.values() if f.as_of), default=None)
        extra = min(MAX_EVAL_DAYS, max(0, (latest - since).days)) if since and latest else 0
        resources = load_resources([p.pk for p in chunk], forecasts, extra_days=extra)
        for project in chunk:
            forecast = forecasts[project.pk]
            version = versions.get(project.pk)
            if version is not None:
                alerts_check(project=project, forecast=forecast, version=version)
            if forecast.as_of is None or project.pk not in resources:
                continue
            count = eval_days
            if since is not None:
                count = min(MAX_EVAL_DAYS, max(eval_days, (forecast.as_of - since).days + 1))
            days = [forecast.as_of - timedelta(days=i) for i in range(count - 1, -1, -1)]
            context = anomalies.Context(plan=plans.get(version.pk, {}) if version else {})
            findings = anomalies.detect(resources[project.pk], days, context)
            created += anomalies_record(project=project, findings=findings, evaluated_from=days[0])
        notifications.queue_digest([p.pk for p in chunk])
    return created


def load_resources(
    project_ids: list[int], forecasts: dict[int, Forecast], extra_days: int = 0
) -> dict[int, dict[str, anomalies.Resource]]:
    as_of = [f.as_of for pid, f in forecasts.items() if f.as_of is not None and pid in project_ids]
    if not as_of:
        return {}
    since = min(as_of) - timedelta(days=anomalies.LOOKBACK_DAYS + extra_days)
    columns = ("project_id", "charge_date", "service_name", "sub_account_id", "resource_id", "region", "tags",
               "cost", "hours_mask")  # fmt: skip
    # Raw rows, without the ORM's converters: this is the scan's largest read.
    placeholders = ", ".join(["%s"] * len(project_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join('c.' + c for c in columns)} FROM budgets_costdaily c "  # noqa: S608 (constants)
            "JOIN budgets_project p ON p.id = c.project_id AND p.currency = c.currency "
            f"WHERE c.project_id IN ({placeholders}) AND c.charge_date >= %s "
            # Daily usage only: month-level charges (tax, credits, fees, commitments) are no anomaly.
            "AND c.charge_category = 'usage' AND c.charge_frequency = 'usage-based'",
            [*project_ids, since],
        )
        rows = cursor.fetchall()
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for project_id, *rest in rows:
        grouped[project_id].append(tuple(rest))
    return {pid: anomalies.resources_from_rows(items) for pid, items in grouped.items()}


FEEDBACK_DAYS = 90  # an answer silences the same cause for this long (from the answered anomaly's start)
FEEDBACK_SIZE = 1.5  # … and only up to this multiple of the answered excess (a larger cause raises again)


def suppressed_by(finding: anomalies.Finding, answered: list[Anomaly]) -> Anomaly | None:
    """The answered anomaly ("expected", "planned", "false alarm") that covers this finding: same
    type and scope, started at most ``FEEDBACK_DAYS`` before it, and not smaller than it by more
    than ``FEEDBACK_SIZE`` (excess over the usual cost, and actual cost). None: it raises."""
    excess = finding.actual - finding.expected
    for anomaly in answered:
        if anomaly.type != finding.type or anomaly.scope != finding.scope:
            continue
        if not 0 <= (finding.start - anomaly.start_date).days <= FEEDBACK_DAYS:
            continue
        limit = Decimal(str(FEEDBACK_SIZE))
        if (
            excess > max(anomaly.actual - anomaly.expected, Decimal(0)) * limit
            or finding.actual > anomaly.actual * limit
        ):
            continue
        return anomaly
    return None


@transaction.atomic
def anomalies_record(*, project: Project, findings: list[anomalies.Finding], evaluated_from: date) -> int:
    """Store new findings, one anomaly per cause; suppressed (stored, visible, not notified) when an
    answer covers them; withdraw open ones whose evidence vanished (a corrected re-import)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    known = list(Anomaly.objects.filter(project=project, start_date__gte=evaluated_from - timedelta(days=90)))
    answered = list(
        Anomaly.objects.filter(
            project=project,
            status=Anomaly.Status.ANSWERED,
            answer__in=list(Anomaly.SUPPRESSING_ANSWERS),
            start_date__gte=evaluated_from - timedelta(days=FEEDBACK_DAYS + 400),
        ).order_by("-start_date")
    )
    findings = anomalies.consolidate(findings)

    def as_finding(anomaly: Anomaly) -> anomalies.Finding:
        return anomalies.Finding(
            type=anomaly.type, scope=anomaly.scope, start=anomaly.start_date, detected_on=anomaly.detected_on,
            resource_id=anomaly.resource_id, contributors=anomaly.contributors,
        )  # fmt: skip

    def same(anomaly: Anomaly, finding: anomalies.Finding) -> bool:
        return anomalies.same_cause(as_finding(anomaly), finding)

    created = 0
    for finding in findings:
        match = next((a for a in known if same(a, finding)), None)
        if match is not None:
            if (
                match.type != finding.type
                and anomalies.merge(as_finding(match), finding) is finding
                and match.status == Anomaly.Status.OPEN
            ):
                # One cause, one anomaly: the step reported on its second day was a spike.
                Anomaly.objects.filter(pk=match.pk, status=Anomaly.Status.OPEN).update(
                    type=finding.type, scope=finding.scope[:1200], explanation=finding.explanation[:2000],
                    expected=finding.expected.quantize(_COST_PLACES), actual=finding.actual.quantize(_COST_PLACES),
                    monthly_impact=finding.monthly_impact.quantize(_COST_PLACES),
                )  # fmt: skip
                match.type, match.scope = finding.type, finding.scope
            elif (
                finding.estimated_on is not None
                and match.type == finding.type
                and match.start_date != finding.start
                and match.status == Anomaly.Status.OPEN
            ):
                # An increase's start re-estimated from the days since its report (see _reported_on).
                Anomaly.objects.filter(pk=match.pk, status=Anomaly.Status.OPEN).update(
                    start_date=finding.start
                )
                match.start_date = finding.start
            continue
        cover = suppressed_by(finding, answered)
        status = Anomaly.Status.SUPPRESSED if cover else Anomaly.Status.OPEN
        anomaly = Anomaly.objects.create(
            project=project,
            type=finding.type,
            scope=finding.scope[:1200],
            start_date=finding.start,
            detected_on=finding.detected_on,
            service_name=finding.service[:300],
            resource_id=finding.resource_id[:1000],
            sub_account_id=finding.sub_account_id[:200],
            region=finding.region[:100],
            expected=finding.expected.quantize(_COST_PLACES),
            actual=finding.actual.quantize(_COST_PLACES),
            monthly_impact=finding.monthly_impact.quantize(_COST_PLACES),
            contributors=finding.contributors,
            explanation=finding.explanation[:2000],
            status=status,
            suppressed_by=cover,
        )
        known.append(anomaly)
        created += 1
    # Late corrections: an open, unanswered anomaly whose evidence is gone is withdrawn.
    for anomaly in known:
        if (
            anomaly.status == Anomaly.Status.OPEN
            and anomaly.detected_on >= evaluated_from
            and not any(same(anomaly, f) for f in findings)
        ):
            audit_record(
                actor=None,
                action="budgets.anomaly_withdrawn",
                obj=anomaly,
                before={"type": anomaly.type, "scope": anomaly.scope, "start": anomaly.start_date},
            )
            anomaly.delete()
    return created


def alerts_check(*, project: Project, forecast: Forecast, version: PlanVersion) -> list[BudgetAlert]:
    """Create (once per plan version) the alerts whose thresholds are crossed, and notify them."""
    wanted: list[tuple[str, int, str]] = []
    months = forecast.months_to_exhaustion
    if months is not None and months <= project.alert_overrun_months:
        wanted.append((BudgetAlert.Kind.FORECAST_OVERRUN, project.alert_overrun_months, forecast.sentence))
    if forecast.plan_total > 0 and forecast.forecast_total > forecast.plan_total:
        wanted.append(
            (
                BudgetAlert.Kind.FORECAST_OVER_PLAN,
                100,
                f"The forecast {to_currency(forecast.forecast_total, project.currency):,} {project.currency} "
                f"passes 100% of the approved {to_currency(forecast.plan_total, project.currency):,} "
                f"({forecast.forecast_total * 100 / forecast.plan_total:.0f}%).",
            )
        )
    if forecast.plan_total > 0:
        spent = forecast.actual_to_date * 100 / forecast.plan_total
        for percent in project.alert_actual_percents or DEFAULT_ACTUAL_PERCENTS:
            if spent >= percent:
                wanted.append(
                    (
                        BudgetAlert.Kind.ACTUAL_PERCENT,
                        int(percent),
                        f"Actual spend {fmt(forecast.actual_to_date, project.currency)} {project.currency} "
                        f"reached {percent}% of the approved {fmt(forecast.plan_total, project.currency)}.",
                    )
                )
    if not wanted:
        return []
    with transaction.atomic():
        existing = set(
            BudgetAlert.objects.filter(project=project, plan_version=version).values_list("kind", "threshold")
        )
        missing = [
            BudgetAlert(project=project, plan_version=version, kind=k, threshold=t, message=m[:500])
            for k, t, m in wanted
            if (k, t) not in existing
        ]
        if not missing:
            return []
        # A concurrent scan may insert the same alert: the unique constraint keeps one.
        BudgetAlert.objects.bulk_create(missing, ignore_conflicts=True)
        created = list(
            BudgetAlert.objects.filter(
                project=project, plan_version=version, notified_at__isnull=True
            ).filter(kind__in=[a.kind for a in missing], threshold__in=[a.threshold for a in missing])
        )
    return created  # notified with the project's digest after the scan
