"""Reads of the payments domain: lookups scoped to a merchant and mode, lists with fincode's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, QuerySet

from payments import errors
from payments.models import Card, Customer, Payment
from portal.db import RowLookup, one_or_none
from portal.errors import FieldError, PortalError
from portal.models import Merchant

JST = ZoneInfo("Asia/Tokyo")


# Every API call on a payment reads it: precompiled (see ``RowLookup``), by its unique keys.
_PAYMENT_BY_ORDER_ID = RowLookup(Payment, "merchant", "mode", "order_id")
_PAYMENT_BY_ACCESS_ID = RowLookup(Payment, "access_id")


def payment_get(*, merchant: Merchant, mode: str, order_id: str) -> Payment:
    """A payment of this merchant in this mode, else 404 (other merchants' and modes' look the same)."""
    payment = _PAYMENT_BY_ORDER_ID.get(merchant.pk, mode, order_id)
    if payment is None:
        raise PortalError(errors.PAYMENT_NOT_FOUND)
    payment.merchant = merchant  # known: no join, no second query
    return payment


def payment_by_access_id(*, merchant: Merchant, mode: str, access_id: str) -> Payment:
    payment = _PAYMENT_BY_ACCESS_ID.get(access_id)
    if payment is None or payment.merchant_id != merchant.pk or payment.mode != mode:
        raise PortalError(errors.PAYMENT_NOT_FOUND)
    payment.merchant = merchant
    return payment


def customer_get(*, merchant: Merchant, mode: str, customer_id: str) -> Customer:
    customer = one_or_none(Customer.objects.filter(merchant=merchant, mode=mode, customer_id=customer_id))
    if customer is None:
        raise PortalError(errors.CUSTOMER_NOT_FOUND)
    return customer


def card_get(*, customer: Customer, card_id: str) -> Card:
    card = one_or_none(Card.objects.filter(customer=customer, card_id=card_id))
    if card is None:
        raise PortalError(errors.CARD_NOT_FOUND)
    return card


def parse_day(value: str, *, area: str, field: str) -> date:
    """fincode's ``yyyy/MM/dd`` (``yyyy-MM-dd`` accepted too)."""
    try:
        return datetime.strptime(value.replace("-", "/"), "%Y/%m/%d").date()
    except ValueError as exc:
        raise FieldError(area, field, "invalid", "must be a date yyyy/MM/dd") from exc


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


def day_end(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=JST)


def apply_sort(queryset: QuerySet, sort: str | None, allowed: dict[str, str], *, area: str) -> QuerySet:
    """fincode's ``sort=updated desc,created asc`` over a whitelist of fields."""
    if not sort:
        return queryset.order_by("-" + allowed.get("created", "created"), "-id")  # newest first
    ordering = []
    for part in sort.split(","):
        words = part.replace("+", " ").split()
        if not words or len(words) > 2 or words[0] not in allowed:
            raise FieldError(
                area, "sort", "invalid", f"sortable fields are {', '.join(allowed)}, with asc or desc"
            )
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise FieldError(area, "sort", "invalid", "the order must be asc or desc")
        column = F(allowed[words[0]])
        ordering.append(column.desc(nulls_last=True) if direction == "desc" else column.asc(nulls_last=True))
    return queryset.order_by(*ordering, "-id")


PAYMENT_SORT = {
    "status": "status",
    "process_date": "process_date",
    "total_amount": "total",
    "auth_max_date": "auth_max_date",
    "created": "created",
    "updated": "updated",
}


def payment_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Payment]:
    queryset = Payment.objects.filter(merchant=merchant, mode=mode, pay_type=filters["pay_type"]).annotate(
        total=F("amount") + F("tax")
    )
    exact = {
        name: filters[name]
        for name in ("client_field_1", "client_field_2", "client_field_3")
        if filters.get(name)
    }
    queryset = queryset.filter(**exact)
    if filters.get("customer_id"):
        queryset = queryset.filter(customer__customer_id=filters["customer_id"])
    if filters.get("id"):
        queryset = queryset.filter(order_id=filters["id"])
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("total_amount_min") is not None:
        queryset = queryset.filter(total__gte=filters["total_amount_min"])
    if filters.get("total_amount_max") is not None:
        queryset = queryset.filter(total__lte=filters["total_amount_max"])
    ranges = {
        "process_date": "process_date",
        "update_date": "updated",
        "auth_max_date": "auth_max_date",
        "created": "created",
    }
    for prefix, column in ranges.items():
        if filters.get(f"{prefix}_from"):
            queryset = queryset.filter(**{f"{column}__gte": day_start(filters[f"{prefix}_from"])})
        if filters.get(f"{prefix}_to"):
            queryset = queryset.filter(**{f"{column}__lte": day_end(filters[f"{prefix}_to"])})
    return apply_sort(queryset, filters.get("sort"), PAYMENT_SORT, area="10")


CUSTOMER_SORT = {
    "id": "customer_id",
    "name": "name",
    "email": "email",
    "created": "created",
    "updated": "updated",
}


def customer_list(*, merchant: Merchant, mode: str, filters: dict[str, Any]) -> QuerySet[Customer]:
    queryset = Customer.objects.filter(merchant=merchant, mode=mode)
    if filters.get("id"):
        queryset = queryset.filter(customer_id=filters["id"])
    if filters.get("name"):
        queryset = queryset.filter(name__icontains=filters["name"])
    if filters.get("email"):
        queryset = queryset.filter(email__iexact=filters["email"])
    if filters.get("created_from"):
        queryset = queryset.filter(created__gte=day_start(filters["created_from"]))
    if filters.get("created_to"):
        queryset = queryset.filter(created__lte=day_end(filters["created_to"]))
    return apply_sort(queryset, filters.get("sort"), CUSTOMER_SORT, area="12")


@dataclass
class Page:
    items: list
    total_count: int
    last_page: int
    current_page: int
    limit: int


def paginate(queryset: QuerySet, *, page: int, limit: int, count_only: bool) -> Page:
    total = queryset.count()
    last_page = max(1, -(-total // limit))
    items = [] if count_only else list(queryset[(page - 1) * limit : page * limit])
    return Page(items=items, total_count=total, last_page=last_page, current_page=page, limit=limit)
