"""Reads of invoices for the API and the hosted page."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from payments.invoices import errors
from payments.invoices.models import Invoice
from payments.selectors import day_end, day_start
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant


def invoices(*, merchant: Merchant, mode: str) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(merchant=merchant, mode=mode, deleted_at__isnull=True)
        .select_related("merchant", "customer", "transfer_payment")
        .prefetch_related("lines")
    )


def invoice_get(*, merchant: Merchant, mode: str, invoice_id: str) -> Invoice:
    found = one_or_none(invoices(merchant=merchant, mode=mode).filter(invoice_id=invoice_id))
    if found is None:
        raise PortalError(errors.INVOICE_NOT_FOUND)
    return found


def invoice_by_page(*, token: str) -> Invoice | None:
    return one_or_none(
        Invoice.objects.filter(page_token=token, deleted_at__isnull=True)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("merchant", "customer", "transfer_payment", "card_payment")
        .prefetch_related("lines")
    )


def invoice_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Invoice]:
    queryset = invoices(merchant=merchant, mode=mode)
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("keyword"):
        word = filters["keyword"]
        queryset = queryset.filter(
            Q(invoice_id__icontains=word) | Q(invoice_number__icontains=word) | Q(memo__icontains=word)
        )
    for name, lookup in (("customer_id", "customer__customer_id"), ("invoice_number", "invoice_number")):
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    if filters.get("customer_name"):
        queryset = queryset.filter(customer__name__icontains=filters["customer_name"])
    if filters.get("is_uncollectible") is not None:
        queryset = queryset.filter(is_uncollectible=filters["is_uncollectible"])
    if filters.get("total_amount_min") is not None:
        queryset = queryset.filter(total_amount__gte=filters["total_amount_min"])
    if filters.get("total_amount_max") is not None:
        queryset = queryset.filter(total_amount__lte=filters["total_amount_max"])
    for name in ("due_date", "issue_date", "transaction_date"):
        if filters.get(f"{name}_from"):
            queryset = queryset.filter(**{f"{name}__gte": filters[f"{name}_from"]})
        if filters.get(f"{name}_to"):
            queryset = queryset.filter(**{f"{name}__lte": filters[f"{name}_to"]})
    if filters.get("lines_date_from"):
        queryset = queryset.filter(lines__date__gte=filters["lines_date_from"]).distinct()
    if filters.get("lines_date_to"):
        queryset = queryset.filter(lines__date__lte=filters["lines_date_to"]).distinct()
    if filters.get("created_from"):
        queryset = queryset.filter(created__gte=day_start(filters["created_from"]))
    if filters.get("created_to"):
        queryset = queryset.filter(created__lte=day_end(filters["created_to"]))
    return queryset.order_by("-created", "-id")
