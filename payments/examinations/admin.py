"""Operators: tenants' examinations (tenant, platform, fincode's statuses) and provider reservations.

Decisions stay in the review queue (the application's page): this lists and links to it.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from payments.examinations import selectors
from payments.examinations.models import Examination, ProviderReservation
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.roles import register_group_permissions

for _group in ("reviewer", "operator"):
    register_group_permissions(
        _group, ["examinations.view_examination", "examinations.view_providerreservation"]
    )


class ReservationInline(ReadOnlyInline):
    model = ProviderReservation
    fields = ("reservation_id", "provider", "method", "created_at")
    readonly_fields = ("reservation_id", "provider", "method", "created_at")


@admin.register(Examination)
class ExaminationAdmin(ReadOnlyAdmin):
    list_display = ["tenant", "platform", "contract_status", "application_status", "requested_at", "review"]
    list_filter = ["application__status"]
    search_fields = [
        "application__merchant__name",
        "application__merchant__public_id",
        "application__merchant__platform__name",
    ]
    readonly_fields = (
        "tenant", "platform", "contract_status", "application_status", "review", "enable_immediate_use",
        "requested_at", "notified_state", "event_seq", "info",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ReservationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("application__merchant__platform")
            .filter(application__merchant__shop_type="tenant")
        )

    @admin.display(description="Tenant", ordering="application__merchant__name")
    def tenant(self, obj):
        return obj.application.merchant

    @admin.display(description="Platform", ordering="application__merchant__platform__name")
    def platform(self, obj):
        return obj.application.merchant.platform

    @admin.display(description="fincode status")
    def contract_status(self, obj):
        return selectors.contract_status(obj.application)

    @admin.display(description="Application", ordering="application__status")
    def application_status(self, obj):
        return obj.application.get_status_display()

    @admin.display(description="Review")
    def review(self, obj):
        return format_html(
            '<a href="{}">review queue</a>',
            reverse("admin:portal_application_change", args=[obj.application_id]),
        )
