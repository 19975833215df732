"""The provider call of a pending operation, run in the Celery task ``payments.provider_call``
(queued on commit, behind the provider's throttle, circuit breaker and timeout), and the
application of the provider's answer."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments import errors
from payments.asyncflows.services.common import method_of, payment_fields_update, provider_for
from payments.asyncflows.services.provider_state import payment_state_apply
from payments.columns import payment_columns
from payments.models import JobCode, Payment, PaymentEvent, Status
from payments.pending import operation_abandon, pending_cleared
from payments.providers.async_base import ProviderAnswer, StartRequest
from payments.providers.base import Declined, NotConfigured
from payments.providers.guard import guarded
from payments.state import TRANSITIONS, payment_event_record, payment_transition

logger = logging.getLogger(__name__)

# Where a finished operation leaves the payment (change keeps the status).
OPERATION_TARGET = {
    "execute": Status.AWAITING_CUSTOMER_PAYMENT,
    "capture": Status.CAPTURED,
    "cancel": Status.CANCELED,
}
ATTEMPT_ACTIONS = ("provider_retry", "provider_deferred")


def queue_provider_call(payment_id: int, reference: str, *, countdown: float = 0) -> None:
    """Queue the provider call once the transaction commits (right away outside one)."""

    def send() -> None:
        from payments.asyncflows.tasks import provider_call

        try:
            provider_call.apply_async(
                kwargs={"payment_id": payment_id, "reference": reference}, countdown=countdown
            )
        except Exception:  # broker down (or an eager run failed): the sweeper reconciles it
            logger.warning("could not run the provider call of payment %s", payment_id, exc_info=True)

    transaction.on_commit(send)


def note_attempt(*, payment_id: int, reference: str, action: str, reason: str, attempt: int) -> None:
    """History: an attempt failed (``provider_retry``) or was held back (``provider_deferred``)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update().filter(pk=payment_id, pending_reference=reference).first()
        )
        if payment is not None:
            payment_event_record(
                payment, action, "system", reference=reference, reason=reason[:200], attempt=attempt
            )


def payment_attempt_noted(*, payment_id: int, reference: str) -> bool:
    """Whether an attempt of the operation ``reference`` failed or was held back (``note_attempt``)."""
    return PaymentEvent.objects.filter(
        payment_id=payment_id, action__in=ATTEMPT_ACTIONS, detail__reference=reference
    ).exists()


def _start_request(payment: Payment, reference: str, name: str) -> StartRequest:
    return StartRequest(
        **method_of(payment).start_fields(payment=payment),
        reference=reference,
        payment_ref=payment.access_id,
        amount=payment.total_amount,
        currency=payment.currency,
        notify_url=f"{settings.PROVIDER_NOTIFY_BASE_URL}/notifications/{name}",
        deadline=payment.payment_term,
        capture=payment.job_code != JobCode.AUTH,
        description=(payment.order_description or payment.merchant.name)[:100],
        redirect_url=payment.redirect_url or "",
        redirect_type=payment.redirect_type or "",
    )


def provider_call_run(*, payment_id: int, reference: str) -> str:
    """Perform a payment's pending operation at its provider and apply the answer.

    Network errors, timeouts, 5xx and ``CallDeferred`` propagate (the task retries with the
    same reference, which the provider treats as the same operation). A refusal ends the
    operation (``operation_abandon``) with the provider's reason.
    """
    payment = Payment.objects.select_related("merchant").get(pk=payment_id)
    if payment.pending_reference != reference:
        return "stale"
    operation, ref = payment.pending_operation, payment.access_id
    assert operation is not None  # set with pending_reference (operation_begin)
    try:
        provider = provider_for(payment)
    except NotConfigured:
        operation_abandon(
            payment_id=payment_id,
            reference=reference,
            actor="system",
            reason="provider not configured",
            error_code=errors.PROVIDER_NOT_CONFIGURED.code,
        )
        return "not_configured"
    calls = {
        "execute": lambda: provider.start(_start_request(payment, reference, provider.name)),
        "capture": lambda: provider.capture(
            reference=reference, payment_ref=ref, amount=payment.total_amount
        ),
        "cancel": lambda: provider.cancel(reference=reference, payment_ref=ref),
        "change": lambda: provider.change_amount(
            reference=reference, payment_ref=ref, amount=(payment.pending_amount or 0) + payment.tax
        ),
    }
    try:
        answer = guarded(provider.name, calls[operation])
    except Declined as exc:
        operation_abandon(
            payment_id=payment_id,
            reference=reference,
            actor=f"provider:{provider.name}",
            reason=exc.reason,
            error_code=errors.PROVIDER_DECLINED.code,
        )
        return "declined"
    complete_operation(
        payment_id=payment_id, reference=reference, answer=answer, actor=f"provider:{provider.name}"
    )
    return "completed"


@transaction.atomic
def complete_operation(*, payment_id: int, reference: str, answer: ProviderAnswer, actor: str) -> Payment:
    """Apply a provider's answer if ``reference`` is still the pending operation (else: already done)."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=payment_id)
    if payment.pending_reference != reference:
        return payment
    operation = payment.pending_operation or ""
    now = timezone.now()
    columns = payment_columns(answer.details)
    fields: dict[str, Any] = {
        **pending_cleared(),
        **columns,
        "process_date": now,
        "provider_checked_at": now,
        "error_code": None,
    }
    fields.update(
        method_of(payment).completed_fields(
            payment=payment, operation=operation, reference=reference, fields=fields
        )
    )
    if operation == "change":
        fields["amount"] = payment.pending_amount
    if operation == "capture":
        fields["auth_max_date"] = None
    target = OPERATION_TARGET.get(operation, payment.status)
    if operation == "execute":
        target = method_of(payment).execute_status
    detail = {"reference": reference, "provider_state": answer.state, "amount": answer.amount}
    if target == payment.status and operation != "change":
        payment_fields_update(payment=payment, fields=fields)
        payment_event_record(payment, f"{operation}_confirmed", actor, **detail)
    elif target in _allowed(payment.status) or operation == "change":
        payment_transition(payment=payment, to=target, action=operation, actor=actor, detail=detail, **fields)
    else:  # overtaken by a notification (e.g. expired while a cancel was on its way)
        payment_fields_update(payment=payment, fields=fields)
        payment_event_record(payment, f"{operation}_overtaken", actor, **detail)
    payment_state_apply(
        payment=payment, state=answer.state, columns=columns, amount=answer.amount, actor=actor
    )
    return payment


def _allowed(status: str) -> set[str]:
    return TRANSITIONS.get(status, set())
