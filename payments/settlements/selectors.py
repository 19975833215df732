"""Reads of settlements: statements (fincode's accounts), their lines and platform statements."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet

from payments.selectors import apply_sort
from payments.settlements import errors
from payments.settlements.models import PlatformStatement, Statement, StatementLine
from portal.errors import PortalError
from portal.models import Merchant

ACCOUNT_SORT = {
    "scheduled_deposit_date": "scheduled_deposit_date",
    "aggregate_term_start": "term_start",
    "aggregate_term_end": "term_end",
    "total_amount": "total_amount",
    "deposit_amount": "deposit_amount",
    "created": "created",
    "updated": "updated",
}


def parse_month(value: str) -> tuple[int, int]:
    try:
        day = datetime.strptime(value, "%Y/%m")
    except ValueError as exc:
        raise PortalError(errors.PROCESSED_INVALID) from exc
    return day.year, day.month


def parse_day(value: str, error) -> date:
    try:
        return datetime.strptime(value.replace("-", "/"), "%Y/%m/%d").date()
    except ValueError as exc:
        raise PortalError(error) from exc


def parse_statuses(value: str) -> list[int]:
    try:
        codes = [int(part) for part in value.split(",")]
    except ValueError as exc:
        raise PortalError(errors.STATUS_INVALID) from exc
    if not codes or any(not 3001 <= code <= 3013 for code in codes):
        raise PortalError(errors.STATUS_INVALID)
    return codes


def _scheduled(queryset: QuerySet, filters: dict) -> QuerySet:
    if filters.get("scheduled_from"):
        day = parse_day(filters["scheduled_from"], errors.SCHEDULED_FROM_INVALID)
        queryset = queryset.filter(scheduled_deposit_date__gte=day)
    if filters.get("scheduled_to"):
        day = parse_day(filters["scheduled_to"], errors.SCHEDULED_TO_INVALID)
        queryset = queryset.filter(scheduled_deposit_date__lte=day)
    return queryset


def _filtered(queryset: QuerySet, filters: dict) -> QuerySet:
    if filters.get("processed"):
        year, month = parse_month(filters["processed"])
        queryset = queryset.filter(term_end__year=year, term_end__month=month)
    if filters.get("status"):
        queryset = queryset.filter(status_code__in=parse_statuses(str(filters["status"])))
    return apply_sort(_scheduled(queryset, filters), filters.get("sort"), ACCOUNT_SORT, area="25")


def _one(queryset: QuerySet, error):
    found = queryset.first()
    if found is None:
        raise PortalError(error)
    return found


def statement_list(*, merchant: Merchant, mode: str, filters: dict) -> QuerySet[Statement]:
    return _filtered(
        Statement.objects.filter(merchant=merchant, mode=mode).select_related("merchant"), filters
    )


def statement_get(*, merchant: Merchant, mode: str, public_id: str) -> Statement:
    queryset = Statement.objects.filter(merchant=merchant, mode=mode, public_id=public_id)
    return _one(queryset.select_related("merchant"), errors.ACCOUNT_NOT_FOUND)


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    return StatementLine.objects.filter(statement=statement).select_related("posting").order_by("id")


def platform_statement_list(*, platform: Merchant, mode: str, filters: dict) -> QuerySet[PlatformStatement]:
    queryset = PlatformStatement.objects.filter(platform=platform, mode=mode).select_related("platform")
    return _filtered(queryset, filters)


def platform_statement_get(*, platform: Merchant, mode: str, public_id: str) -> PlatformStatement:
    queryset = PlatformStatement.objects.filter(platform=platform, mode=mode, public_id=public_id)
    return _one(queryset.select_related("platform"), errors.PLATFORM_ACCOUNT_NOT_FOUND)


def platform_statement_summaries(
    *, platform_statement: PlatformStatement, filters: dict
) -> QuerySet[Statement]:
    """The tenant statements whose platform fees make a platform statement (one summary each)."""
    return _scheduled(platform_statement.tenant_statements.select_related("merchant").order_by("id"), filters)
