"""Operators' view of payments: read-only, with the history, and reconciliation on demand."""

from __future__ import annotations

from django.contrib import admin, messages

from payments.asyncflows import admin as asyncflow_admin  # noqa: F401 -- registers its models
from payments.methods.registry import ASYNCHRONOUS
from payments.models import Customer, Payment, PaymentEvent
from payments.services.reconcile import payment_reconcile
from payments.webhooks import admin as webhook_admin  # noqa: F401 -- registers its models
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    # one tuple for both (django-stubs gives the two lists different item types)
    readonly_fields = fields = ("created_at", "action", "from_status", "to_status", "actor", "detail")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_id",
        "merchant",
        "mode",
        "pay_type",
        "status",
        "amount",
        "tax",
        "card_no",
        "pending_operation",
        "created",
    ]
    list_filter = ["mode", "pay_type", "status", "job_code"]
    search_fields = ["order_id", "access_id", "merchant__name", "merchant__public_id", "transaction_id"]
    date_hierarchy = "created"
    list_select_related = ["merchant"]
    inlines = [PaymentEventInline]
    exclude = ["card_secret"]
    actions = ["reconcile"]

    @admin.action(description="Reconcile pending operations with the provider", permissions=["reconcile"])
    def reconcile(self, request, queryset):
        from payments.tasks import reconcile_payment

        # Wallets, konbini, bank transfer: their providers are called from Celery only.
        later = list(ASYNCHRONOUS)
        outcomes = [
            payment_reconcile(payment_id=p.pk)
            for p in queryset.filter(pending_operation__isnull=False).exclude(pay_type__in=later)
        ]
        for payment_id in queryset.filter(pay_type__in=later).values_list("pk", flat=True):
            reconcile_payment.apply_async(kwargs={"payment_id": payment_id})
            outcomes.append("queued")
        self.message_user(
            request,
            f"Reconciled {len(outcomes)} payment(s): {', '.join(outcomes) or 'nothing pending'}.",
            messages.INFO,
        )

    def has_reconcile_permission(self, request) -> bool:
        return request.user.has_perm("payments.reconcile_payment")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["customer_id", "merchant", "mode", "name", "email", "created"]
    list_filter = ["mode"]
    search_fields = ["customer_id", "name", "email", "merchant__name"]
