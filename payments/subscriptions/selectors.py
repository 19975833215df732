"""Reads of plans and subscriptions for the API and the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from payments.selectors import apply_sort, day_end, day_start
from payments.subscriptions import errors
from payments.subscriptions.models import Plan, Subscription, SubscriptionCharge
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant

PLAN_SORT = {"created": "created", "updated": "updated", "total_amount": "total", "plan_name": "plan_name"}
SUBSCRIPTION_SORT = {
    "created": "created", "updated": "updated", "start_date": "start_date", "stop_date": "stop_date",
    "next_charge_date": "next_charge_date", "total_amount": "total",
}  # fmt: skip
RESULT_SORT = {"process_date": "process_date", "created": "created"}


def plans(*, merchant: Merchant, mode: str) -> QuerySet[Plan]:
    used = Subscription.objects.filter(plan=OuterRef("pk"))
    return (
        Plan.objects.filter(merchant=merchant, mode=mode)
        .select_related("merchant")
        .annotate(used=Exists(used))
    )


def plan_get(*, merchant: Merchant, mode: str, plan_id: str) -> Plan:
    plan = one_or_none(plans(merchant=merchant, mode=mode).filter(plan_id=plan_id))
    if plan is None:
        raise PortalError(errors.PLAN_NOT_FOUND)
    return plan


def plan_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Plan]:
    queryset = plans(merchant=merchant, mode=mode).annotate(total=F("amount") + F("tax"))
    if filters.get("delete_flag") == "1":
        queryset = queryset.filter(deleted_at__isnull=False)
    elif filters.get("delete_flag") == "0":
        queryset = queryset.filter(deleted_at__isnull=True)
    if filters.get("plan_name"):
        queryset = queryset.filter(plan_name__icontains=filters["plan_name"])
    if filters.get("interval_pattern"):
        queryset = queryset.filter(interval_pattern=filters["interval_pattern"])
    if filters.get("total_amount_min") is not None:
        queryset = queryset.filter(total__gte=filters["total_amount_min"])
    if filters.get("total_amount_max") is not None:
        queryset = queryset.filter(total__lte=filters["total_amount_max"])
    if filters.get("update_date_from"):
        queryset = queryset.filter(updated__gte=day_start(filters["update_date_from"]))
    if filters.get("update_date_to"):
        queryset = queryset.filter(updated__lte=day_end(filters["update_date_to"]))
    return apply_sort(queryset, filters.get("sort"), PLAN_SORT, area="17")


def subscriptions(*, merchant: Merchant, mode: str) -> QuerySet[Subscription]:
    return Subscription.objects.filter(merchant=merchant, mode=mode).select_related(
        "merchant", "plan", "customer", "card"
    )


def subscription_get(*, merchant: Merchant, mode: str, subscription_id: str) -> Subscription:
    found = one_or_none(subscriptions(merchant=merchant, mode=mode).filter(subscription_id=subscription_id))
    if found is None:
        raise PortalError(errors.SUBSCRIPTION_NOT_FOUND)
    return found


def subscription_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Subscription]:
    queryset = (
        subscriptions(merchant=merchant, mode=mode)
        .filter(pay_type=filters["pay_type"])
        .annotate(total=F("plan__amount") + F("plan__tax"))
    )
    for name, lookup in (("id", "subscription_id"), ("customer_id", "customer__customer_id"),
                         ("plan_id", "plan__plan_id"), ("interval_pattern", "plan__interval_pattern")):  # fmt: skip
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("total_amount_min") is not None:
        queryset = queryset.filter(total__gte=filters["total_amount_min"])
    if filters.get("total_amount_max") is not None:
        queryset = queryset.filter(total__lte=filters["total_amount_max"])
    for name in ("start_date", "stop_date", "next_charge_date"):
        if filters.get(f"{name}_from"):
            queryset = queryset.filter(**{f"{name}__gte": filters[f"{name}_from"]})
        if filters.get(f"{name}_to"):
            queryset = queryset.filter(**{f"{name}__lte": filters[f"{name}_to"]})
    if filters.get("update_date_from"):
        queryset = queryset.filter(updated__gte=day_start(filters["update_date_from"]))
    if filters.get("update_date_to"):
        queryset = queryset.filter(updated__lte=day_end(filters["update_date_to"]))
    return apply_sort(queryset, filters.get("sort"), SUBSCRIPTION_SORT, area="17")


def subscription_results(
    *, subscription: Subscription, filters: dict[str, Any]
) -> QuerySet[SubscriptionCharge]:
    """The settled charges of a subscription (fincode's results); attempts under way are not results yet."""
    queryset = (
        SubscriptionCharge.objects.filter(subscription=subscription)
        .exclude(status=SubscriptionCharge.Status.PENDING)
        .select_related(
            "plan", "payment", "payment__card", "subscription__merchant", "subscription__customer"
        )
        .order_by("process_date", "pk")
    )
    if not filters.get("sort"):
        return queryset
    return apply_sort(queryset, filters["sort"], RESULT_SORT, area="17")


def subscription_guard(*, customer_pk: int, card_pk: int | None = None) -> None:
    """The 409 for deleting a customer (or one of their cards) that live subscriptions charge.
    The caller holds the customer's row lock (subscriptions are made under it too)."""
    live = Subscription.objects.filter(customer_id=customer_pk).exclude(
        status__in=[Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE]
    )
    if card_pk is None:
        if live.exists():
            raise PortalError(errors.CUSTOMER_SUBSCRIBED)
    elif live.filter(card_id=card_pk).exists():
        raise PortalError(errors.CARD_SUBSCRIBED)
