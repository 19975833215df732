"""Uploading a bulk file: read, check every line, store the bulk whole — or refuse the file.

The bulk, its payments and its lines' errors are written in one transaction: a request that
fails writes nothing. A file with bad lines is stored as an ERROR bulk whose lines' errors
the detail list shows (fincode's ``error_detail``), and is never charged; the merchant
uploads a corrected file. The same file (same bytes) uploaded again answers its bulk: the
content hash is unique per merchant and mode, so a file is never charged twice.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from payments.bulk import errors
from payments.bulk.files import UNKNOWN, file_lines
from payments.bulk.models import PaymentBulk, PaymentBulkDetail, PaymentBulkLineError
from payments.bulk.webhooks import regist_event
from payments.methods.registry import bulk_for
from payments.models import Payment
from portal.db import one_or_none
from portal.errors import FieldError, PortalError
from portal.models import Merchant

ORDER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,30}$")
AMOUNT = re.compile(r"^[1-9][0-9]{0,6}$")
TAX = re.compile(r"^(0|[1-9][0-9]{0,6})$")
LENGTHS = {
    "customer_id": 60,
    "card_id": 25,
    "client_field_1": 100,
    "client_field_2": 100,
    "client_field_3": 100,
}
LOCK_NAMESPACE = 2101  # pg_advisory_xact_lock(namespace, merchant): one upload per merchant at a time


def business_today() -> date:
    """Today in Japan (``TIME_ZONE``)."""
    return timezone.localdate()


def _error(problem: PortalError) -> dict[str, str]:
    return {"error_code": problem.code, "error_message": problem.message}


def _line_problems(line: dict[str, Any]) -> list[PortalError]:
    """What is wrong with one line by itself (its references are checked by the pay type)."""
    problems: list[PortalError] = []
    if line[UNKNOWN]:
        problems.append(PortalError(errors.COLUMN_UNKNOWN, f"file: not a column: {', '.join(line[UNKNOWN])}"))
    for name, pattern, required in (("id", ORDER_ID, True), ("amount", AMOUNT, True), ("tax", TAX, False)):
        value = line.get(name)
        if not value:
            if required:
                problems.append(FieldError(errors.AREA, name, "required"))
        elif not pattern.match(value):
            problems.append(FieldError(errors.AREA, name, "invalid"))
    if not line.get("customer_id"):
        problems.append(FieldError(errors.AREA, "customer_id", "required"))
    for name, length in LENGTHS.items():
        value = line.get(name)
        if value and "\x00" in value:
            problems.append(FieldError(errors.AREA, name, "invalid"))
        elif value and len(value) > length:
            problems.append(FieldError(errors.AREA, name, "max_length"))
    return problems


def _order_ids_taken(merchant: Merchant, mode: str, order_ids: set[str]) -> set[str]:
    payments = Payment.objects.filter(merchant=merchant, mode=mode, order_id__in=order_ids)
    bulks = PaymentBulkDetail.objects.filter(
        bulk__merchant=merchant, bulk__mode=mode, bulk__deleted_at__isnull=True, order_id__in=order_ids
    )
    return set(payments.values_list("order_id", flat=True)) | set(bulks.values_list("order_id", flat=True))


def _checked(merchant: Merchant, mode: str, pay_type: str, lines: list[dict[str, Any]]) -> dict[int, list]:
    """Every line's problems, by line number (lines without any are left out)."""
    problems = {line["line"]: _line_problems(line) for line in lines}
    seen: set[str] = set()
    for line in lines:
        order_id = line.get("id")
        if order_id and order_id in seen:
            problems[line["line"]].append(PortalError(errors.ORDER_ID_TWICE, field="id"))
        seen.add(order_id or "")
    taken = _order_ids_taken(merchant, mode, {line["id"] for line in lines if line.get("id")})
    for line in lines:
        if line.get("id") in taken:
            problems[line["line"]].append(PortalError(errors.ORDER_ID_USED, field="id"))
    sound = [line for line in lines if not problems[line["line"]]]
    for number, found in bulk_for(pay_type).check_lines(merchant=merchant, mode=mode, lines=sound).items():
        problems[number].extend(found)
    return {number: found for number, found in problems.items() if found}


def _existing(merchant: Merchant, mode: str, file_hash: str) -> PaymentBulk | None:
    return one_or_none(
        PaymentBulk.objects.filter(merchant=merchant, mode=mode, file_hash=file_hash, deleted_at__isnull=True)
    )


def bulk_upload(
    *, merchant: Merchant, mode: str, pay_type: str, process_plan_date: date, file_name: str, raw: bytes
) -> PaymentBulk:
    """The bulk of this file: the one stored before for the same bytes, else a new one."""
    bulk_for(pay_type)
    file_hash = hashlib.sha256(raw).hexdigest()
    if (found := _existing(merchant, mode, file_hash)) is not None:
        return found
    if process_plan_date < business_today():
        raise PortalError(errors.PROCESS_PLAN_DATE_PAST, field="process_plan_date")
    lines = file_lines(raw)
    try:
        return _bulk_store(
            merchant=merchant,
            mode=mode,
            pay_type=pay_type,
            process_plan_date=process_plan_date,
            file_name=file_name,
            file_hash=file_hash,
            lines=lines,
        )
    except IntegrityError:  # the same file, uploaded at the same moment by another request
        found = _existing(merchant, mode, file_hash)
        if found is None:
            raise
        return found


@transaction.atomic
def _bulk_store(
    *,
    merchant: Merchant,
    mode: str,
    pay_type: str,
    process_plan_date: date,
    file_name: str,
    file_hash: str,
    lines: list[dict[str, Any]],
) -> PaymentBulk:
    with connection.cursor() as cursor:  # order ids are checked against other bulks: one at a time
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, merchant.pk])
    if (found := _existing(merchant, mode, file_hash)) is not None:
        return found
    problems = _checked(merchant, mode, pay_type, lines)
    bulk = PaymentBulk.objects.create(
        merchant=merchant,
        mode=mode,
        pay_type=pay_type,
        status=PaymentBulk.Status.ERROR if problems else PaymentBulk.Status.CHECKED,
        process_plan_date=process_plan_date,
        file_name=file_name[:100] or "bulk",
        file_hash=file_hash,
        total_count=len(lines),
        error_code=problems[max(problems)][-1].code if problems else "",
    )
    if problems:
        PaymentBulkLineError.objects.bulk_create(
            PaymentBulkLineError(
                bulk=bulk,
                line=number,
                order_id=(lines[number - 1].get("id") or "")[:200],
                errors=[_error(problem) for problem in found],
            )
            for number, found in sorted(problems.items())
        )
    else:
        PaymentBulkDetail.objects.bulk_create(
            PaymentBulkDetail(
                bulk=bulk,
                line=line["line"],
                order_id=line["id"],
                amount=int(line["amount"]),
                tax=int(line.get("tax") or 0),
                customer_id=line["customer_id"],
                card_id=line.get("card_id") or "",
                client_field_1=line.get("client_field_1") or "",
                client_field_2=line.get("client_field_2") or "",
                client_field_3=line.get("client_field_3") or "",
            )
            for line in lines
        )
    regist_event(bulk=bulk, error_count=len(problems))
    return bulk


@transaction.atomic
def bulk_delete(*, bulk: PaymentBulk) -> PaymentBulk:
    """Delete a bulk not yet charged (CHECKED), in one conditional update: a bulk that has
    started meanwhile is refused."""
    now = timezone.now()
    deleted = PaymentBulk.objects.filter(
        pk=bulk.pk, status=PaymentBulk.Status.CHECKED, deleted_at__isnull=True
    ).update(deleted_at=now, updated=now)
    if not deleted:
        raise PortalError(errors.BULK_NOT_DELETABLE)
    bulk.refresh_from_db()
    return bulk
