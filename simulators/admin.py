"""The simulators' state, read-only in the admin (test equipment: what the "outside world" saw)."""

from django.contrib import admin

from payments.webhooks.admin import ReadOnly
from simulators.models import SimulatedAcquirerTransaction, SimulatedProviderPayment


@admin.register(SimulatedAcquirerTransaction)
class SimulatedAcquirerTransactionAdmin(ReadOnly):
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
class SimulatedProviderPaymentAdmin(ReadOnly):
    list_display = ["created_at", "provider", "payment_ref", "provider_id", "state", "amount", "deadline"]
    list_filter = ["provider", "state"]
    search_fields = ["payment_ref", "provider_id", "lookup"]
