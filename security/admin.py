"""Operators' view of the security stream: events (read-only, filterable), alerts (acknowledge),
and the rules (editable: thresholds, windows, channels)."""

from __future__ import annotations

from django.contrib import admin, messages

from portal.admin_base import HTTPS_URLS, ReadOnlyAdmin
from security import services
from security.models import Alert, AlertRule, SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "severity", "summary", "source_ip", "actor_label", "merchant")
    list_filter = ("kind", "severity")
    search_fields = ("summary", "source_ip", "actor_label", "merchant__public_id", "request_id")
    date_hierarchy = "occurred_at"
    list_select_related = ("merchant",)
    list_per_page = 100


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "raised_at",
        "rule",
        "summary",
        "event_count",
        "delivery",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = ("delivery", "rule", ("acknowledged_at", admin.EmptyFieldListFilter))
    list_select_related = ("rule",)
    date_hierarchy = "raised_at"
    actions = ["acknowledge"]

    @admin.action(description="Acknowledge the selected alerts", permissions=["view"])
    def acknowledge(self, request, queryset):
        done = sum(services.alert_acknowledge(alert=alert, actor=request.user) for alert in queryset)
        messages.success(request, f"{done} alert(s) acknowledged.")


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = (
        "name",
        "kind",
        "rule_type",
        "threshold",
        "window_seconds",
        "group_by",
        "cooldown_seconds",
        "severity",
        "enabled",
    )
    list_filter = ("enabled", "kind", "severity")
    list_editable = ("enabled",)
