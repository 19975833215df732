"""Charging a bulk on its process plan date: each line once, whatever processes race, repeat or die.

* **claim** the bulk (one conditional UPDATE): CHECKED and due, or RUNNING with no live
  lease, becomes RUNNING with a lease; a second process finds nothing to claim.
* each CHECKED line: **register** its payment under the line's order id and link it, in one
  transaction with the line locked (a payment with that order id that is not the line's is
  someone else's: the line fails); **pay** it from the saved card, unless made or in doubt
  (the payments core's pending-operation protocol makes the acquirer call safe to repeat and
  reconciles an answer lost in a crash); **settle** the line from the payment's outcome.
* **finish**: once no line is CHECKED the bulk is COMPLETED with its counts and the
  ``payments.bulk.<pay type>.batch`` event; otherwise (a payment in doubt, an acquirer that
  did not answer) the lease is released and the next sweep takes the bulk up again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import errors as payment_errors
from payments.bulk import errors
from payments.bulk.models import PaymentBulk, PaymentBulkDetail
from payments.bulk.webhooks import batch_event
from payments.methods.registry import bulk_for
from payments.models import JobCode, Payment, Status
from payments.services.registration import payment_register
from portal.db import one_or_none
from portal.errors import PortalError

logger = logging.getLogger(__name__)

ACTOR = "bulk"
SUCCEEDED, FAILED, IN_DOUBT, TO_PAY = "succeeded", "failed", "in doubt", "to pay"
# Refusals that say "not now" rather than "no": the line is tried again by a later run.
TRANSIENT = {
    payment_errors.PAYMENT_BUSY.code, payment_errors.PROVIDER_UNAVAILABLE.code,
    payment_errors.PROVIDER_TIMEOUT.code, payment_errors.PROVIDER_ERROR.code,
}  # fmt: skip


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.BULK_LEASE_SECONDS)


def due_bulks(*, today: date, limit: int = 100) -> list[int]:
    """Bulks to charge by ``today``, and those a process left before finishing (lease run out)."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = PaymentBulk.objects.filter(
        free,
        status__in=[PaymentBulk.Status.CHECKED, PaymentBulk.Status.RUNNING],
        process_plan_date__lte=today,
        deleted_at__isnull=True,
    )
    return list(due.order_by("process_plan_date", "pk").values_list("pk", flat=True)[:limit])


def bulk_claim(*, bulk_pk: int, today: date) -> bool:
    now = timezone.now()
    claimed = (
        PaymentBulk.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            pk=bulk_pk,
            status__in=[PaymentBulk.Status.CHECKED, PaymentBulk.Status.RUNNING],
            process_plan_date__lte=today,
            deleted_at__isnull=True,
        ).update(status=PaymentBulk.Status.RUNNING, lease_until=_lease_end(), updated=now)
        == 1
    )
    if claimed:
        PaymentBulk.objects.filter(pk=bulk_pk, process_start_date__isnull=True).update(process_start_date=now)
    return claimed


def _outcome(payment: Payment) -> str:
    if payment.status in (Status.CAPTURED, Status.AUTHORIZED):
        return SUCCEEDED
    if payment.pending_operation:
        return IN_DOUBT
    if payment.status == Status.UNPROCESSED and (not payment.error_code or payment.error_code in TRANSIENT):
        return TO_PAY  # not tried, or the acquirer never got it (nothing charged)
    return FAILED


@transaction.atomic
def _line_payment(*, detail_pk: int) -> tuple[PaymentBulkDetail, Payment | None] | None:
    """The line (locked) and its payment, registered now if it has none yet; None when another
    process holds the line or it is settled. A payment is None when the order id is taken."""
    detail = one_or_none(
        PaymentBulkDetail.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("bulk", "bulk__merchant")
        .filter(pk=detail_pk, status=PaymentBulkDetail.Status.CHECKED)
    )
    if detail is None:
        return None
    if detail.payment_id is not None:
        return detail, Payment.objects.select_related("merchant").get(pk=detail.payment_id)
    bulk = detail.bulk
    try:
        with transaction.atomic():
            payment = payment_register(
                merchant=bulk.merchant,
                mode=bulk.mode,
                data={
                    "pay_type": bulk.pay_type,
                    "job_code": JobCode.CAPTURE,
                    "amount": detail.amount,
                    "tax": detail.tax,
                    "id": detail.order_id,
                    "client_field_1": detail.client_field_1 or None,
                    "client_field_2": detail.client_field_2 or None,
                    "client_field_3": detail.client_field_3 or None,
                },
                actor=ACTOR,
            )
    except PortalError as exc:  # the order id taken since the upload, a contract or limit refusal
        _line_settle(detail=detail, status=PaymentBulkDetail.Status.FAILED, error_code=exc.code)
        return None
    detail.payment = payment
    detail.save(update_fields=["payment", "updated"])
    return detail, payment


def _line_settle(*, detail: PaymentBulkDetail, status: str, error_code: str = "") -> bool:
    return (
        PaymentBulkDetail.objects.filter(pk=detail.pk, status=PaymentBulkDetail.Status.CHECKED).update(
            status=status, error_code=error_code, updated=timezone.now()
        )
        == 1
    )


def line_charge(*, detail_pk: int) -> str:
    """Register, pay and settle one line. Safe to run any number of times, in any processes."""
    found = _line_payment(detail_pk=detail_pk)
    if found is None:
        return "nothing to do"
    detail, payment = found
    assert payment is not None
    refusal = None
    if _outcome(payment) == TO_PAY and detail.tries < settings.BULK_CHARGE_TRIES:
        PaymentBulkDetail.objects.filter(pk=detail.pk).update(tries=F("tries") + 1)
        detail.tries += 1
        try:
            payment = bulk_for(detail.bulk.pay_type).execute(payment=payment, line=detail)
        except PortalError as exc:
            refusal = exc.code
        payment.refresh_from_db()
    outcome = _outcome(payment)
    if outcome == TO_PAY and (
        (refusal and refusal not in TRANSIENT) or detail.tries >= settings.BULK_CHARGE_TRIES
    ):
        outcome = FAILED
    if outcome == SUCCEEDED:
        _line_settle(detail=detail, status=PaymentBulkDetail.Status.SUCCEEDED)
    elif outcome == FAILED:
        code = refusal or payment.error_code or errors.LINE_FAILED.code
        _line_settle(detail=detail, status=PaymentBulkDetail.Status.FAILED, error_code=code)
    return outcome


@transaction.atomic
def bulk_finish(*, bulk_pk: int) -> str:
    """COMPLETED once every line is settled (with the batch event); else release the lease."""
    bulk = PaymentBulk.objects.select_for_update().select_related("merchant").get(pk=bulk_pk)
    if bulk.status != PaymentBulk.Status.RUNNING:
        return bulk.status
    details = PaymentBulkDetail.objects.filter(bulk=bulk)
    if details.filter(status=PaymentBulkDetail.Status.CHECKED).exists():
        bulk.lease_until = None  # lines in doubt or not answered: the next sweep goes on
        bulk.save(update_fields=["lease_until", "updated"])
        return bulk.status
    bulk.success_count = details.filter(status=PaymentBulkDetail.Status.SUCCEEDED).count()
    bulk.failure_count = details.filter(status=PaymentBulkDetail.Status.FAILED).count()
    last_failure = (
        details.filter(status=PaymentBulkDetail.Status.FAILED).order_by("-updated", "-line").first()
    )
    bulk.error_code = last_failure.error_code if last_failure is not None else ""
    bulk.status = PaymentBulk.Status.COMPLETED
    bulk.process_end_date = timezone.now()
    bulk.lease_until = None
    bulk.save(
        update_fields=[
            "success_count", "failure_count", "error_code", "status", "process_end_date", "lease_until", "updated",
        ]
    )  # fmt: skip
    batch_event(bulk=bulk)
    return bulk.status


def bulk_process(*, bulk_pk: int, today: date) -> str:
    """Claim a due bulk, charge its CHECKED lines, finish it. Returns its status, or
    "nothing to do" when it is not due or another process has it."""
    if not bulk_claim(bulk_pk=bulk_pk, today=today):
        return "nothing to do"
    lines = PaymentBulkDetail.objects.filter(bulk_id=bulk_pk, status=PaymentBulkDetail.Status.CHECKED)
    for detail_pk in lines.order_by("line").values_list("pk", flat=True):
        line_charge(detail_pk=detail_pk)
        PaymentBulk.objects.filter(pk=bulk_pk, status=PaymentBulk.Status.RUNNING).update(
            lease_until=_lease_end()
        )
    return bulk_finish(bulk_pk=bulk_pk)
