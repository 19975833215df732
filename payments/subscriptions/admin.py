"""Operators' view of plans, subscriptions, their charges (every attempt) and billing batches.

Read-only: merchants change them through the API; billing runs in Celery beat.
"""

from __future__ import annotations

from django.contrib import admin

from payments.subscriptions.models import Plan, Subscription, SubscriptionBatch, SubscriptionCharge
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.roles import register_group_permissions

register_group_permissions(
    "operator",
    [
        "subscriptions.view_plan",
        "subscriptions.view_subscription",
        "subscriptions.view_subscriptioncharge",
        "subscriptions.view_subscriptionbatch",
    ],
)


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["plan_id", "plan_name", "merchant", "mode", "amount", "tax", "interval", "deleted_at"]
    list_filter = ["mode", "interval_pattern"]
    search_fields = ["plan_id", "plan_name", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]

    @admin.display(description="Every")
    def interval(self, plan: Plan) -> str:
        return f"{plan.interval_count} {plan.interval_pattern}"


class ChargeInline(ReadOnlyInline):
    model = SubscriptionCharge
    fields = [
        "period",
        "attempt",
        "charge_date",
        "status",
        "amount",
        "tax",
        "order_id",
        "error_code",
        "tries",
    ]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = [
        "subscription_id", "merchant", "mode", "pay_type", "plan", "status", "next_charge_date", "retry_on",
        "error_code",
    ]  # fmt: skip
    list_filter = ["mode", "pay_type", "status"]
    search_fields = ["subscription_id", "merchant__name", "merchant__public_id", "customer__customer_id"]
    list_select_related = ["merchant", "plan"]
    inlines = [ChargeInline]


@admin.register(SubscriptionCharge)
class SubscriptionChargeAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "subscription", "period", "attempt", "charge_date", "status", "error_code"]
    list_filter = ["status", "charge_date"]
    search_fields = ["order_id", "subscription__subscription_id"]
    list_select_related = ["subscription"]


@admin.register(SubscriptionBatch)
class SubscriptionBatchAdmin(ReadOnlyAdmin):
    list_display = ["run_date", "merchant", "mode", "pay_type", "succeeded", "failed", "created"]
    list_filter = ["mode", "pay_type"]
    list_select_related = ["merchant"]
