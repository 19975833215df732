"""Budgets in the operators' admin: projects and rules, requests to decide, imports with their progress."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from budgets import services
from budgets.forms import CostImportForm
from budgets.importing import allocation_reapply, cost_import_upload
from budgets.models import (
    AllocationRule,
    Anomaly,
    BillingPeriod,
    BudgetAlert,
    BudgetRequest,
    BudgetRequestDocument,
    BudgetsApiKey,
    CloudAccount,
    CostImport,
    ExchangeRate,
    PlanMonth,
    PlanVersion,
    Project,
    ProjectMember,
)
from portal.admin_base import HTTPS_URLS
from portal.errors import PortalError


class MemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    autocomplete_fields = ["user"]


class AccountInline(admin.TabularInline):
    model = CloudAccount
    extra = 0


class RuleInline(admin.TabularInline):
    model = AllocationRule
    extra = 0
    fields = ["priority", "sub_account_id", "tag_key", "tag_value"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "currency", "public_id", "dashboard"]
    search_fields = ["name", "public_id", "accounts__sub_account_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [MemberInline, AccountInline, RuleInline]

    @admin.display(description="Dashboard")
    def dashboard(self, obj: Project) -> str:
        return format_html('<a href="{}">open</a>', reverse("budgets-project", args=[obj.public_id]))

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        moved = allocation_reapply()
        if moved:
            messages.info(request, f"{moved} cost rows re-allocated to the changed rules.")

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {}, portfolio_url=reverse("budgets-portfolio"))
        return super().changelist_view(request, extra_context)


class DocumentInline(admin.TabularInline):
    model = BudgetRequestDocument
    extra = 0
    fields = ["file", "original_name", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


class BudgetRequestForm(forms.ModelForm):
    """A new request, checked by the service's own rules (a wrong field is a form error, not a 500)."""

    class Meta:
        model = BudgetRequest
        fields = ["project", "kind", "amount", "currency", "start_month", "months", "schedule", "purpose"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            try:
                services.budget_request_clean(
                    project=data.get("project"), amount=data.get("amount"), currency=data.get("currency"),
                    start_month=data.get("start_month"), months=data.get("months"), purpose=data.get("purpose"),
                    schedule=data.get("schedule"), kind=data.get("kind") or BudgetRequest.Kind.INITIAL,
                )  # fmt: skip
            except PortalError as exc:
                field = exc.field if exc.field in self.fields else None
                self.add_error(field, exc.message)
        return data


@admin.register(BudgetRequest)
class BudgetRequestAdmin(admin.ModelAdmin):
    form = BudgetRequestForm
    list_display = ["public_id", "project", "kind", "amount", "currency", "start_month", "months", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["public_id", "project__name"]
    readonly_fields = ["public_id", "status", "decided_by", "decided_at", "requested_by", "created_at"]
    inlines = [DocumentInline]
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A request is never edited once made, decided or not: an approver who could change someone
        # else's amount and then approve it would decide their own request (four eyes). Documents
        # can still be added; another amount is a new request.
        if obj is not None:
            fields += [
                "project",
                "kind",
                "amount",
                "currency",
                "start_month",
                "months",
                "schedule",
                "purpose",
            ]
        return fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            created = services.budget_request_create(
                project=obj.project, amount=obj.amount, currency=obj.currency, start_month=obj.start_month,
                months=obj.months, purpose=obj.purpose, schedule=obj.schedule, kind=obj.kind, actor=request.user,
            )  # fmt: skip
        except PortalError as exc:  # checked by the form already; a race (e.g. the project changed)
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = created.pk
        obj.public_id = created.public_id

    def _decide(self, request, queryset, approve: bool) -> None:
        for budget_request in queryset:
            try:
                services.budget_request_decide(request=budget_request, approve=approve, actor=request.user)
            except PortalError as exc:
                self.message_user(request, f"{budget_request.public_id}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{budget_request.public_id}: {'approved' if approve else 'rejected'}"
                )

    @admin.action(description="Approve (a new plan version)", permissions=["approve"])
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject", permissions=["approve"])
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, False)

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("budgets.approve_budgetrequest")


class PlanMonthInline(admin.TabularInline):
    model = PlanMonth
    extra = 0
    readonly_fields = ["month", "amount"]
    can_delete = False


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "total", "reason", "created_at"]
    list_filter = ["project"]
    readonly_fields = ["project", "number", "total", "reason", "request", "created_by", "created_at"]
    inlines = [PlanMonthInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CostImport)
class CostImportAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "status",
        "progress",
        "rows_read",
        "rows_stored",
        "rows_rejected",
        "created_at",
    ]
    list_filter = ["status"]
    readonly_fields = [
        "public_id", "path", "original_name", "format", "detected_format", "status", "progress", "bytes_total",
        "bytes_read", "rows_read", "rows_stored", "rows_rejected", "rejects", "periods", "error", "created_by",
        "created_at", "started_at", "finished_at",
    ]  # fmt: skip

    @admin.display(description="Progress")
    def progress(self, obj: CostImport) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}%', obj.progress_percent, obj.progress_percent
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CostImportForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["files", "format", "max_rejected"]

    def save_model(self, request, obj, form, change) -> None:
        """The same run as the budgets pages' import and ``import_costs``: several files, the rejected
        rows tolerated (the form has validated what the service checks)."""
        created = cost_import_upload(
            files=form.cleaned_data["files"],
            fmt=form.cleaned_data["format"],
            max_rejected=form.cleaned_data["max_rejected"],
            actor=request.user,
        )
        obj.pk, obj.public_id = created.pk, created.public_id

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = ["project", "type", "start_date", "scope", "monthly_impact", "status", "answer"]
    list_filter = ["type", "status", "answer", "project"]
    search_fields = ["scope", "resource_id", "project__name"]
    readonly_fields = [f.name for f in Anomaly._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "threshold", "message", "created_at", "notified_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in BudgetAlert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(BillingPeriod)
class BillingPeriodAdmin(admin.ModelAdmin):
    list_display = ["billing_account_id", "period_start", "imports", "last_import", "updated_at"]
    readonly_fields = ["billing_account_id", "period_start", "imports", "last_import", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Monthly rates maintained by the operators (or imported: ``import_rates``)."""

    list_display = ["month", "from_currency", "to_currency", "rate", "source", "updated_at"]
    list_filter = ["from_currency", "to_currency"]


@admin.register(BudgetsApiKey)
class BudgetsApiKeyAdmin(admin.ModelAdmin):
    """Read-only keys are created with ``budgets_api_key`` (the secret is shown once); revoke here."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["public_id", "name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description="Revoke")
    def revoke(self, request, queryset) -> None:
        from budgets.apikeys import api_key_revoke

        for key in queryset:
            api_key_revoke(key=key, actor=request.user)

    def has_add_permission(self, request) -> bool:
        return False
