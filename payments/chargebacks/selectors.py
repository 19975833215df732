"""Reads of chargebacks: a shop's list as ``GET /v1/shop_charge_backs`` filters it, one of its own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from payments.chargebacks import errors
from payments.chargebacks.models import Chargeback, Status
from payments.selectors import apply_sort, day_end, day_start
from portal.errors import PortalError
from portal.models import Merchant

SORT = {"id": "chargeback_id", "opened_to_shop_date": "opened_to_shop_date"}


def chargeback_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Chargeback]:
    queryset = Chargeback.objects.filter(merchant=merchant, mode=mode).select_related("merchant", "payment")
    if filters.get("order_id"):
        queryset = queryset.filter(payment__order_id=filters["order_id"])
    if filters.get("amount") is not None:
        queryset = queryset.filter(amount=filters["amount"])
    for name, column in (("request", "request"), ("status_code", "status_code"), ("category", "category")):
        if filters.get(name):
            queryset = queryset.filter(**{f"{column}__in": filters[name]})
    # fincode: ``canceled`` counts only when the status filter names 4009 (精算済み).
    if filters.get("canceled") is not None and Status.SETTLED in (filters.get("status_code") or []):
        settled = queryset.filter(status_code=Status.SETTLED, canceled=filters["canceled"])
        queryset = queryset.exclude(status_code=Status.SETTLED) | settled
    if filters.get("process_date_since"):
        queryset = queryset.filter(process_date__gte=filters["process_date_since"])
    if filters.get("process_date_until"):
        queryset = queryset.filter(process_date__lte=filters["process_date_until"])
    if filters.get("opened_to_shop_date_since"):
        queryset = queryset.filter(opened_to_shop_date__gte=day_start(filters["opened_to_shop_date_since"]))
    if filters.get("opened_to_shop_date_until"):
        queryset = queryset.filter(opened_to_shop_date__lte=day_end(filters["opened_to_shop_date_until"]))
    if not filters.get("sort"):
        return queryset.order_by("-opened_to_shop_date", "-id")
    return apply_sort(queryset, filters["sort"], SORT, area="26")


def chargeback_get(*, merchant: Merchant, mode: str, chargeback_id: str | int) -> Chargeback:
    """One of the shop's chargebacks in the key's mode; anything else is not found."""
    if not str(chargeback_id).isdigit() or len(str(chargeback_id)) > 12:
        raise PortalError(errors.CHARGEBACK_NOT_FOUND)
    chargeback = (
        Chargeback.objects.select_related("merchant", "payment")
        .filter(merchant=merchant, mode=mode, chargeback_id=int(chargeback_id))
        .first()
    )
    if chargeback is None:
        raise PortalError(errors.CHARGEBACK_NOT_FOUND)
    return chargeback
