"""``pay_type=Bnpl`` (後払い, an extension of the fincode contract): the credit check decides at execute.

* approved → AUTHORIZED (the credit engine holds the amount against the buyer's limit),
  then CAPTURED on shipment (``/capture``), which issues the buyer's invoice — payable at
  a konbini or by bank transfer within ``CREDIT_INVOICE_DUE_DAYS`` (14) days, with
  reminders (Celery beat) and unpaid invoices feeding later checks;
* declined → FAILED, with the reason *category* (never the internal rule);
* review → AWAITING_PAYMENT_APPROVAL until a credit reviewer decides in the admin; the
  outcome reaches the payment in a Celery task and the merchant by webhook
  (``payments.bnpl.review``).

Every status change goes through ``payments.state.payment_transition``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit import services as credit
from credit.models import CreditCheck, Exposure
from credit.types import CheckInput
from payments import errors as payment_errors
from payments.models import JobCode, Payment, Status
from payments.pending import operation_begin, pending_cleared
from payments.state import actor_label, payment_event_record, payment_transition
from portal.errors import PortalError, define

logger = logging.getLogger(__name__)

BNPL_DECLINED = define("E1600000001", 402, "The buyer's deferred payment (BNPL) was declined.")
BNPL_INVOICED = define(
    "E1600000002", 409, "The invoice is issued: this BNPL payment can no longer be changed."
)
BNPL_NOT_INVOICED = define("E1600000003", 409, "This BNPL payment has no unpaid invoice.")

# What a merchant may learn of a decline: a category, not the rule that fired.
DECLINE_CATEGORIES = {
    "BLOCKLISTED": "fraud_risk",
    "KNOWN_FRAUD_SIMILAR": "fraud_risk",
    "DISPOSABLE_EMAIL": "fraud_risk",
    "VELOCITY": "fraud_risk",
    "EMAIL_VELOCITY": "fraud_risk",
    "ADDRESS_VELOCITY": "fraud_risk",
    "DEVICE_VELOCITY": "fraud_risk",
    "MODEL_RISK": "fraud_risk",
    "MODEL_ELEVATED": "fraud_risk",
    "UNPAID": "payment_history",
    "OVERDUE": "payment_history",
    "HIGH_AMOUNT": "credit_limit",
    "CREDIT_LIMIT": "credit_limit",
    "UNDERAGE": "eligibility",
}
DEFAULT_CATEGORY = "credit_policy"


def decline_category(reason_codes: list[str]) -> str:
    for code in reason_codes:
        if code in DECLINE_CATEGORIES:
            return DECLINE_CATEGORIES[code]
    return DEFAULT_CATEGORY


def register_fields(*, data: dict[str, Any]) -> dict[str, Any]:
    return {"job_code": data.get("job_code") or JobCode.AUTH}


def check_input(payment: Payment, data: dict[str, Any]) -> CheckInput:
    """The credit application of a BNPL execute (validated by ``BnplExecuteRequest``)."""
    return CheckInput.from_application(
        data,
        amount=payment.total_amount,
        currency=payment.currency,
        order_id=payment.access_id,  # the payment's reference: how reconciliation finds the check
    )


def payment_execute_bnpl(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    label = actor_label(actor)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="execute", actor=label)
        Payment.objects.filter(pk=payment.pk).update(
            bnpl_invoice_method=data.get("invoice_method") or "konbini"
        )
    try:
        result = credit.credit_check_run(
            merchant=payment.merchant, mode=payment.mode, application=check_input(payment, data)
        )
    except Exception:
        with transaction.atomic():
            Payment.objects.filter(pk=payment.pk, pending_reference=reference).update(**pending_cleared())
        raise
    return _apply_decision(payment_id=payment.pk, reference=reference, check=result.check, actor=label)


@transaction.atomic
def _apply_decision(*, payment_id: int, reference: str | None, check: CreditCheck, actor: str) -> Payment:
    """Move the payment by the credit decision (conditionally: once, whoever gets here first)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if reference is not None and payment.pending_reference != reference:
        return payment  # already applied (a retry, or reconciliation)
    common = {**pending_cleared(), "credit_check": check, "process_date": timezone.now()}
    detail = {"credit_check": check.public_id, "decision": check.decision}
    if check.decision == "approved":
        payment = payment_transition(
            payment=payment, to=Status.AUTHORIZED, action="execute", actor=actor, detail=detail, **common
        )
        if payment.job_code == JobCode.CAPTURE:
            payment = _capture(payment=payment, actor=actor)
        return payment
    if check.decision == "declined":
        category = decline_category(check.reason_codes)
        return payment_transition(
            payment=payment,
            to=Status.FAILED,
            action="execute",
            actor=actor,
            detail={**detail, "category": category},
            error_code=BNPL_DECLINED.code,
            bnpl_decline_category=category,
            **common,
        )
    return payment_transition(
        payment=payment,
        to=Status.AWAITING_PAYMENT_APPROVAL,
        action="execute",
        actor=actor,
        detail=detail,
        **common,
    )


def _capture(*, payment: Payment, actor: str) -> Payment:
    """Shipment: CAPTURED, and the buyer's invoice is issued (inside the caller's transaction)."""
    assert payment.credit_check is not None  # AUTHORIZED by a credit check
    invoice = credit.bnpl_invoice_create(
        check=payment.credit_check,
        amount=payment.total_amount,
        payment_method=payment.bnpl_invoice_method or "konbini",
    )
    assert invoice.due_date is not None  # set when invoiced
    return payment_transition(
        payment=payment,
        to=Status.CAPTURED,
        action="capture",
        actor=actor,
        detail={"invoice": invoice.public_id, "due_date": invoice.due_date.isoformat()},
        process_date=timezone.now(),
    )


@transaction.atomic
def payment_operate_bnpl(*, payment: Payment, operation: str, actor: Any) -> Payment:
    label = actor_label(actor)
    payment = (
        Payment.objects.select_for_update(of=("self",)).select_related("credit_check").get(pk=payment.pk)
    )
    if payment.pending_operation:
        raise PortalError(payment_errors.PAYMENT_BUSY)
    if operation == "capture":
        if payment.status != Status.AUTHORIZED:
            raise PortalError(
                payment_errors.INVALID_STATUS_TRANSITION,
                f"capture is not allowed on a payment that is {payment.status}.",
            )
        return _capture(payment=payment, actor=label)
    if operation == "cancel":
        if payment.status == Status.CAPTURED:
            raise PortalError(BNPL_INVOICED)
        if payment.status == Status.AUTHORIZED:
            assert payment.credit_check is not None  # AUTHORIZED by a credit check
            credit.credit_authorization_release(check=payment.credit_check)
        return payment_transition(
            payment=payment, to=Status.CANCELED, action="cancel", actor=label, process_date=timezone.now()
        )
    raise PortalError(
        payment_errors.INVALID_STATUS_TRANSITION, f"{operation} is not available for BNPL payments."
    )


@transaction.atomic
def review_decided(*, check_id: int) -> Payment | None:
    """A credit reviewer decided: move the payment waiting for it (a Celery task calls this; idempotent)."""
    check = CreditCheck.objects.get(pk=check_id)
    payment = (
        Payment.objects.select_for_update()
        .filter(credit_check=check, status=Status.AWAITING_PAYMENT_APPROVAL)
        .first()
    )
    if payment is None:
        return None  # not a BNPL payment's check, or already moved
    outcome = check.outcome
    detail = {"credit_check": check.public_id, "decision": outcome, "reviewed": True}
    if outcome == "approved":
        payment = payment_transition(
            payment=payment, to=Status.AUTHORIZED, action="review", actor="credit-review", detail=detail,
            process_date=timezone.now(),
        )  # fmt: skip
        if payment.job_code == JobCode.CAPTURE:
            payment = _capture(payment=payment, actor="credit-review")
        return payment
    category = decline_category(check.reason_codes) if outcome == "declined" else DEFAULT_CATEGORY
    return payment_transition(
        payment=payment, to=Status.FAILED, action="review", actor="credit-review",
        detail={**detail, "category": category}, error_code=BNPL_DECLINED.code, bnpl_decline_category=category,
        process_date=timezone.now(),
    )  # fmt: skip


def reconcile(*, payment: Payment) -> str:
    """An execute left pending (crash between the check and its application): finish it from the stored check."""
    if not payment.pending_reference:
        return "none"
    check = CreditCheck.objects.filter(
        merchant=payment.merchant, mode=payment.mode, order_id=payment.access_id
    ).first()
    if check is None:
        with transaction.atomic():
            changed = Payment.objects.filter(
                pk=payment.pk, pending_reference=payment.pending_reference
            ).update(**pending_cleared())
            if changed:
                payment_event_record(
                    payment, "execute_failed", "reconciliation", reason="no credit check was stored"
                )
        return "abandoned"
    _apply_decision(
        payment_id=payment.pk, reference=payment.pending_reference, check=check, actor="reconciliation"
    )
    return "completed"


def invoice_of(payment: Payment) -> Exposure | None:
    if not payment.credit_check_id:
        return None
    return Exposure.objects.filter(check_ref_id=payment.credit_check_id).first()


def invoice_paid(*, payment: Payment) -> Exposure:
    """The buyer paid the invoice (the konbini or bank notification of the payment company's own account)."""
    invoice = invoice_of(payment)
    if invoice is None or invoice.status != Exposure.Status.INVOICED:
        raise PortalError(BNPL_NOT_INVOICED)
    with transaction.atomic():
        paid = credit.bnpl_invoice_mark_paid(invoice=invoice)
        payment_event_record(payment, "invoice_paid", "buyer", invoice=paid.public_id, amount=paid.amount)
    return paid
