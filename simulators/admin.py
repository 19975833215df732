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


@admin.register(SimulatedProviderPayment)
class SimulatedProviderPaymentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider", "payment_ref", "provider_id", "state", "amount", "deadline"]
    list_filter = ["provider", "state"]
    search_fields = ["payment_ref", "provider_id", "lookup"]
