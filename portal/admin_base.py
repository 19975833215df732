"""What every app's admin builds on: rows that only services write, shown read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

# A web address typed without a scheme is read as https, as Django 6 will read it (and as
# Django 5.2 warns about, for each form field built without saying).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never added, changed or deleted here.

    ``deletable = True``: operators may delete them (with the model's delete permission)."""

    deletable = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """A parent's rows, shown in its page: never added, changed or deleted there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
