"""Operator admin of chargebacks: list with filters, the timeline and evidence, a form to open
one (for an acquirer's notice received by other means) and actions to decide or cancel — thin:
every write is a service, which audits it."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path

from payments.chargebacks import services
from payments.chargebacks.models import Category, Chargeback, ChargebackEvent, ChargebackEvidence, Request
from payments.models import Payment
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.errors import PortalError
from portal.models import Mode


class EventInline(ReadOnlyInline):
    model = ChargebackEvent
    fields = ("at", "action", "status_code", "actor_label", "note")
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = ChargebackEvidence
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields


@admin.register(Chargeback)
class ChargebackAdmin(ReadOnlyAdmin):
    list_display = [
        "chargeback_id", "merchant", "mode", "payment", "amount", "currency", "status_code", "category",
        "request", "opened_to_shop_date", "evidence_due_date", "canceled",
    ]  # fmt: skip
    list_filter = ["mode", "status_code", "category", "canceled", "opened_to_shop_date"]
    search_fields = [
        "chargeback_id",
        "acquirer_reference",
        "payment__order_id",
        "merchant__name",
        "merchant__public_id",
    ]
    raw_id_fields = ["payment", "merchant"]
    inlines = [EvidenceInline, EventInline]
    actions = ["decide_won", "decide_lost", "cancel"]

    def _each(self, request, queryset, write, done: str) -> None:
        if not request.user.has_perm("chargebacks.change_chargeback"):
            raise PermissionDenied
        moved, refused = 0, 0
        for chargeback in queryset.order_by("id"):
            try:
                write(chargeback)
                moved += 1
            except PortalError:
                refused += 1
        self.message_user(request, f"{moved} chargeback(s) {done}; {refused} not in a state that allows it.")

    @admin.action(description="Decide: won by the merchant (release the hold)")
    def decide_won(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.chargeback_decide(chargeback=c, won=True, actor=request.user),
            "won",
        )

    @admin.action(description="Decide: lost by the merchant (the hold becomes a loss)")
    def decide_lost(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.chargeback_decide(chargeback=c, won=False, actor=request.user),
            "lost",
        )

    @admin.action(description="Cancel: the acquirer withdrew it (release the hold)")
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.chargeback_cancel(chargeback=c, actor=request.user),
            "canceled",
        )

    def get_urls(self):
        own = [path("open/", self.admin_site.admin_view(self.open_view), name="chargebacks_open")]
        return own + super().get_urls()

    def open_view(self, request):
        if not request.user.has_perm("chargebacks.add_chargeback"):
            raise PermissionDenied
        form = OpenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            payment = Payment.objects.filter(mode=data["mode"], order_id=data["order_id"]).first()
            if payment is None:
                form.add_error("order_id", "No payment with this order id in this mode.")
            else:
                try:
                    chargeback = services.chargeback_open(
                        payment=payment, amount=data["amount"], category=int(data["category"]),
                        request=int(data["request"]), acquirer_reference=data["acquirer_reference"] or f"op_{secrets.token_hex(8)}",
                        reason_code=data["reason_code"], reason_text=data["reason_text"], actor=request.user,
                    )  # fmt: skip
                except PortalError as exc:
                    form.add_error(None, exc.message)
                else:
                    self.message_user(
                        request, f"Chargeback {chargeback.chargeback_id} opened; the amount is held."
                    )
                    return redirect("admin:chargebacks_chargeback_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Open a chargeback"}
        return render(request, "chargebacks/admin_open.html", context)


class OpenForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.choices)
    order_id = forms.CharField(max_length=30)
    amount = forms.IntegerField(min_value=1, help_text="Minor units; at most the captured amount.")
    category = forms.TypedChoiceField(choices=Category.choices, coerce=int)
    request = forms.TypedChoiceField(choices=Request.choices, coerce=int)
    acquirer_reference = forms.CharField(max_length=64, required=False, help_text="The acquirer's case id.")
    reason_code = forms.CharField(max_length=10, required=False)
    reason_text = forms.CharField(max_length=500, required=False)
