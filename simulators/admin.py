"""The simulators' state, read-only in the admin (test equipment: what the "outside world" saw)."""

from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin
from simulators.models import SimulatedAcquirerTransaction, SimulatedProviderPayment


@admin.register(SimulatedAcquirerTransaction)
class SimulatedAcquirerTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "reference",
        "operation",
        "outcome",
        "amount",
        "transaction_id",
        "decline_reason",
    ]
    list_filter = ["operation", "outcome"]
    search_fields = ["reference", "transaction_id"]
    actions = ["raise_chargeback"]

    @admin.action(description="Raise a chargeback (the acquirer's signed notice to the gateway)")
    def raise_chargeback(self, request, queryset):
        from simulators import chargebacks
        from simulators.engine import SimulatorError

        sent = []
        for transaction_id in sorted(
            set(queryset.filter(outcome="captured").values_list("transaction_id", flat=True))
        ):
            try:
                notice = chargebacks.chargeback_notice(transaction_id=transaction_id, stage="open")
            except SimulatorError:
                continue
            sent.append(f"{notice['case_id']}: {chargebacks.send_notice(notice)}")
        self.message_user(
            request, f"Chargeback notices sent: {', '.join(sent) or 'none (pick captured rows)'}."
        )


@admin.register(SimulatedProviderPayment)
class SimulatedProviderPaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider", "payment_ref", "provider_id", "state", "amount", "deadline"]
    list_filter = ["provider", "state"]
    search_fields = ["payment_ref", "provider_id", "lookup"]
