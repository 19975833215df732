"""Operators' view of the hosted pages' sessions. Read-only: merchants make them through the API,
buyers use them on the pages."""

from __future__ import annotations

from django.contrib import admin

from payments.hosted.models import CardRegistrationSession, PaymentSession
from portal.admin_base import ReadOnlyAdmin
from portal.roles import register_group_permissions

register_group_permissions("operator", ["hosted.view_paymentsession", "hosted.view_cardregistrationsession"])


@admin.register(PaymentSession)
class PaymentSessionAdmin(ReadOnlyAdmin):
    list_display = [
        "session_id",
        "merchant",
        "mode",
        "status",
        "order_id",
        "amount",
        "tax",
        "expires_at",
        "created",
    ]
    list_filter = ["mode", "status"]
    search_fields = ["session_id", "order_id", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]


@admin.register(CardRegistrationSession)
class CardRegistrationSessionAdmin(ReadOnlyAdmin):
    list_display = ["session_id", "merchant", "mode", "status", "customer_id", "expires_at", "created"]
    list_filter = ["mode", "status"]
    search_fields = ["session_id", "customer_id", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]
