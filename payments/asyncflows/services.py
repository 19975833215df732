"""Payments that complete later: QR wallets (``Paypay``), konbini (``Konbini``), bank transfer
(``Virtualaccount``).

Same model, same ``TRANSITIONS``, same ``payment_transition`` and the same pending-operation
pattern as cards (``payments.methods.card``), with one difference: **no provider is called
inside a web request**. An operation (execute, capture, cancel, change) is marked pending
in the request, and the provider call runs in the Celery task ``payments.provider_call``
(queued on commit), behind the provider's throttle, circuit breaker and timeout. The
request then waits a little (``PAYMENTS_PROVIDER_WAIT_SECONDS``) so that, with healthy
workers, the merchant gets the finished payment (code URL, slip, account number) in the
answer; otherwise it answers with the payment still pending and the webhook follows.

Afterwards the buyer acts at the provider, which notifies us (``notifications.py``); the
periodic sweeper asks providers about payments waiting too long or past their deadline
(``payment_reconcile_async``). Notifications and polling use one rule
(``_apply_state``): the status only moves forward along ``NOTIFIED_FORWARD``, so
duplicates and out-of-order notifications change nothing twice.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from payments import errors
from payments.columns import payment_columns
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.registry import ASYNCHRONOUS, asynchronous_method_for, method_served_by
from payments.models import Customer, JobCode, Payment, PaymentEvent, Status
from payments.pending import operation_abandon, operation_begin, pending_cleared
from payments.providers.async_base import (
    AsyncProvider,
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
)
from payments.providers.async_registry import provider_by_name
from payments.providers.base import Declined, NotConfigured, ProviderError
from payments.providers.guard import guarded
from payments.services.registration import payment_amount_check
from payments.state import TRANSITIONS, actor_label, payment_event_record, payment_transition
from portal.errors import PortalError, fixed_codes

logger = logging.getLogger(__name__)

# Where a finished operation leaves the payment (change keeps the status).
OPERATION_TARGET = {
    "execute": Status.AWAITING_CUSTOMER_PAYMENT,
    "capture": Status.CAPTURED,
    "cancel": Status.CANCELED,
}
DESCRIPTION_FIELD = {
    "capture": "capture_description",
    "cancel": "cancel_description",
    "change": "update_description",
}
# What providers may tell us, from each status (anything else is stale or out of order).
NOTIFIED_FORWARD: dict[str, set[str]] = {
    Status.AWAITING_CUSTOMER_PAYMENT: {
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.CANCELED,
        Status.EXPIRED,
        Status.FAILED,
    },
    Status.AUTHORIZED: {Status.CAPTURED, Status.CANCELED, Status.EXPIRED},
    Status.CAPTURED: {Status.CANCELED},
}
STATE_TARGET = {
    "authorized": (Status.AUTHORIZED, "complete"),
    "captured": (Status.CAPTURED, "complete"),
    "canceled": (Status.CANCELED, "cancel"),
    "expired": (Status.EXPIRED, "expire"),
    "failed": (Status.FAILED, "fail"),
}
# Money arriving after the payment is final raises one of fincode's flags.
LATE_MONEY_FLAG: dict[str, str] = {
    Status.CAPTURED: "overpayment_flag",
    Status.CANCELED: "cancel_overpayment_flag",
    Status.EXPIRED: "expire_overpayment_flag",
}


def _specs() -> dict[str, Any]:
    return {spec.code: spec for spec in fixed_codes()}


def method_of(payment: Payment) -> AsynchronousMethod:
    """The module of a payment's pay type (one whose payments complete later)."""
    method = asynchronous_method_for(payment.pay_type)
    if method is None:
        raise PortalError(
            errors.OPERATION_NOT_SUPPORTED, f"{payment.pay_type} payments do not complete later."
        )
    return method


def provider_for(payment: Payment) -> AsyncProvider:
    """The provider that serves ``payment`` (NotConfigured if there is none for its mode)."""
    return provider_by_name(method_of(payment).provider_name(payment), payment.mode)


def _provider(payment: Payment) -> AsyncProvider:
    try:
        return provider_for(payment)
    except NotConfigured as exc:
        raise PortalError(errors.PROVIDER_NOT_CONFIGURED) from exc


def _check_operation(payment: Payment, operation: str) -> AsynchronousMethod:
    method = asynchronous_method_for(payment.pay_type)
    if method is None or (operation != "execute" and operation not in method.operations):
        raise PortalError(
            errors.OPERATION_NOT_SUPPORTED, f"{operation} is not available for {payment.pay_type}."
        )
    return method


# --- Execution and operations -------------------------------------------------------------------


def _execute_fields(method: AsynchronousMethod, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data.get("customer_id"):
        customer = Customer.objects.filter(
            merchant=payment.merchant, mode=payment.mode, customer_id=data["customer_id"]
        ).first()
        if customer is None:
            raise PortalError(errors.CUSTOMER_NOT_FOUND, field="customer_id")
        fields["customer"] = customer
    return {**fields, **method.execute_fields(payment=payment, data=data)}


def payment_execute_async(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    method = _check_operation(payment, "execute")
    _provider(payment)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="execute", actor=actor_label(actor))
        fields = _execute_fields(method, payment, data)
        Payment.objects.filter(pk=payment.pk).update(**fields)
        queue_provider_call(payment.pk, reference)
    return _await(payment.pk, reference)


def payment_operate_async(*, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
    """capture, cancel or change a wallet payment; cancel a konbini slip or a virtual account."""
    _check_operation(payment, operation)
    _provider(payment)
    amount: int | None = None
    tax, total = payment.tax, payment.total_amount
    if operation == "change":
        amount, tax = data["amount"], (payment.tax if data.get("tax") is None else data["tax"])
        total = amount + tax
        payment_amount_check(
            merchant=payment.merchant, mode=payment.mode, pay_type=payment.pay_type, total=total
        )
    with transaction.atomic():
        payment, reference = operation_begin(
            payment=payment, operation=operation, actor=actor_label(actor), amount=amount
        )
        field = DESCRIPTION_FIELD.get(operation)
        updates = {field: data[field]} if field and data.get(field) else {}
        if operation == "change":
            if payment.status == Status.CAPTURED and total > payment.total_amount:
                raise PortalError(errors.AMOUNT_INCREASE_NOT_ALLOWED, field="amount")
            updates["tax"] = tax
        if updates:
            Payment.objects.filter(pk=payment.pk).update(**updates)
        queue_provider_call(payment.pk, reference)
    return _await(payment.pk, reference)


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


def _await(payment_id: int, reference: str) -> Payment:
    """Wait (bounded) for the worker to finish the operation; raise its error if the provider refused.

    Stops early when the worker reports a failed or deferred attempt: the outcome will come
    later (retries, reconciliation), and the merchant should not wait for a slow provider.
    """
    deadline = time.monotonic() + settings.PAYMENTS_PROVIDER_WAIT_SECONDS
    pause = 0.005
    while Payment.objects.filter(pk=payment_id, pending_reference=reference).exists():
        if time.monotonic() >= deadline or _attempt_noted(payment_id, reference):
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    payment = Payment.objects.select_related("merchant", "customer").get(pk=payment_id)
    if payment.pending_reference != reference and payment.error_code:
        failed = PaymentEvent.objects.filter(
            payment=payment, action__endswith="_failed", detail__reference=reference
        ).exists()
        if failed:
            raise PortalError(_specs().get(payment.error_code, errors.PROVIDER_DECLINED))
    return payment


# --- The provider call (in the Celery task) ---------------------------------------------------------

ATTEMPT_ACTIONS = ("provider_retry", "provider_deferred")


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


def _attempt_noted(payment_id: int, reference: str) -> bool:
    return PaymentEvent.objects.filter(
        payment_id=payment_id, action__in=ATTEMPT_ACTIONS, detail__reference=reference
    ).exists()


def _start_request(payment: Payment, reference: str, name: str) -> StartRequest:
    return StartRequest(
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
    detail = {"reference": reference, "provider_state": answer.state, "amount": answer.amount}
    if target == payment.status and operation != "change":
        _update(payment, fields)
        payment_event_record(payment, f"{operation}_confirmed", actor, **detail)
    elif target in _allowed(payment.status) or operation == "change":
        payment_transition(payment=payment, to=target, action=operation, actor=actor, detail=detail, **fields)
    else:  # overtaken by a notification (e.g. expired while a cancel was on its way)
        _update(payment, fields)
        payment_event_record(payment, f"{operation}_overtaken", actor, **detail)
    _apply_state(payment, answer.state, columns=columns, amount=answer.amount, actor=actor)
    return payment


def _allowed(status: str) -> set[str]:
    return TRANSITIONS.get(status, set())


def _update(payment: Payment, fields: dict[str, Any]) -> None:
    Payment.objects.filter(pk=payment.pk).update(**fields, updated=timezone.now())
    for key, value in fields.items():
        setattr(payment, key, value)


def payment_barcode(*, payment: Payment, data: dict[str, Any]) -> Payment:
    """``PUT /v1/payments/{id}/barcode``: the slip's barcode again, sized for the buyer's device."""
    method = _check_operation(payment, "execute")
    _update(payment, method.barcode_fields(payment=payment, data=data))
    return payment


# --- What providers tell us: notifications and polling ------------------------------------------------


def _apply_state(
    payment: Payment,
    state: str | None,
    *,
    columns: dict[str, Any],
    amount: int,
    actor: str,
    stub: bool = False,
) -> str:
    """Move a payment forward to what its provider says (never backwards, never twice).

    ``columns``: what the provider told of the payment (``payments.columns``)."""
    if state not in STATE_TARGET:
        return "ignored"
    target, action = STATE_TARGET[state]
    method = method_of(payment)
    if target == Status.CAPTURED and method.money_captures:
        return _money_arrived(method, payment, amount=amount, columns=columns, actor=actor, stub=stub)
    if payment.status == target:
        return "already"
    if target not in NOTIFIED_FORWARD.get(payment.status, set()):
        return f"stale_{payment.status.lower()}"
    now = timezone.now()
    updates = {**columns, "process_date": now, "provider_checked_at": now}
    if target == Status.AUTHORIZED:
        updates["auth_max_date"] = now + timedelta(days=settings.WALLET_AUTH_VALID_DAYS)
    if target in (Status.AUTHORIZED, Status.CAPTURED) and not payment.payment_date:
        updates["payment_date"] = now
    payment_transition(
        payment=payment, to=target, action=action, actor=actor, detail={"state": state}, **updates
    )
    return "applied"


def _money_arrived(
    method: AsynchronousMethod,
    payment: Payment,
    *,
    amount: int,
    columns: dict[str, Any],
    actor: str,
    stub: bool,
) -> str:
    """A konbini payment or a bank transfer. The first one captures; later ones raise a flag."""
    now = timezone.now()
    updates = {**columns, "process_date": now, "provider_checked_at": now}
    updates.setdefault("payment_date", now)
    if payment.status == Status.AWAITING_CUSTOMER_PAYMENT:
        updates.update(method.money_fields(payment=payment, amount=amount))
        payment_transition(
            payment=payment,
            to=Status.CAPTURED,
            action="complete_stub" if stub else "complete",
            actor=actor,
            detail={"amount": amount, "billed": payment.total_amount},
            **updates,
        )
        return "applied"
    flag = LATE_MONEY_FLAG.get(payment.status)
    if flag is None:
        return f"stale_{payment.status.lower()}"
    _update(payment, {flag: True, **method.late_money_fields(payment=payment, amount=amount)})
    payment_event_record(payment, "payment_after_final", actor, amount=amount, flag=flag)
    return flag


def _find_payment(mode: str, provider: str, event: ProviderEvent) -> Payment | None:
    method = method_served_by(provider)
    if method is None:
        return None
    payments = Payment.objects.select_for_update(of=("self",)).select_related("merchant").filter(mode=mode)
    payment = method.notified_payments(payments, payment_ref=event.payment_ref, lookup=event.lookup).first()
    if payment is not None and method.provider_name(payment) != provider:
        return None
    return payment


def apply_event(*, mode: str, provider: str, event: ProviderEvent) -> tuple[Payment | None, str]:
    """Apply a verified notification. Inside the caller's transaction."""
    payment = _find_payment(mode, provider, event)
    if payment is None:
        return None, "unknown_payment"
    state = {"paid": "captured", "transfer": "captured"}.get(event.kind, event.kind)
    actor = f"provider:{provider}"
    outcome = _apply_state(
        payment,
        state,
        columns=payment_columns(event.details),
        amount=event.amount,
        actor=actor,
        stub=event.stub,
    )
    if outcome.startswith("stale") or outcome in ("already", "ignored"):
        payment_event_record(
            payment, "notification_ignored", actor, event_id=event.event_id, kind=event.kind, outcome=outcome
        )
    return payment, outcome


def payment_reconcile_async(*, payment: Payment) -> str:
    """Ask the provider what it knows of ``payment``; finish a pending operation or catch up its state.

    ``processing``: the provider could not be asked (the reconcile task retries);
    ``resent``: the pending operation never reached the provider and was queued again.
    """
    try:
        provider = provider_for(payment)
        status = guarded(provider.name, lambda: provider.status(payment.access_id))
    except (ProviderError, NotConfigured) as exc:
        logger.warning("reconciliation of %s: provider unreachable (%s)", payment.access_id, exc)
        return "processing"
    actor = "reconciliation"
    reference = payment.pending_reference
    outcome = "synced"
    if reference:
        answer = status.answers.get(reference)
        if answer is None:
            queue_provider_call(payment.pk, reference)
            return "resent"
        complete_operation(payment_id=payment.pk, reference=reference, answer=answer, actor=actor)
        outcome = "completed"
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=payment.pk)
        if status.exists and not locked.pending_reference:
            columns = payment_columns(status.details)
            _apply_state(locked, status.state, columns=columns, amount=status.amount, actor=actor)
        Payment.objects.filter(pk=locked.pk).update(provider_checked_at=timezone.now())
    return outcome


def provider_status(*, payment: Payment) -> ProviderStatus:
    """For operators: what the provider says (a provider call; used from tasks and the admin)."""
    provider = provider_for(payment)
    return guarded(provider.name, lambda: provider.status(payment.access_id))


def waiting_payment_ids(*, limit: int = 1000) -> list[int]:
    """Payments waiting on the buyer that the sweeper should check with their provider now."""
    now = timezone.now()
    recently = now - timedelta(seconds=60)
    poll = now - timedelta(seconds=settings.PAYMENTS_POLL_INTERVAL_SECONDS)
    past_deadline = Q(status=Status.AWAITING_CUSTOMER_PAYMENT, payment_term__lt=now) | Q(
        status=Status.AUTHORIZED, auth_max_date__lt=now
    )
    not_checked_lately = Q(provider_checked_at__lt=recently) | Q(provider_checked_at__isnull=True)
    stale = Q(provider_checked_at__lt=poll) | Q(provider_checked_at__isnull=True, updated__lt=poll)
    return list(
        Payment.objects.filter(
            pay_type__in=list(ASYNCHRONOUS),
            status__in=[Status.AWAITING_CUSTOMER_PAYMENT, Status.AUTHORIZED],
            pending_operation__isnull=True,
        )
        .filter((past_deadline & not_checked_lately) | stale)
        .order_by("provider_checked_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Test mode: play the buyer ------------------------------------------------------------------------


def payment_simulate_buyer(*, payment: Payment) -> None:
    """Test mode: the buyer pays (fincode's ``….complete.stub`` for konbini and bank transfer).

    The simulators are the outside world, so this queues a task that calls them over HTTP.
    """
    if payment.mode != "test":
        raise PortalError(errors.NOT_IN_TEST_MODE)
    if (
        asynchronous_method_for(payment.pay_type) is None
        or payment.status != Status.AWAITING_CUSTOMER_PAYMENT
    ):
        raise PortalError(errors.INVALID_STATUS_TRANSITION, "Only a payment awaiting the buyer can be paid.")
    from payments.asyncflows.tasks import simulate_buyer

    payment_id = payment.pk
    transaction.on_commit(lambda: simulate_buyer.apply_async(kwargs={"payment_id": payment_id}))


def simulate_buyer_run(*, payment_id: int) -> int:
    """Call the test-mode simulator as the buyer would; returns its HTTP status."""
    from payments.providers import http

    payment = Payment.objects.get(pk=payment_id)
    base = settings.PROVIDER_SIMULATOR_URL.rstrip("/")
    client = http.client("simulator-buyer", 10.0)
    response = method_of(payment).buyer_request(payment=payment, client=client, base_url=base)
    return response.status_code
