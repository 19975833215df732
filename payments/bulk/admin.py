"""Operators' view of bulk payments, their lines and their files' line errors.

Read-only: merchants upload and delete them through the API; Celery charges them.
"""

from __future__ import annotations

from django.contrib import admin

from payments.bulk.models import PaymentBulk, PaymentBulkDetail, PaymentBulkLineError
from portal.admin_base import ReadOnlyAdmin, ReadOnlyInline
from portal.roles import register_group_permissions

register_group_permissions(
    "operator", ["bulk.view_paymentbulk", "bulk.view_paymentbulkdetail", "bulk.view_paymentbulklineerror"]
)


class DetailInline(ReadOnlyInline):
    model = PaymentBulkDetail
    fields = ["line", "order_id", "status", "amount", "tax", "customer_id", "card_id", "error_code", "tries"]


class LineErrorInline(ReadOnlyInline):
    model = PaymentBulkLineError
    fields = ["line", "order_id", "errors"]


@admin.register(PaymentBulk)
class PaymentBulkAdmin(ReadOnlyAdmin):
    list_display = [
        "bulk_id", "merchant", "mode", "pay_type", "status", "process_plan_date", "file_name", "total_count",
        "success_count", "failure_count", "deleted_at",
    ]  # fmt: skip
    list_filter = ["mode", "status", "pay_type"]
    search_fields = ["bulk_id", "file_name", "merchant__name", "merchant__public_id"]
    list_select_related = ["merchant"]
    inlines = [DetailInline, LineErrorInline]


@admin.register(PaymentBulkDetail)
class PaymentBulkDetailAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "bulk", "line", "status", "amount", "tax", "error_code"]
    list_filter = ["status"]
    search_fields = ["order_id", "bulk__bulk_id", "customer_id"]
    list_select_related = ["bulk"]
