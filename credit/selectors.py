"""Reads of the credit domain."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet

from credit.models import (
    Buyer,
    CreditCheck,
    CreditRule,
    Exposure,
    KnownFraud,
    ListEntry,
    RuleSet,
    RuleSetActivation,
    ScoreModel,
    Slot,
)
from credit.rules import Rule
from portal.models import Merchant


@dataclass(frozen=True)
class Deployment:
    """What is live and in shadow now, and the version of the known-fraud table."""

    rules_live: int | None
    rules_shadow: int | None
    model_live: int | None
    model_shadow: int | None
    fraud: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def deployment_from_db() -> Deployment:
    rules = dict(RuleSet.objects.filter(slot__isnull=False).values_list("slot", "id"))
    models = dict(ScoreModel.objects.filter(slot__isnull=False).values_list("slot", "id"))
    fraud = KnownFraud.objects.aggregate(n=Count("id"), last=Max("id"))
    return Deployment(
        rules_live=rules.get(Slot.LIVE),
        rules_shadow=rules.get(Slot.SHADOW),
        model_live=models.get(Slot.LIVE),
        model_shadow=models.get(Slot.SHADOW),
        fraud=f"{fraud['n']}:{fraud['last'] or 0}",
    )


def history_of(*, buyer: Buyer, now: datetime, row: Any) -> dict[str, Any]:
    """The history features from a row (unpaid, overdue, open invoices, paid, authorized,
    bureau payload, fetched at) of ``credit_buyer_lock_history`` (migration 0003)."""
    unpaid, overdue, open_invoices, paid, authorized, payload, fetched_at = row
    if isinstance(payload, str):  # Django has psycopg return JSONB as text (its JSONField decodes it)
        payload = json.loads(payload)
    history: dict[str, Any] = {
        "unpaid_amount": int(unpaid),
        "overdue_count": int(overdue),
        "open_invoice_count": int(open_invoices),
        "paid_invoice_count": int(paid),
        "open_exposure": int(unpaid) + int(authorized),
        "days_since_first_seen": max(0, (now - buyer.first_seen_at).days),
        "bureau_score": 0,
        "bureau_defaults": 0,
        "bureau_age_days": -1,
    }
    if payload is not None:
        history["bureau_score"] = int(payload.get("score", 0))
        history["bureau_defaults"] = int(payload.get("defaults", 0))
        history["bureau_age_days"] = max(0, (now - fetched_at).days)
    return history


def bureau_is_stale(history: dict[str, Any]) -> bool:
    age = history["bureau_age_days"]
    return age < 0 or age >= settings.CREDIT_BUREAU_MAX_AGE_DAYS


def check_for_merchant(*, merchant: Merchant, mode: str, public_id: str) -> CreditCheck | None:
    return (
        CreditCheck.objects.select_related("rule_set", "score_model")
        .filter(merchant=merchant, mode=mode, public_id=public_id)
        .first()
    )


def review_queue() -> QuerySet[CreditCheck]:
    return CreditCheck.objects.filter(review_status=CreditCheck.ReviewStatus.PENDING).order_by("created_at")


def buyer_checks(*, buyer: Buyer, limit: int = 20) -> list[CreditCheck]:
    return list(
        CreditCheck.objects.filter(buyer=buyer).select_related("merchant").order_by("-created_at")[:limit]
    )


def rules_of(rule_set: RuleSet) -> list[Rule]:
    """A rule set's rules, in their order (what the engine compiles and an export writes)."""
    rows = CreditRule.objects.filter(rule_set=rule_set).order_by("position", "id")
    return [
        Rule(
            id=r.rule_id,
            reason_code=r.reason_code,
            action=r.action,
            weight=r.weight,
            when=r.when,
            description=r.description,
        )
        for r in rows
    ]


def last_rollback_target() -> RuleSet | None:
    """The version that was live before the current live one."""
    last = RuleSetActivation.objects.filter(slot=Slot.LIVE).order_by("-id").first()
    return last.previous if last and last.previous_id else None


def list_members(*, mode: str) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {ListEntry.List.BLOCK: [], ListEntry.List.ALLOW: []}
    for name, kind, digest in ListEntry.objects.filter(mode=mode).values_list("list", "kind", "digest"):
        members[name].append(f"{kind}:{digest}")
    return members


def invoices_due_for_reminder(*, today) -> QuerySet[Exposure]:
    """Unpaid invoices due within 3 days (first reminder) or overdue and not reminded for 7 days."""
    soon = Q(due_date__lte=today + timedelta(days=3), due_date__gte=today, reminder_count=0)
    overdue = Q(due_date__lt=today) & (
        Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=today - timedelta(days=7))
    )
    return Exposure.objects.filter(Q(status=Exposure.Status.INVOICED) & (soon | overdue)).order_by("id")


def recent_checks_for_backtest(*, limit: int) -> QuerySet[CreditCheck]:
    return CreditCheck.objects.order_by("-created_at", "-id")[:limit]
