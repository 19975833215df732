"""Plans: what is charged (amount + tax) and how often (every 1, 2, 3 or 6 months or years)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.subscriptions import errors
from payments.subscriptions.models import Plan, Subscription
from portal.errors import PortalError
from portal.models import Merchant

PLAN_FIELDS = ("plan_name", "description", "amount", "tax", "interval_pattern", "interval_count")


def plan_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> Plan:
    plan = Plan(merchant=merchant, mode=mode, **{f: data[f] for f in PLAN_FIELDS if data.get(f) is not None})
    if data.get("id"):
        plan.plan_id = data["id"]
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise PortalError(errors.PLAN_EXISTS, field="id") from exc
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, data: dict[str, Any]) -> Plan:
    """Change a plan. Its subscriptions are charged the new amount from their next charge on
    (a charge already under way keeps the amount it started with)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.deleted_at is not None:
        raise PortalError(errors.PLAN_NOT_FOUND)
    changed = [f for f in PLAN_FIELDS if f in data and data[f] is not None]
    for name in changed:
        setattr(plan, name, data[name])
    if changed:
        plan.save(update_fields=[*changed, "updated"])
    return plan


@transaction.atomic
def plan_delete(*, plan: Plan) -> Plan:
    """Delete a plan nobody is subscribed to any more (canceled subscriptions keep it, deleted)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    live = Subscription.objects.filter(plan=plan).exclude(
        status__in=[Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE]
    )
    if live.exists():
        raise PortalError(errors.PLAN_IN_USE)
    plan.deleted_at = timezone.now()
    plan.save(update_fields=["deleted_at", "updated"])
    return plan
