"""Operators' admin for onboarding. Every change goes through a service (and so the audit log)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from portal import services
from portal.admin_base import HTTPS_URLS, ReadOnlyAdmin, ReadOnlyInline
from portal.errors import PortalError
from portal.models import (
    ApiKey,
    Application,
    ApplicationDocument,
    ApplicationMethod,
    AuditEvent,
    BusinessCategory,
    Contract,
    Invitation,
    Membership,
    Merchant,
    ScreeningFlag,
    User,
)

# --- Users ---------------------------------------------------------------------------


class PortalUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "email_verified_at", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name", "public_id"]
    readonly_fields = ["public_id", "last_login", "date_joined", "email_verified_at"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "email_verified_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    AUDITED = ["email", "full_name", "is_active", "is_staff", "is_superuser"]

    def save_model(self, request, obj, form, change):
        before = services.snapshot(User.objects.get(pk=obj.pk), self.AUDITED) if change else None
        super().save_model(request, obj, form, change)
        after = services.snapshot(obj, self.AUDITED)
        if before != after:
            services.audit_record(
                actor=request.user,
                action="user.changed" if change else "user.created",
                obj=obj,
                before=before,
                after=after,
            )

    def save_related(self, request, form, formsets, change):
        before = sorted(form.instance.groups.values_list("name", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.groups.values_list("name", flat=True))
        if before != after:
            services.audit_record(
                actor=request.user,
                action="user.groups_changed",
                obj=form.instance,
                before={"groups": before},
                after={"groups": after},
            )


# --- Merchants -----------------------------------------------------------------------


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = fields


class ContractInline(ReadOnlyInline):
    model = Contract
    fields = [
        "contract_link",
        "status",
        "fee_rate_bps",
        "max_amount",
        "concurrency_window",
        "rate_per_second",
        "burst_factor",
    ]
    readonly_fields = fields

    @admin.display(description="Contract")
    def contract_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:portal_contract_change", args=[obj.pk]), obj.pay_type
        )


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "public_id", "status", "shop_type", "platform", "created_at"]
    list_filter = ["status", "shop_type"]
    search_fields = ["name", "public_id", "platform__public_id"]
    readonly_fields = [
        "public_id", "name", "status", "status_reason", "shop_type", "platform", "tenant_url_id",
        "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [MembershipInline, ContractInline]
    actions = ["suspend", "reinstate", "make_platform"]

    def has_add_permission(self, request) -> bool:
        return False  # merchants sign up, or are created with `manage.py create_merchant`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _bulk(self, request, queryset, fn, verb: str):
        if not request.user.has_perm("portal.suspend_merchant"):
            self.message_user(request, "You may not suspend or reinstate merchants.", messages.ERROR)
            return
        for merchant in queryset:
            try:
                fn(
                    merchant=merchant,
                    actor=request.user,
                    reason=f"{verb} by {request.user.email} in the admin",
                )
                self.message_user(request, f"{merchant.name}: {verb}.")
            except PortalError as exc:
                self.message_user(request, f"{merchant.name}: {exc.message}", messages.ERROR)

    @admin.action(description="Suspend selected merchants")
    def suspend(self, request, queryset):
        self._bulk(request, queryset, services.merchant_suspend, "suspended")

    @admin.action(description="Reinstate selected merchants")
    def reinstate(self, request, queryset):
        self._bulk(request, queryset, services.merchant_reinstate, "reinstated")

    @admin.action(description="Make selected shops platforms (they may then create tenant shops)")
    def make_platform(self, request, queryset):
        from payments.platforms.services import platform_enable

        if not request.user.has_perm("portal.change_merchant"):
            self.message_user(request, "You may not change merchants.", messages.ERROR)
            return
        for merchant in queryset:
            try:
                platform = platform_enable(merchant=merchant, actor=request.user)
                self.message_user(
                    request, f"{merchant.name}: a platform (tenant URL id {platform.tenant_url_id})."
                )
            except PortalError as exc:
                self.message_user(request, f"{merchant.name}: {exc.message}", messages.ERROR)


# --- Applications (the review queue) ---------------------------------------------------


class ApplicationMethodInline(admin.TabularInline):
    model = ApplicationMethod
    extra = 0
    can_delete = False
    fields = ["pay_type", "decision", "comment", "decided_by", "decided_at"]
    readonly_fields = ["pay_type", "decided_by", "decided_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # In review; or approved with a method applied for since (a tenant's provider reservation).
        reserved = (
            obj is not None
            and obj.status == Application.Status.APPROVED
            and obj.methods.filter(decision=ApplicationMethod.Decision.PENDING).exists()
        )
        return (
            obj is not None
            and (obj.status == Application.Status.IN_REVIEW or reserved)
            and request.user.has_perm("portal.review_application")
        )


class ScreeningFlagInline(ReadOnlyInline):
    model = ScreeningFlag
    fields = ["code", "reason", "created_at"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["kind", "download", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="File")
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("document-download", args=[obj.public_id]), obj.original_name
        )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    change_form_template = "admin/portal/application/change_form.html"
    list_display = [
        "merchant_name",
        "platform",
        "legal_name",
        "status",
        "submitted_at",
        "flag_count",
        "reviewer",
    ]
    list_filter = ["status", "merchant__shop_type", "business_category"]
    search_fields = ["legal_name", "corporate_number", "merchant__name", "merchant__public_id"]
    ordering = ["submitted_at"]
    inlines = [ScreeningFlagInline, ApplicationMethodInline, DocumentInline]
    readonly_fields = [
        "public_id",
        "merchant",
        "platform",
        "status",
        "legal_name",
        "legal_name_kana",
        "corporate_number",
        "representative_name",
        "postal_code",
        "address",
        "phone",
        "website",
        "business_category",
        "expected_monthly_volume",
        "submitted_at",
        "screened_at",
        "reviewer",
        "decided_at",
    ]
    fieldsets = [
        (
            "Status",
            {
                "fields": [
                    "public_id",
                    "merchant",
                    "platform",
                    "status",
                    "submitted_at",
                    "screened_at",
                    "reviewer",
                    "decided_at",
                ]
            },
        ),
        (
            "Company",
            {
                "fields": [
                    "legal_name",
                    "legal_name_kana",
                    "corporate_number",
                    "representative_name",
                    "postal_code",
                    "address",
                    "phone",
                    "website",
                    "business_category",
                    "expected_monthly_volume",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .select_related("merchant", "merchant__platform", "reviewer")
            .annotate(n_flags=Count("flags"))
        )

    @admin.display(description="Merchant", ordering="merchant__name")
    def merchant_name(self, obj):
        return obj.merchant.name

    @admin.display(description="Platform (tenants)", ordering="merchant__platform__name")
    def platform(self, obj):
        return obj.merchant.platform or "—"

    @admin.display(description="Flags", ordering="n_flags")
    def flag_count(self, obj):
        return obj.n_flags

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        pass  # the application's own fields are the merchant's; reviewers change only decisions

    def save_formset(self, request, form, formset, change):
        if formset.model is not ApplicationMethod:
            super().save_formset(request, form, formset, change)  # read-only inlines: nothing changes
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for method_form in formset.forms:
            if not method_form.has_changed() or method_form.instance.pk is None:
                continue
            data = method_form.cleaned_data
            try:
                services.application_decide_method(
                    method=method_form.instance,
                    decision=data["decision"],
                    comment=data.get("comment", ""),
                    reviewer=request.user,
                )
            except PortalError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/start-review/",
                self.admin_site.admin_view(self.start_review),
                name="portal_application_start_review",
            ),
            path(
                "<int:object_id>/finalize/",
                self.admin_site.admin_view(self.finalize),
                name="portal_application_finalize",
            ),
            path(
                "<int:object_id>/rescreen/",
                self.admin_site.admin_view(self.rescreen),
                name="portal_application_rescreen",
            ),
            *super().get_urls(),
        ]

    def _post_action(self, request, object_id, fn, done: str):
        application = get_object_or_404(Application, pk=object_id)
        if request.method != "POST" or not request.user.has_perm("portal.review_application"):
            self.message_user(request, "Not allowed.", messages.ERROR)
        else:
            try:
                fn(application)
                self.message_user(request, done)
            except PortalError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:portal_application_change", args=[application.pk]))

    def start_review(self, request, object_id):
        return self._post_action(
            request,
            object_id,
            lambda a: services.application_start_review(application=a, reviewer=request.user),
            "Review started: decide on each payment method, save, then finalise.",
        )

    def finalize(self, request, object_id):
        return self._post_action(
            request,
            object_id,
            lambda a: services.application_finalize(application=a, reviewer=request.user),
            "Decision recorded and sent to the merchant.",
        )

    def rescreen(self, request, object_id):
        return self._post_action(
            request,
            object_id,
            lambda a: services.application_screen(application_id=a.pk),
            "Screening re-run.",
        )


@admin.register(BusinessCategory)
class BusinessCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "prohibited", "prohibited_reason"]
    list_filter = ["prohibited"]
    list_editable = ["prohibited"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        before = (
            services.snapshot(BusinessCategory.objects.get(pk=obj.pk), ["prohibited", "prohibited_reason"])
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        services.audit_record(
            actor=request.user,
            action="business_category.changed" if change else "business_category.created",
            obj=obj,
            before=before,
            after=services.snapshot(obj, ["code", "name", "prohibited", "prohibited_reason"]),
        )


# --- Contracts and keys ------------------------------------------------------------------


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "merchant",
        "pay_type",
        "status",
        "fee_rate_bps",
        "max_amount",
        "concurrency_window",
        "rate_per_second",
        "burst_factor",
    ]
    list_filter = ["pay_type", "status"]
    search_fields = ["merchant__name", "merchant__public_id", "public_id"]
    readonly_fields = ["public_id", "merchant", "pay_type", "currency", "created_at", "updated_at"]
    fields = [
        "public_id",
        "merchant",
        "pay_type",
        "currency",
        "status",
        "fee_rate_bps",
        "max_amount",
        "concurrency_window",
        "rate_per_second",
        "burst_factor",
        "window_shadow",
        "rate_shadow",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # contracts come from approved applications

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            f: form.cleaned_data[f] for f in form.changed_data if f in {*services.CONTRACT_TERMS, "status"}
        }
        services.contract_update(
            contract=Contract.objects.get(pk=obj.pk), changes=changes, actor=request.user
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "masked",
        "merchant",
        "mode",
        "kind",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["mode", "kind"]
    search_fields = ["merchant__name", "merchant__public_id", "public_id", "display_prefix"]
    readonly_fields = [
        "public_id",
        "merchant",
        "mode",
        "kind",
        "label",
        "display_prefix",
        "last4",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "replaced_by",
    ]
    exclude = ["key_hash", "public_value"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "merchant", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "merchant__name"]
    readonly_fields = [
        "public_id",
        "merchant",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Audit log -----------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_label",
        "client_address",
        "action",
        "object_type",
        "object_id",
        "merchant",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "action", "merchant__public_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "actor",
        "actor_label",
        "client_address",
        "merchant",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("merchant")
