"""Operators' view of provider notifications (process again), wallet terms (editable), simulator state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages

from payments.asyncflows.models import ProviderNotification, WalletTerms
from payments.asyncflows.notifications import queue_processing
from payments.providers.wallets.aggregator import WALLETS
from portal.admin_base import ReadOnlyAdmin
from portal.roles import register_group_permissions

register_group_permissions(
    "operator",
    [
        "payments.view_providernotification",
        "payments.change_providernotification",
        "payments.view_walletterms",
        "payments.add_walletterms",
        "payments.change_walletterms",
        "simulators.view_simulatedproviderpayment",
    ],
)


@admin.register(ProviderNotification)
class ProviderNotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "provider",
        "mode",
        "event_id",
        "payment",
        "outcome",
        "attempts",
        "processed_at",
    ]
    list_filter = ["provider", "mode", "outcome"]
    search_fields = ["event_id", "payment__order_id", "payment__access_id"]
    list_select_related = ["payment"]
    actions = ["process_again"]

    @admin.action(description="Process the unprocessed ones now", permissions=["process"])
    def process_again(self, request, queryset):
        ids = list(queryset.filter(processed_at__isnull=True).values_list("pk", flat=True))
        for notification_id in ids:
            queue_processing(notification_id)
        self.message_user(request, f"Queued {len(ids)} notification(s).", messages.INFO)

    def has_process_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_providernotification")


class WalletTermsForm(forms.ModelForm):
    wallets = forms.MultipleChoiceField(
        choices=[(w, w) for w in WALLETS], widget=forms.CheckboxSelectMultiple
    )
    default_wallet = forms.ChoiceField(choices=[(w, w) for w in WALLETS])

    class Meta:
        model = WalletTerms
        fields = ["merchant", "wallets", "default_wallet"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("default_wallet") and data["default_wallet"] not in (data.get("wallets") or []):
            self.add_error("default_wallet", "The default wallet must be one of the merchant's wallets.")
        return data


@admin.register(WalletTerms)
class WalletTermsAdmin(admin.ModelAdmin):
    form = WalletTermsForm
    list_display = ["merchant", "wallets", "default_wallet", "updated_at"]
    search_fields = ["merchant__name", "merchant__public_id"]
    autocomplete_fields = ["merchant"]
