"""Operators' view of invoices, their lines and reminders. Read-only: merchants change them
through the API."""

from __future__ import annotations

from django.contrib import admin

from payments.invoices.models import Invoice, InvoiceLine, InvoiceReminder
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.roles import register_group_permissions

register_group_permissions("operator", ["invoices.view_invoice", "invoices.view_invoicereminder"])


class LineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["position", "date", "name", "unit_price", "quantity", "tax_rate"]


class ReminderInline(ReadOnlyInline):
    model = InvoiceReminder
    fields = ["kind", "sent_to", "created"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "invoice_id", "merchant", "mode", "status", "total_amount", "due_date", "transaction_date",
        "is_paid_externally", "is_uncollectible",
    ]  # fmt: skip
    list_filter = ["mode", "status"]
    search_fields = ["invoice_id", "invoice_number", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]
    inlines = [LineInline, ReminderInline]
