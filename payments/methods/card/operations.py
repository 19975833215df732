"""What follows a card authorisation: capture, cancel, change the amount, authorise again.

Each is one acquirer call on the authorisation's ``transaction_id`` (``acquirer_call``), so any
pay type that ends in a card authorisation (Apple Pay, Google Pay) offers them as they are.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from payments import errors
from payments.methods.card.acquirer import acquirer_call, acquirer_for
from payments.methods.card.secure import payment_end_unauthorised
from payments.models import JobCode, Payment, Status
from payments.pending import operation_begin
from payments.services.registration import payment_amount_check
from payments.state import actor_label
from portal.errors import PortalError


def _times(data: dict[str, Any]) -> dict[str, Any]:
    return {"pay_times": int(data["pay_times"])} if data.get("pay_times") else {}


def _authorisation(payment: Payment) -> str:
    """The acquirer's transaction that these operations act on (the payment's authorisation)."""
    if not payment.transaction_id:
        raise PortalError(errors.INVALID_STATUS_TRANSITION, "This payment was never authorised.")
    return payment.transaction_id


def payment_capture(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    label = actor_label(actor)
    acquirer = acquirer_for(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="capture", actor=label)
        transaction_id = _authorisation(payment)
        updates = {**({"method": data["method"]} if data.get("method") else {}), **_times(data)}
        if updates:
            Payment.objects.filter(pk=payment.pk).update(**updates)
    return acquirer_call(
        payment=payment,
        reference=reference,
        actor=label,
        call=lambda: acquirer.capture(
            reference=reference, transaction_id=transaction_id, amount=payment.total_amount
        ),
    )


def payment_cancel(*, payment: Payment, actor: Any) -> Payment:
    label = actor_label(actor)
    if payment.status == Status.AUTHENTICATED:
        return _cancel_before_authorisation(payment=payment, actor=label)
    acquirer = acquirer_for(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="cancel", actor=label)
        transaction_id = _authorisation(payment)
    return acquirer_call(
        payment=payment,
        reference=reference,
        actor=label,
        call=lambda: acquirer.cancel(reference=reference, transaction_id=transaction_id),
    )


@transaction.atomic
def _cancel_before_authorisation(*, payment: Payment, actor: str) -> Payment:
    """3-D Secure abandoned: nothing was authorised, so nothing to ask the acquirer."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.pending_operation:
        raise PortalError(errors.PAYMENT_BUSY)
    return payment_end_unauthorised(payment=locked, to=Status.CANCELED, action="cancel", actor=actor)


def payment_change(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    """Change the amount of an AUTHORIZED (job_code AUTH) or CAPTURED (CAPTURE) payment."""
    label = actor_label(actor)
    job_codes: dict[str, str] = {Status.AUTHORIZED: JobCode.AUTH, Status.CAPTURED: JobCode.CAPTURE}
    expected = job_codes.get(payment.status)
    if expected and data["job_code"] != expected:
        raise PortalError(errors.JOB_CODE_MISMATCH, field="job_code")
    amount, tax = data["amount"], (payment.tax if data.get("tax") is None else data["tax"])
    payment_amount_check(
        merchant=payment.merchant, mode=payment.mode, pay_type=payment.pay_type, total=amount + tax
    )
    acquirer = acquirer_for(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="change", actor=label, amount=amount)
        transaction_id = _authorisation(payment)
        if payment.status == Status.CAPTURED and amount + tax > payment.total_amount:
            raise PortalError(errors.AMOUNT_INCREASE_NOT_ALLOWED, field="amount")
        if tax != payment.tax:
            Payment.objects.filter(pk=payment.pk).update(tax=tax)
            payment.tax = tax
    return acquirer_call(
        payment=payment,
        reference=reference,
        actor=label,
        call=lambda: acquirer.change_amount(
            reference=reference, transaction_id=transaction_id, amount=amount + tax
        ),
    )


def payment_reauthorize(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    """``/auth``: authorise a cancelled payment again (same card, via the acquirer's transaction)."""
    label = actor_label(actor)
    acquirer = acquirer_for(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="reauthorize", actor=label)
        if payment.job_code == JobCode.CHECK:
            raise PortalError(errors.INVALID_STATUS_TRANSITION, "This payment was never authorised.")
        transaction_id = _authorisation(payment)
        Payment.objects.filter(pk=payment.pk).update(
            method=data.get("method") or payment.method or "1", **_times(data)
        )
    capture = payment.job_code == JobCode.CAPTURE
    return acquirer_call(
        payment=payment,
        reference=reference,
        actor=label,
        call=lambda: acquirer.reauthorize(
            reference=reference,
            transaction_id=transaction_id,
            amount=payment.total_amount,
            capture=capture,
        ),
    )
