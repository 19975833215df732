"""Reads of bulk payments for the API and the admin."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from payments.bulk import errors
from payments.bulk.models import PaymentBulk, PaymentBulkDetail, PaymentBulkLineError
from payments.selectors import apply_sort, day_end, day_start
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant

BULK_SORT = {
    "process_plan_date": "process_plan_date", "status": "status", "pay_type": "pay_type",
    "file_name": "file_name", "delete_flag": "deleted_at", "created": "created",
}  # fmt: skip


def bulks(*, merchant: Merchant, mode: str) -> QuerySet[PaymentBulk]:
    return PaymentBulk.objects.filter(merchant=merchant, mode=mode).select_related("merchant")


def bulk_get(*, merchant: Merchant, mode: str, bulk_id: str) -> PaymentBulk:
    found = one_or_none(bulks(merchant=merchant, mode=mode).filter(bulk_id=bulk_id))
    if found is None:
        raise PortalError(errors.BULK_NOT_FOUND)
    return found


def bulk_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[PaymentBulk]:
    queryset = bulks(merchant=merchant, mode=mode)
    if filters.get("pay_type"):
        queryset = queryset.filter(pay_type=filters["pay_type"])
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("file_name"):
        queryset = queryset.filter(file_name__icontains=filters["file_name"])
    if filters.get("delete_flag") == "1":
        queryset = queryset.filter(deleted_at__isnull=False)
    elif filters.get("delete_flag") == "0":
        queryset = queryset.filter(deleted_at__isnull=True)
    if filters.get("process_plan_date_from"):
        queryset = queryset.filter(process_plan_date__gte=filters["process_plan_date_from"])
    if filters.get("process_plan_date_to"):
        queryset = queryset.filter(process_plan_date__lte=filters["process_plan_date_to"])
    if filters.get("created_from"):
        queryset = queryset.filter(created__gte=day_start(filters["created_from"]))
    if filters.get("created_to"):
        queryset = queryset.filter(created__lte=day_end(filters["created_to"]))
    return apply_sort(queryset, filters.get("sort"), BULK_SORT, area=errors.AREA)


def bulk_details(*, bulk: PaymentBulk, filters: dict[str, Any]) -> QuerySet[PaymentBulkDetail]:
    queryset = PaymentBulkDetail.objects.filter(bulk=bulk).select_related(
        "bulk__merchant", "payment", "payment__card"
    )
    if filters.get("order_id"):
        queryset = queryset.filter(order_id=filters["order_id"])
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    return queryset.order_by("line")


def bulk_line_errors(*, bulk: PaymentBulk) -> QuerySet[PaymentBulkLineError]:
    return PaymentBulkLineError.objects.filter(bulk=bulk).order_by("line")
