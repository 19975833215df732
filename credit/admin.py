"""Operators' admin for credit: rule editor and bulk import/export, publishing and activation,
backtests, the review queue, models, lists. Every change goes through a service (and the audit log)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from credit import selectors, services
from credit.features import registry_rows
from credit.models import (
    Backtest,
    CreditCheck,
    CreditRule,
    Exposure,
    KnownFraud,
    ListEntry,
    RuleSet,
    ScoreModel,
    Slot,
)
from credit.rules import dump_rule_file, parse_rule
from portal.admin_base import ReadOnlyAdmin
from portal.errors import PortalError

MAX_UPLOAD = 50 * 1024 * 1024


def _fail(modeladmin, request, exc: PortalError) -> None:
    problems = getattr(exc, "problems", None)
    modeladmin.message_user(
        request, exc.message if not problems else "; ".join(problems[:20]), messages.ERROR
    )


# --- Rule sets ---------------------------------------------------------------------------------


class RuleFileForm(forms.Form):
    file = forms.FileField(help_text="A rule file (JSON, see docs/credit.md). Replaces the draft's rules.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB.")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise forms.ValidationError(f"Not a JSON file: {exc}") from exc


class BacktestForm(forms.Form):
    sample_size = forms.IntegerField(min_value=1, max_value=1_000_000, initial=10_000)
    candidate_model = forms.ModelChoiceField(
        queryset=ScoreModel.objects.all(), required=False, help_text="Empty: the live model."
    )


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["note"]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetForm
    list_display = (
        "__str__",
        "status",
        "slot",
        "rule_count",
        "note",
        "created_by",
        "published_by",
        "published_at",
    )
    list_filter = ("status", "slot")
    readonly_fields = ("status", "slot", "policy", "rule_count", "checksum", "parent", "created_by", "edited_by",
                       "published_by", "published_at", "rules_link", "activations")  # fmt: skip
    change_form_template = "admin/credit/ruleset/change_form.html"
    change_list_template = "admin/credit/ruleset/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return (*self.readonly_fields, "note")
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) or self._can_publish(request)

    def _can_publish(self, request) -> bool:
        return request.user.has_perm("credit.publish_ruleset")

    @admin.display(description="rules")
    def rules_link(self, obj):
        url = reverse("admin:credit_creditrule_changelist") + f"?rule_set__id__exact={obj.pk}"
        return format_html('<a href="{}">{} rules</a>', url, obj.rule_count)

    @admin.display(description="slot history")
    def activations(self, obj):
        from credit.models import RuleSetActivation

        rows = RuleSetActivation.objects.filter(rule_set=obj)[:10]
        return format_html(
            "<br>".join(f"{a.created_at:%Y-%m-%d %H:%M} {a.slot} by {a.actor_label}" for a in rows) or "—"
        )

    def save_model(self, request, obj, form, change):
        if change:
            services.rule_set_update_note(rule_set=obj, note=form.cleaned_data["note"], actor=request.user)
        else:
            created = services.rule_set_clone(source=None, actor=request.user)
            services.rule_set_update_note(
                rule_set=created, note=form.cleaned_data["note"], actor=request.user
            )
            obj.pk = created.pk

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="credit_ruleset_import"),
            path("rollback/", self.admin_site.admin_view(self.rollback_view), name="credit_ruleset_rollback"),
            path("<int:pk>/do/<str:action>/", self.admin_site.admin_view(self.action_view), name="credit_ruleset_action"),
            path("<int:pk>/export/", self.admin_site.admin_view(self.export_view), name="credit_ruleset_export"),
            path("<int:pk>/replace/", self.admin_site.admin_view(self.replace_view), name="credit_ruleset_replace"),
            path("<int:pk>/backtest/", self.admin_site.admin_view(self.backtest_view), name="credit_ruleset_backtest"),
        ]  # fmt: skip
        return urls + super().get_urls()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["can_publish"] = self._can_publish(request)
        extra_context["can_build"] = request.user.has_perm("credit.change_ruleset")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["can_publish"] = self._can_publish(request)
        extra_context["can_build"] = request.user.has_perm("credit.add_ruleset")
        return super().changelist_view(request, extra_context)

    def _back(self, pk: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:credit_ruleset_change", args=[pk]))

    def action_view(self, request, pk: int, action: str):
        if request.method != "POST":
            return self._back(pk)
        rule_set = get_object_or_404(RuleSet, pk=pk)
        build_actions = {"clone": "credit.add_ruleset"}
        publish_actions = {"publish", "live", "shadow", "stop_shadow"}
        if action in build_actions:
            allowed = request.user.has_perm(build_actions[action])
        else:
            allowed = action in publish_actions and self._can_publish(request)
        if not allowed:
            raise PermissionDenied
        try:
            if action == "clone":
                draft = services.rule_set_clone(source=rule_set, actor=request.user)
                self.message_user(request, f"Draft v{draft.pk} created from v{rule_set.pk}.")
                return self._back(draft.pk)
            if action == "publish":
                services.rule_set_publish(rule_set=rule_set, actor=request.user)
            elif action in (Slot.LIVE, Slot.SHADOW):
                services.rule_set_activate(rule_set=rule_set, slot=action, actor=request.user)
            elif action == "stop_shadow":
                services.slot_clear(slot=Slot.SHADOW, actor=request.user)
            self.message_user(request, f"v{rule_set.pk}: {action.replace('_', ' ')} done.")
        except PortalError as exc:
            _fail(self, request, exc)
        return self._back(pk)

    def rollback_view(self, request):
        if request.method == "POST":
            if not self._can_publish(request):
                raise PermissionDenied
            try:
                target = services.rule_set_rollback(actor=request.user)
                self.message_user(request, f"Rolled back: v{target.pk} is live again.")
            except PortalError as exc:
                _fail(self, request, exc)
        return HttpResponseRedirect(reverse("admin:credit_ruleset_changelist"))

    def export_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        rule_set = get_object_or_404(RuleSet, pk=pk)
        text = dump_rule_file(note=rule_set.note, rules=selectors.rules_of(rule_set), policy=rule_set.policy)
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="credit-rules-v{rule_set.pk}.json"'
        return response

    def _file_form_view(self, request, title: str, run, rule_set=None):
        form = RuleFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                target = run(form.cleaned_data["file"])
                self.message_user(request, f"v{target.pk}: {target.rule_count} rules imported.")
                return self._back(target.pk)
            except PortalError as exc:
                problems = getattr(exc, "problems", None) or [exc.message]
                for problem in problems[:50]:
                    form.add_error("file", problem)
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "rule_set": rule_set,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/credit/ruleset/import.html", context)

    def import_view(self, request):
        if not request.user.has_perm("credit.add_ruleset"):
            raise PermissionDenied
        return self._file_form_view(
            request,
            "Import a rule file as a new draft",
            lambda doc: services.rule_set_import(doc=doc, actor=request.user),
        )

    def replace_view(self, request, pk: int):
        if not request.user.has_perm("credit.change_ruleset"):
            raise PermissionDenied
        rule_set = get_object_or_404(RuleSet, pk=pk)
        return self._file_form_view(
            request,
            f"Replace the rules of draft v{pk}",
            lambda doc: services.rule_set_replace_rules(rule_set=rule_set, doc=doc, actor=request.user),
            rule_set,
        )

    def backtest_view(self, request, pk: int):
        if not request.user.has_perm("credit.run_backtest"):
            raise PermissionDenied
        rule_set = get_object_or_404(RuleSet, pk=pk)
        form = BacktestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                backtest = services.backtest_create(
                    candidate=rule_set,
                    actor=request.user,
                    sample_size=form.cleaned_data["sample_size"],
                    candidate_model=form.cleaned_data["candidate_model"],
                )
                return HttpResponseRedirect(reverse("admin:credit_backtest_change", args=[backtest.pk]))
            except PortalError as exc:
                _fail(self, request, exc)
        context = {**self.admin_site.each_context(request), "title": f"Backtest v{pk}", "form": form,
                   "rule_set": rule_set, "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/credit/ruleset/import.html", context)


class CreditRuleForm(forms.ModelForm):
    when = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "credit-when", "spellcheck": "false"}),
        help_text="The condition tree as JSON; the builder above edits it.",
    )

    class Meta:
        model = CreditRule
        fields = ["rule_set", "rule_id", "reason_code", "action", "weight", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_set"].queryset = RuleSet.objects.filter(status=RuleSet.Status.DRAFT)
        if self.instance.pk:
            self.initial["when"] = json.dumps(self.instance.when, ensure_ascii=False, indent=1)

    def clean_when(self):
        try:
            return json.loads(self.cleaned_data["when"])
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from exc

    def clean(self):
        data = super().clean()
        rule_set = data.get("rule_set")
        if self.errors or rule_set is None:
            return data
        problems: list[str] = []
        parse_rule(self.rule_data(), "", problems)
        for problem in problems:
            self.add_error("when", problem)
        clash = CreditRule.objects.filter(rule_set=rule_set, rule_id=data["rule_id"])
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            self.add_error("rule_id", "This id is already used in the rule set.")
        return data

    def rule_data(self) -> dict:
        data = self.cleaned_data
        return {
            "id": data["rule_id"],
            "reason_code": data["reason_code"],
            "action": data["action"],
            "weight": data["weight"],
            "when": data["when"],
            "description": data.get("description") or "",
        }


@admin.register(CreditRule)
class CreditRuleAdmin(admin.ModelAdmin):
    form = CreditRuleForm
    list_display = ("rule_id", "rule_set", "action", "weight", "reason_code", "description")
    list_filter = ("rule_set", "action")
    search_fields = ("rule_id", "reason_code", "description")
    list_per_page = 200
    change_form_template = "admin/credit/creditrule/change_form.html"

    class Media:
        js = ("credit/condition_builder.js",)
        css = {"all": ("credit/condition_builder.css",)}

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.rule_set.is_draft)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.rule_set.is_draft)

    def get_actions(self, request):
        return {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["feature_registry"] = registry_rows()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = services.rule_save(
            rule_set=form.cleaned_data["rule_set"],
            data=form.rule_data(),
            actor=request.user,
            rule=obj if change else None,
        )
        obj.pk, obj.rule_set_id = saved.pk, saved.rule_set_id

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {"fields": ["rule_set", "rule_id", "reason_code", "action", "weight", "when", "description"]},
            )
        ]

    def delete_model(self, request, obj):
        services.rule_delete(rule=obj, actor=request.user)


# --- Backtests, models ---------------------------------------------------------------------------


@admin.register(Backtest)
class BacktestAdmin(ReadOnlyAdmin):
    deletable = True
    list_display = ("public_id", "candidate", "baseline", "status", "sample_size", "created_by", "created_at")
    readonly_fields = ("public_id", "candidate", "candidate_model", "baseline", "baseline_model", "sample_size",
                       "status", "error", "created_by", "created_at", "finished_at")  # fmt: skip
    exclude = ("results", "changed")
    change_form_template = "admin/credit/backtest/change_form.html"


@admin.register(ScoreModel)
class ScoreModelAdmin(ReadOnlyAdmin):
    deletable = True
    list_display = ("__str__", "slot", "auc", "samples", "seed", "algorithm", "artefact", "trained_at")
    readonly_fields = [f.name for f in ScoreModel._meta.fields]
    actions = ["make_live", "make_shadow", "stop_shadow"]

    def get_actions(self, request):
        return super().get_actions(request) if request.user.has_perm("credit.publish_ruleset") else {}

    def _activate(self, request, queryset, slot: str) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one model.", messages.ERROR)
            return
        try:
            services.score_model_activate(model=queryset.get(), slot=slot, actor=request.user)
            self.message_user(request, f"Model is now {slot}.")
        except Exception as exc:  # a missing artefact must be a message, not a 500
            self.message_user(request, str(exc), messages.ERROR)

    @admin.action(description="Make the selected model live")
    def make_live(self, request, queryset):
        self._activate(request, queryset, Slot.LIVE)

    @admin.action(description="Run the selected model in shadow")
    def make_shadow(self, request, queryset):
        self._activate(request, queryset, Slot.SHADOW)

    @admin.action(description="Stop the shadow model")
    def stop_shadow(self, request, queryset):
        services.slot_clear(slot=Slot.SHADOW, actor=request.user, models=True)


# --- Review queue ---------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("approved", "Approve"), ("declined", "Decline")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("pending", "Waiting for review"), ("reviewed", "Reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(review_status=CreditCheck.ReviewStatus.PENDING)
        if self.value() == "reviewed":
            return queryset.filter(review_status__in=["approved", "declined"])
        return queryset


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "merchant", "mode", "amount", "decision", "review_status", "score", "ml_score",
                    "rule_set", "created_at")  # fmt: skip
    list_filter = (ReviewFilter, "decision", "mode")
    search_fields = ("public_id", "order_id")
    list_select_related = ("merchant", "rule_set")
    change_form_template = "admin/credit/creditcheck/change_form.html"

    def get_fields(self, request, obj=None):
        return ["public_id", "merchant", "mode", "order_id", "amount", "decision", "review_status", "reviewed_by",
                "reviewed_at", "review_note", "created_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="credit_creditcheck_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        check = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if check is not None:
            extra_context.update(
                check=check,
                can_review=request.user.has_perm("credit.review_creditcheck")
                and check.review_status == CreditCheck.ReviewStatus.PENDING,
                review_form=ReviewForm(),
                features=sorted(check.features.items()),
                history=selectors.buyer_checks(buyer=check.buyer),
                exposures=list(Exposure.objects.filter(buyer=check.buyer)[:20]),
                shadows=list(check.shadow_decisions.all()),
                application=sorted(check.application.items()),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, pk: int):
        if not request.user.has_perm("credit.review_creditcheck"):
            raise PermissionDenied
        check = get_object_or_404(CreditCheck, pk=pk)
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.credit_check_review(
                    check=check,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    reviewer=request.user,
                )
                self.message_user(request, f"{check.public_id}: {form.cleaned_data['outcome']}.")
            except PortalError as exc:
                _fail(self, request, exc)
        elif request.method == "POST":
            self.message_user(request, "Choose approve or decline and write a note.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:credit_creditcheck_change", args=[pk]))


@admin.register(Exposure)
class ExposureAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "status",
        "amount",
        "due_date",
        "reminder_count",
        "merchant",
        "mode",
        "authorized_at",
    )
    list_filter = ("status", "mode")
    readonly_fields = [f.name for f in Exposure._meta.fields]


# --- Lists and known fraud --------------------------------------------------------------------------


class ListEntryForm(forms.ModelForm):
    value = forms.CharField(max_length=300, help_text="Stored only as a keyed digest and a masked copy.")

    class Meta:
        model = ListEntry
        fields = ["mode", "list", "kind", "note"]


@admin.register(ListEntry)
class ListEntryAdmin(admin.ModelAdmin):
    form = ListEntryForm
    list_display = ("masked", "list", "kind", "mode", "note", "created_by", "created_at")
    list_filter = ("list", "kind", "mode")
    search_fields = ("masked", "note")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        entry = services.list_entry_add(mode=data["mode"], list_name=data["list"], kind=data["kind"],
                                        value=data["value"], note=data["note"], actor=request.user)  # fmt: skip
        obj.pk = entry.pk

    def delete_model(self, request, obj):
        services.list_entry_remove(entry=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.list_entry_remove(entry=entry, actor=request.user)


@admin.register(KnownFraud)
class KnownFraudAdmin(admin.ModelAdmin):
    list_display = ("kind", "text", "note", "created_at")
    list_filter = ("kind",)
    fields = ("kind", "text", "note")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        entry = services.known_fraud_add(
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
        obj.pk = entry.pk
