"""Operators post incidents and maintenance notices here; every change goes through a service
(and so the audit log). Check results are read-only: only the beat task writes them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from portal.admin_base import ReadOnlyAdmin
from portal.errors import PortalError
from status import checks, services
from status.models import ComponentStatus, Incident, Maintenance


def _component_choices() -> list[tuple[str, str]]:
    return list(checks.component_names().items())


class ComponentsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("base_field", None)
        kwargs.pop("max_length", None)
        super().__init__(choices=_component_choices, required=False, **kwargs)


class IncidentForm(forms.ModelForm):
    components = ComponentsField()
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Public message of this update (required with every change of status).",
        required=False,
    )

    class Meta:
        model = Incident
        fields = ["title", "status", "impact", "components"]

    def clean(self):
        cleaned = super().clean() or {}
        if "status" not in self.fields:  # a resolved incident: closed
            return cleaned
        changed_status = self.instance.pk is None or cleaned.get("status") != self.instance.status
        if changed_status and not (cleaned.get("message") or "").strip():
            self.add_error("message", "Say what is happening: the update is published.")
        return cleaned


class MaintenanceForm(forms.ModelForm):
    components = ComponentsField()

    class Meta:
        model = Maintenance
        fields = ["title", "message", "starts_at", "ends_at", "components"]

    def clean(self):
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The window ends after it starts.")
        return cleaned


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentForm
    list_display = ["title", "status", "impact", "created_at", "resolved_at"]
    list_filter = ["status", "impact"]
    search_fields = ["title", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at", "resolved_at", "published_updates"]

    def get_fields(self, request, obj=None):
        fields = ["title", "status", "impact", "components", "message"]
        return (
            fields
            if obj is None
            else ["public_id", *fields, "published_updates", "created_at", "resolved_at"]
        )

    @admin.display(description="Published updates")
    def published_updates(self, obj: Incident) -> str:
        rows = format_html_join(
            "",
            "<li>{} — <strong>{}</strong>: {}</li>",
            (
                (f"{u.created_at:%Y-%m-%d %H:%M:%S}", u.get_status_display(), u.message)
                for u in obj.updates.all()
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Incident.Status.RESOLVED:
            return [*self.readonly_fields, "title", "status", "impact", "components"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a published incident stays in the history

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        try:
            if not change:
                created = services.incident_create(
                    title=data["title"], impact=data["impact"], components=data["components"],
                    message=data["message"], status=data["status"], actor=request.user,
                )  # fmt: skip
                obj.pk, obj.public_id = created.pk, created.public_id
                return
            current = Incident.objects.get(pk=obj.pk)
            if current.status == Incident.Status.RESOLVED:
                self.message_user(request, "A resolved incident is closed.", messages.WARNING)
                return
            services.incident_edit(
                incident=current, title=data["title"], impact=data["impact"],
                components=data["components"], actor=request.user,
            )  # fmt: skip
            if data["status"] != current.status or data["message"].strip():
                services.incident_update_post(
                    incident=current, status=data["status"], message=data["message"], actor=request.user
                )
        except PortalError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(Maintenance)
class MaintenanceAdmin(admin.ModelAdmin):
    form = MaintenanceForm
    list_display = ["title", "starts_at", "ends_at"]
    search_fields = ["title", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        fields = {k: data[k] for k in ("title", "message", "starts_at", "ends_at", "components")}
        try:
            if change:
                services.maintenance_edit(
                    notice=Maintenance.objects.get(pk=obj.pk), actor=request.user, **fields
                )
            else:
                created = services.maintenance_create(actor=request.user, **fields)
                obj.pk, obj.public_id = created.pk, created.public_id
        except PortalError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(ComponentStatus)
class ComponentStatusAdmin(ReadOnlyAdmin):
    list_display = ["component", "state", "reason", "checked_at", "since"]
