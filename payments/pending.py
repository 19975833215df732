"""The pending-operation protocol of every provider call, so that concurrent operations on a
payment are serialised without holding a database lock during network I/O:

1. ``operation_begin``: check the status, mark ``pending_operation`` with a fresh provider
   reference — one conditional UPDATE;
2. call the provider with that reference (strict timeouts);
3. ``operation_complete`` / ``operation_abandon``: apply the outcome if the reference is still
   the pending one (a conditional UPDATE, or a row lock).

A second operation arriving meanwhile sees the pending mark and gets ``409``. A timeout or a
crash leaves the mark; reconciliation (``payments.services.reconcile.payment_reconcile``, run by Celery)
asks the provider what became of the reference and completes or abandons it — never a double
charge, never a payment stuck forever.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from payments import errors
from payments.columns import operation_result_columns
from payments.models import (
    CardSecret,
    Payment,
    Status,
)
from payments.providers.base import (
    OperationResult,
)
from payments.state import OPERATION_FROM, payment_event_record, payment_transition
from portal.db import one_or_none
from portal.errors import PortalError

logger = logging.getLogger(__name__)


def operation_check(payment: Payment, operation: str) -> None:
    """The 4xx error for an operation the payment (as read) does not allow, if any."""
    if payment.pending_operation:
        raise PortalError(errors.PAYMENT_BUSY)
    if payment.status not in OPERATION_FROM[operation]:
        raise PortalError(
            errors.INVALID_STATUS_TRANSITION,
            f"{operation} is not allowed on a payment that is {payment.status}.",
        )


def operation_begin(
    *,
    payment: Payment,
    operation: str,
    actor: str,
    amount: int | None = None,
    fields: dict[str, Any] | None = None,
) -> tuple[Payment, str]:
    """Mark a provider operation as pending: one conditional UPDATE (call inside a transaction).

    The condition is the row as this request read it (status allowed, nothing pending,
    no operation begun since: ``operation_seq``), so two operations can never both begin.
    ``fields`` are written in the same statement (e.g. the card of an execute).
    """
    operation_check(payment, operation)
    reference = f"{payment.access_id}-{payment.operation_seq + 1}"
    updates = {
        "operation_seq": payment.operation_seq + 1,
        "pending_operation": operation,
        "pending_reference": reference,
        "pending_since": timezone.now(),
        "pending_amount": amount,
        **(fields or {}),
    }
    begun = Payment.objects.filter(
        pk=payment.pk,
        status=payment.status,
        operation_seq=payment.operation_seq,
        pending_operation__isnull=True,
    ).update(**updates)
    if not begun:
        current = one_or_none(Payment.objects.filter(pk=payment.pk).values("status", "pending_operation"))
        if (
            current
            and current["pending_operation"] is None
            and current["status"] not in OPERATION_FROM[operation]
        ):
            raise PortalError(
                errors.INVALID_STATUS_TRANSITION,
                f"{operation} is not allowed on a payment that is {current['status']}.",
            )
        raise PortalError(errors.PAYMENT_BUSY)
    for key, value in updates.items():
        setattr(payment, key, value)
    return payment, reference


# The operations that end in an authorisation (its approval number, its end).
AUTHORISING = frozenset({"execute", "secure", "reauthorize"})


def pending_cleared() -> dict[str, Any]:
    return {
        "pending_operation": None,
        "pending_reference": None,
        "pending_since": None,
        "pending_amount": None,
    }


def _target_status(outcome: str, payment: Payment) -> str:
    return {
        "checked": Status.CHECKED,
        "authorized": Status.AUTHORIZED,
        "captured": Status.CAPTURED,
        "canceled": Status.CANCELED,
    }.get(outcome, payment.status)


def operation_complete(
    *,
    payment_id: int,
    reference: str,
    result: OperationResult,
    actor: str,
    extra: dict | None = None,
    payment: Payment | None = None,
):
    """Apply a provider result if ``reference`` is still the pending operation (a conditional UPDATE).

    On PostgreSQL without a card secret to delete, that is one statement and needs no
    transaction of its own (``payment_transition``).
    """
    if payment is None or payment.pending_reference != reference:
        payment = Payment.objects.get(pk=payment_id)
    if payment.pending_reference != reference:
        return payment  # already resolved (by reconciliation or a retry)
    operation = payment.pending_operation
    assert operation is not None  # set with pending_reference (operation_begin)
    fields: dict[str, Any] = {
        **pending_cleared(),
        "process_date": timezone.now(),
        "error_code": None,
        **(extra or {}),
    }
    fields.update(operation_result_columns(result, authorising=operation in AUTHORISING))
    if operation == "change":
        fields["amount"] = payment.pending_amount
    secret_id = payment.card_secret_id if operation in ("execute", "secure") else None
    if secret_id:
        fields["card_secret"] = None  # authorised: the card number is not needed any more
    if operation == "capture":
        fields["auth_max_date"] = None
    # With a card secret to delete, two statements in a transaction; else the transition's one.
    with transaction.atomic() if secret_id else contextlib.nullcontext():
        try:
            payment = payment_transition(
                payment=payment,
                to=_target_status(result.outcome, payment),
                action=operation,
                actor=actor,
                detail={"reference": reference, "outcome": result.outcome, "amount": result.amount},
                expect={"pending_reference": reference},
                **fields,
            )
        except PortalError as exc:
            if exc.spec is not errors.PAYMENT_BUSY:
                raise
            return Payment.objects.get(pk=payment_id)  # resolved meanwhile by someone else
        if secret_id:
            CardSecret.objects.filter(pk=secret_id).delete()
    return payment


@transaction.atomic
def operation_abandon(
    *, payment_id: int, reference: str, actor: str, reason: str, error_code: str | None
) -> Payment:
    """The operation certainly did not happen (declined, unreachable): clear the pending mark."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.pending_reference != reference:
        return payment
    fields = {**pending_cleared(), "error_code": error_code}
    Payment.objects.filter(pk=payment.pk).update(**fields, updated=timezone.now())
    for key, value in fields.items():
        setattr(payment, key, value)
    payment_event_record(
        payment,
        f"{payment.pending_operation or 'operation'}_failed",
        actor,
        reference=reference,
        reason=reason,
    )
    return payment
