"""Writes of the budgets domain: projects, budget requests and plan versions, anomaly answers.

Cost imports live in ``budgets.importing`` and the scan (forecast alerts,
anomalies) in ``budgets.scanning``; both are services too.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from budgets import errors
from budgets.models import (
    AllocationRule,
    Anomaly,
    BudgetRequest,
    CloudAccount,
    PlanMonth,
    PlanVersion,
    Project,
    ProjectMember,
)
from budgets.money import add_months, fmt, month_start, plain, quantum, round_up, spread_evenly
from portal.errors import FieldError, PortalError
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)
AREA = errors.AREA
Actor = User | None

# Rules created by ``budget_project``: tag rules are tried before sub-account rules.
TAG_RULE_BAND = 1_000
ACCOUNT_RULE_BAND = 1_000_000


def _user(actor: Any) -> User | None:
    return None if actor is None or isinstance(actor, AnonymousUser) else actor


# --- Validation -------------------------------------------------------------------------


def clean_currency(value: Any) -> str:
    currency = str(value or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise FieldError(AREA, "currency", "invalid", "must be an ISO 4217 code such as JPY or USD")
    return currency


def clean_amount(value: Any, field: str = "amount") -> Decimal:
    if isinstance(value, float):
        raise FieldError(AREA, field, "invalid", "send the amount as a decimal string, not a float")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("_", ""))
    except (InvalidOperation, ValueError):
        raise FieldError(AREA, field, "invalid", "must be a decimal number") from None
    if not amount.is_finite() or amount <= 0:
        raise FieldError(AREA, field, "range", "must be greater than zero")
    if amount >= Decimal("1e15"):
        raise FieldError(AREA, field, "range", "is too large")
    return amount


def clean_month(value: Any, field: str = "start_month") -> date:
    if isinstance(value, date):
        return month_start(value)
    text = str(value or "").strip()
    try:
        year, month = text.split("-")[:2]
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return date(int(year), int(month), 1)
    except ValueError:
        raise FieldError(AREA, field, "invalid", "must be a month as YYYY-MM") from None


def clean_months(value: Any) -> int:
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        raise FieldError(AREA, "months", "invalid", "must be a whole number of months") from None
    if not 1 <= months <= 240:
        raise FieldError(AREA, "months", "range", "must be between 1 and 240")
    return months


def clean_schedule(value: Any, *, amount: Decimal, months: int, currency: str) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [part for part in value.replace("\n", ",").split(",") if part.strip()]
    if not isinstance(value, list) or len(value) != months:
        raise FieldError(AREA, "schedule", "invalid", f"must list {months} monthly amounts")
    parts = []
    for item in value:
        if isinstance(item, float):
            raise FieldError(AREA, "schedule", "invalid", "send amounts as decimal strings")
        try:
            part = Decimal(str(item).strip())
        except InvalidOperation:
            raise FieldError(AREA, "schedule", "invalid", f"{str(item)[:20]!r} is not a number") from None
        if not part.is_finite() or part < 0 or part != part.quantize(quantum(currency)):
            raise FieldError(AREA, "schedule", "invalid", f"{item} is not an amount in {currency}")
        parts.append(part)
    if sum(parts) != amount:
        raise FieldError(
            AREA, "schedule", "invalid", f"the monthly amounts add up to {sum(parts)}, not {amount}"
        )
    return [str(p) for p in parts]


# --- Projects ---------------------------------------------------------------------------


@transaction.atomic
def project_upsert(
    *,
    name: str,
    currency: str,
    sub_accounts: list[str],
    tags: list[tuple[str, str]],
    owners: list[User] | None = None,
    actor: Actor = None,
) -> tuple[Project, bool]:
    """Create or update a project with its cloud accounts and its allocation rules.

    The project's sub-account and tag rules become exactly the ones given; a
    sub-account that belongs to another project is a conflict.
    """
    name = (name or "").strip()
    if not name:
        raise FieldError(AREA, "name", "required")
    if len(name) > 200:
        raise FieldError(AREA, "name", "max_length")
    currency = clean_currency(currency)
    sub_accounts = sorted({s.strip() for s in sub_accounts if s.strip()})
    if not sub_accounts and not tags:
        raise FieldError(AREA, "sub_accounts", "required", "give at least one sub-account or tag")
    project, created = Project.objects.select_for_update().get_or_create(
        name=name, defaults={"currency": currency}
    )
    if not created and project.currency != currency:
        if project.requests.filter(status=BudgetRequest.Status.APPROVED).exists():
            raise FieldError(AREA, "currency", "conflict", f"the project's budget is in {project.currency}")
        project.currency = currency
        project.save(update_fields=["currency", "updated_at"])
    taken = CloudAccount.objects.filter(sub_account_id__in=sub_accounts).exclude(project=project)
    if taken.exists():
        raise FieldError(
            AREA, "sub_accounts", "conflict", f"{taken.first().sub_account_id} belongs to another project"
        )
    CloudAccount.objects.filter(project=project).exclude(sub_account_id__in=sub_accounts).delete()
    for sub in sub_accounts:
        CloudAccount.objects.get_or_create(project=project, sub_account_id=sub)
    _replace_rules(project, sub_accounts, tags)
    for owner in owners or []:
        ProjectMember.objects.update_or_create(
            project=project, user=owner, defaults={"role": ProjectMember.Role.OWNER}
        )
    audit_record(
        actor=actor,
        action="budgets.project_created" if created else "budgets.project_updated",
        obj=project,
        after={"name": name, "currency": currency, "sub_accounts": sub_accounts, "tags": tags},
    )
    return project, created


def _replace_rules(project: Project, sub_accounts: list[str], tags: list[tuple[str, str]]) -> None:
    wanted = [("", key, value) for key, value in tags] + [(sub, "", "") for sub in sub_accounts]
    existing = {(r.sub_account_id, r.tag_key, r.tag_value): r for r in project.rules.all()}
    for key, rule in existing.items():
        if key not in wanted:
            rule.delete()
    for sub, key, value in wanted:
        if (sub, key, value) in existing:
            continue
        band = TAG_RULE_BAND if key else ACCOUNT_RULE_BAND
        top = AllocationRule.objects.filter(priority__gte=band, priority__lt=band * 1000).aggregate(
            m=Max("priority")
        )["m"]
        AllocationRule.objects.create(
            project=project, priority=(top or band) + 10, sub_account_id=sub, tag_key=key, tag_value=value
        )


# --- Budget requests and the plan ---------------------------------------------------------------


@transaction.atomic
def budget_request_clean(
    *,
    project: Project,
    amount: Any,
    currency: Any,
    start_month: Any,
    months: Any,
    purpose: str,
    schedule: Any = None,
    kind: str = BudgetRequest.Kind.INITIAL,
) -> dict[str, Any]:
    """The request's fields, checked and normalised (a ``FieldError`` for the first wrong one):
    what ``budget_request_create`` stores, and what the admin's form checks before saving."""
    amount = clean_amount(amount)
    currency = clean_currency(currency)
    if currency != project.currency:
        raise FieldError(AREA, "currency", "conflict", f"the project is budgeted in {project.currency}")
    if amount != amount.quantize(quantum(currency)):
        raise FieldError(AREA, "amount", "invalid", f"has more decimals than {currency} allows")
    start = clean_month(start_month)
    months = clean_months(months)
    purpose = (purpose or "").strip()
    if not purpose:
        raise FieldError(AREA, "purpose", "required")
    if len(purpose) > 5000:
        raise FieldError(AREA, "purpose", "max_length")
    if kind not in BudgetRequest.Kind.values:
        raise FieldError(AREA, "kind", "choice")
    cleaned = clean_schedule(schedule, amount=amount, months=months, currency=currency)
    return {
        "project": project, "kind": kind, "amount": amount, "currency": currency, "start_month": start,
        "months": months, "schedule": cleaned, "purpose": purpose,
    }  # fmt: skip


def budget_request_create(
    *,
    project: Project,
    amount: Any,
    currency: Any,
    start_month: Any,
    months: Any,
    purpose: str,
    schedule: Any = None,
    kind: str = BudgetRequest.Kind.INITIAL,
    actor: Actor = None,
) -> BudgetRequest:
    fields = budget_request_clean(
        project=project, amount=amount, currency=currency, start_month=start_month, months=months,
        purpose=purpose, schedule=schedule, kind=kind,
    )  # fmt: skip
    request = BudgetRequest.objects.create(**fields, requested_by=_user(actor))
    audit_record(
        actor=_user(actor),
        action="budgets.request_created",
        obj=request,
        after={
            "project": project.name, "amount": fields["amount"], "start_month": fields["start_month"],
            "months": fields["months"],
        },
    )  # fmt: skip
    return request


def _can_approve(actor: Actor) -> bool:
    return actor is None or actor.has_perm("budgets.approve_budgetrequest")


@transaction.atomic
def budget_request_decide(
    *, request: BudgetRequest, approve: bool, actor: Actor, note: str = ""
) -> BudgetRequest:
    """Approve or reject a requested budget; approval makes a new plan version."""
    actor = _user(actor)
    if not _can_approve(actor):
        raise PortalError(errors.NOT_APPROVER)
    to = BudgetRequest.Status.APPROVED if approve else BudgetRequest.Status.REJECTED
    # Lock the project first, then the request: the order plan_rebuild uses too.
    Project.objects.select_for_update().get(pk=request.project_id)
    request = BudgetRequest.objects.select_for_update().get(pk=request.pk)
    if to not in BudgetRequest.TRANSITIONS[request.status]:
        raise PortalError(errors.INVALID_TRANSITION, f"The request is already {request.status}.")
    if actor is not None and request.requested_by_id == actor.pk:
        raise PortalError(errors.OWN_REQUEST)  # four eyes: never one's own request
    before = request.status
    request.status = to
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()[:5000]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=f"budgets.request_{to}",
        obj=request,
        before={"status": before},
        after={"status": to, "note": request.decision_note},
    )
    if approve:
        kind = "additional budget" if request.kind == BudgetRequest.Kind.ADDITIONAL else "budget"
        plan_rebuild(
            project=request.project,
            reason=f"Approved {kind} {plain(request.amount)} {request.currency}: {request.purpose}"[:500],
            request=request,
            actor=actor,
        )
    return request


def request_months(request: BudgetRequest) -> list[tuple[date, Decimal]]:
    if request.schedule:
        amounts = [Decimal(a) for a in request.schedule]
    else:
        amounts = spread_evenly(request.amount, request.months, request.currency)
    return [(add_months(request.start_month, i), amount) for i, amount in enumerate(amounts)]


@transaction.atomic
def plan_rebuild(
    *, project: Project, reason: str, request: BudgetRequest | None = None, actor: Actor = None
) -> PlanVersion:
    """A new plan version: the sum of the approved requests, month by month."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    months: dict[date, Decimal] = {}
    for approved in project.requests.filter(status=BudgetRequest.Status.APPROVED).order_by("pk"):
        for month, amount in request_months(approved):
            months[month] = months.get(month, Decimal(0)) + amount
    last = project.plan_versions.aggregate(m=Max("number"))["m"] or 0
    version = PlanVersion.objects.create(
        project=project,
        number=last + 1,
        reason=reason[:500],
        request=request,
        total=sum(months.values(), Decimal(0)),
        created_by=_user(actor),
    )
    PlanMonth.objects.bulk_create(
        PlanMonth(version=version, month=month, amount=amount) for month, amount in sorted(months.items())
    )
    audit_record(
        actor=_user(actor),
        action="budgets.plan_version_created",
        obj=version,
        after={"project": project.name, "number": version.number, "total": version.total, "reason": reason},
    )
    return version


@transaction.atomic
def project_budget_set(
    *, project: Project, amount: Any, currency: Any, start_month: Any, months: Any, actor: Actor = None
) -> tuple[BudgetRequest, bool]:
    """The operators' command: make the project's initial budget exactly this (approved).

    Unchanged: nothing happens. Changed: the previous initial budget is superseded
    by a new approved request, and the plan gets a new version.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    amount, currency = clean_amount(amount), clean_currency(currency)
    start, months = clean_month(start_month), clean_months(months)
    current = (
        project.requests.filter(kind=BudgetRequest.Kind.INITIAL, status=BudgetRequest.Status.APPROVED)
        .order_by("-pk")
        .first()
    )
    if current and (current.amount, current.currency, current.start_month, current.months) == (
        amount,
        currency,
        start,
        months,
    ):
        return current, False
    request = budget_request_create(
        project=project,
        amount=amount,
        currency=currency,
        start_month=start,
        months=months,
        purpose="Budget set by an operator (budget_project)",
        actor=actor,
    )
    if current:
        BudgetRequest.objects.filter(pk=current.pk).update(
            status=BudgetRequest.Status.REJECTED, decision_note=f"Superseded by {request.public_id}"
        )
    budget_request_decide(request=request, approve=True, actor=None, note="set by budget_project")
    return request, True


@transaction.atomic
def extra_budget_request_start(*, project: Project, actor: Actor) -> BudgetRequest:
    """One click from a project at risk: an additional request for the forecast shortfall."""
    from budgets.selectors import project_forecast

    forecast = project_forecast(project)
    if forecast.plan_total <= 0 or forecast.period_end is None:
        raise PortalError(errors.NO_PLAN)
    shortfall = forecast.shortfall
    if shortfall <= 0:
        raise PortalError(errors.NO_SHORTFALL)
    start = (
        max(month_start(forecast.as_of), forecast.period_start) if forecast.as_of else forecast.period_start
    )
    months = max(
        1, (forecast.period_end.year - start.year) * 12 + forecast.period_end.month - start.month + 1
    )
    return budget_request_create(
        project=project,
        amount=round_up(shortfall, project.currency),
        currency=project.currency,
        start_month=start,
        months=months,
        kind=BudgetRequest.Kind.ADDITIONAL,
        purpose=(
            f"Additional budget: at the current pace the approved {fmt(forecast.plan_total, project.currency)} "
            f"{project.currency} is exhausted in {forecast.exhausted_month:%Y-%m}; forecast total "
            f"{fmt(forecast.forecast_total, project.currency)} {project.currency}."
            if forecast.exhausted_month
            else "Additional budget for the forecast shortfall."
        ),
        actor=actor,
    )


# --- Anomaly answers ------------------------------------------------------------------------------


@transaction.atomic
def anomaly_answer(*, anomaly: Anomaly, answer: str, note: str = "", actor: Actor) -> Anomaly:
    """The project answers an anomaly; "expected", "planned" and "false alarm" silence the same cause."""
    if answer not in Anomaly.Answer.values:
        raise FieldError(AREA, "answer", "choice", f"must be one of {', '.join(Anomaly.Answer.values)}")
    if len(note or "") > 2000:
        raise FieldError(AREA, "note", "max_length")
    anomaly = Anomaly.objects.select_for_update().get(pk=anomaly.pk)
    before = {"status": anomaly.status, "answer": anomaly.answer}
    anomaly.answer = answer
    anomaly.answer_note = (note or "").strip()
    anomaly.answered_by = _user(actor)
    anomaly.answered_at = timezone.now()
    anomaly.status = Anomaly.Status.ANSWERED
    anomaly.save(update_fields=["answer", "answer_note", "answered_by", "answered_at", "status"])
    audit_record(
        actor=_user(actor),
        action="budgets.anomaly_answered",
        obj=anomaly,
        before=before,
        after={"status": anomaly.status, "answer": answer, "note": anomaly.answer_note},
    )
    return anomaly


def member_add(*, project: Project, user: User, role: str) -> ProjectMember:
    if role not in ProjectMember.Role.values:
        raise FieldError(AREA, "role", "choice")
    try:
        with transaction.atomic():
            member, _ = ProjectMember.objects.update_or_create(
                project=project, user=user, defaults={"role": role}
            )
    except IntegrityError as exc:  # a concurrent add of the same member
        raise FieldError(AREA, "user", "conflict") from exc
    return member
