"""Operator admin of settlements: statements (read-only, by run date), downloads, deposits,
the ledger's postings, and an adjustment form (thin: every write is a service)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path

from payments.settlements import deposits, services
from payments.settlements.models import PlatformStatement, Posting, Statement, StatementLine
from payments.settlements.pages import statement_download
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.errors import PortalError
from portal.models import Merchant, Mode


class StatementLineInline(ReadOnlyInline):
    model = StatementLine
    fields = ["posting"]
    raw_id_fields = ["posting"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id", "merchant", "mode", "currency", "term_start", "term_end", "count", "total_amount",
        "deposit_amount", "scheduled_deposit_date", "status_code", "status_reason", "fixed_at",
    ]  # fmt: skip
    list_filter = ["mode", "status_code", "currency", "term_start", "fixed_at"]
    date_hierarchy = "fixed_at"  # the settlement runs: statements by the day a run fixed them
    search_fields = ["public_id", "merchant__name", "merchant__public_id"]
    inlines = [StatementLineInline]
    actions = [
        "download_csv", "download_pdf", "mark_deposited",
        "hold", "release", "payout_returned", "claim_failed", "claim_paid",
    ]  # fmt: skip

    @admin.action(description="Download CSV (one statement)")
    def download_csv(self, request, queryset):
        return self._download(request, queryset, "csv")

    @admin.action(description="Download PDF (one statement)")
    def download_pdf(self, request, queryset):
        return self._download(request, queryset, "pdf")

    def _download(self, request, queryset, kind: str):
        if queryset.count() != 1:
            self.message_user(request, "Pick exactly one statement to download.", messages.ERROR)
            return None
        return statement_download(queryset.select_related("merchant").get(), kind)

    @admin.action(description="Mark deposited (fixed statements)")
    def mark_deposited(self, request, queryset):
        moved = sum(
            services.statement_mark_deposited(statement=s, actor=request.user.email)
            for s in queryset.order_by("id")
        )
        self.message_user(request, f"{moved} statement(s) marked deposited.")

    # The deposit's later life (``deposits``): fincode's DepositStatusCode 3004–3009.
    @admin.action(description="Hold the deposit or claim (3004/3008)", permissions=["move"])
    def hold(self, request, queryset):
        return self._move(request, queryset, "hold", "held")

    @admin.action(description="Release: pay or claim again (→ 3002/3006)", permissions=["move"])
    def release(self, request, queryset):
        return self._move(request, queryset, "release", "released")

    @admin.action(description="The bank returned the payout (3005)", permissions=["move"])
    def payout_returned(self, request, queryset):
        return self._move(request, queryset, "payout_returned", "marked returned")

    @admin.action(description="The claim failed (3007)", permissions=["move"])
    def claim_failed(self, request, queryset):
        return self._move(request, queryset, "claim_failed", "marked failed")

    @admin.action(description="The merchant paid the claim (3009)", permissions=["move"])
    def claim_paid(self, request, queryset):
        return self._move(request, queryset, "claim_paid", "marked paid")

    def has_move_permission(self, request) -> bool:
        return request.user.has_perm("settlements.change_statement")

    def _move(self, request, queryset, action: str, done: str):
        """Apply ``action`` to each statement its state allows; the actions that need a reason
        ask for it on a page of their own first."""
        reason = request.POST.get("reason", "").strip()
        if action in deposits.WITH_REASON and not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": getattr(type(self), action).short_description,
                "statements": queryset.order_by("id"),
                "action": action,
                "opts": self.model._meta,
                "refused": "apply" in request.POST,
            }
            return render(request, "settlements/admin_reason.html", context)
        # Read once: the changelist's queryset may filter by status, which the moves change.
        statements = list(queryset.order_by("id"))
        moved = sum(
            deposits.statement_move(statement=s, action=action, actor=request.user, reason=reason)
            for s in statements
        )
        skipped = len(statements) - moved
        level = messages.SUCCESS if moved else messages.WARNING
        note = f" ({skipped} not in a state that allows it)" if skipped else ""
        self.message_user(request, f"{moved} statement(s) {done}{note}.", level)
        return None

    def get_urls(self):
        own = [path("adjust/", self.admin_site.admin_view(self.adjust_view), name="settlements_adjust")]
        return own + super().get_urls()

    def adjust_view(self, request):
        if not request.user.has_perm("settlements.add_posting"):
            raise PermissionDenied
        form = AdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.adjustment_create(
                    merchant=data["merchant"], mode=data["mode"], currency=data["currency"],
                    amount=data["amount"], reason=data["reason"], actor=request.user,
                )  # fmt: skip
            except PortalError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, "Adjustment posted: it goes to the merchant's next statement.")
                return redirect("admin:settlements_statement_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Adjust a settlement"}
        return render(request, "settlements/admin_adjust.html", context)


class AdjustmentForm(forms.Form):
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.order_by("name"))
    mode = forms.ChoiceField(choices=Mode.choices)
    currency = forms.CharField(max_length=3, initial="JPY")
    amount = forms.IntegerField(help_text="Minor units; negative takes from the merchant.")
    reason = forms.CharField(max_length=200)


@admin.register(PlatformStatement)
class PlatformStatementAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id", "platform", "mode", "term_start", "term_end", "count", "platform_fee_amount",
        "platform_fee_tax_amount", "deposit_amount", "status_code",
    ]  # fmt: skip
    list_filter = ["mode", "status_code", "term_start"]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "merchant",
        "mode",
        "kind",
        "trade_type",
        "order_id",
        "amount",
        "fee",
        "platform_fee",
        "booked_at",
    ]
    list_filter = ["mode", "kind", "trade_type"]
    search_fields = ["order_id", "reference"]
