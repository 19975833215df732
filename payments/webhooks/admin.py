"""Operators' view of webhooks: settings, events (the outbox), deliveries with every attempt, resend."""

from __future__ import annotations

from django.contrib import admin, messages

from payments.webhooks import services
from payments.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSetting
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.errors import PortalError
from portal.roles import register_group_permissions

register_group_permissions(
    "operator",
    [
        "payments.view_webhooksetting",
        "payments.view_webhookevent",
        "payments.view_webhookdelivery",
        "payments.change_webhookdelivery",
        "payments.view_webhookattempt",
    ],
)


@admin.register(WebhookSetting)
class WebhookSettingAdmin(ReadOnlyAdmin):
    list_display = ["setting_id", "merchant", "mode", "event", "url", "created", "deleted_at"]
    list_filter = ["mode", "event"]
    search_fields = ["setting_id", "url", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]


class DeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    show_change_link = True
    readonly_fields = fields = (
        "delivery_id",
        "setting",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "event", "merchant", "mode", "payment", "sequence", "created_at"]
    list_filter = ["mode", "event"]
    search_fields = ["event_id", "payment__order_id", "merchant__name"]
    list_select_related = ["merchant", "payment"]
    inlines = [DeliveryInline]


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    readonly_fields = fields = (
        "number",
        "manual",
        "started_at",
        "duration_ms",
        "status_code",
        "delivered",
        "error",
        "response_excerpt",
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "delivery_id",
        "event",
        "setting",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
    ]
    list_filter = ["status", "setting__mode"]
    search_fields = ["delivery_id", "event__event_id", "event__payment__order_id", "setting__url"]
    list_select_related = ["event", "setting"]
    inlines = [AttemptInline]
    actions = ["resend"]

    @admin.action(description="Resend now", permissions=["resend"])
    def resend(self, request, queryset):
        sent = 0
        for delivery in queryset:
            try:
                services.webhook_delivery_resend(delivery=delivery)
                sent += 1
            except PortalError as exc:
                self.message_user(request, f"{delivery.delivery_id}: {exc.message}", messages.WARNING)
        self.message_user(
            request, f"Queued {sent} deliver{'y' if sent == 1 else 'ies'} again.", messages.INFO
        )

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_webhookdelivery")
