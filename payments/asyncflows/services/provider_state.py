"""What providers tell us of a payment — in a notification, an operation's answer or a status poll —
applied by one rule: the status only moves forward along ``NOTIFIED_FORWARD``, so duplicates and
out-of-order notifications change nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from payments.asyncflows.services.common import method_of, payment_fields_update
from payments.columns import payment_columns
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.registry import method_served_by
from payments.models import Payment, Status
from payments.providers.async_base import ProviderEvent
from payments.state import TRANSITIONS, payment_event_record, payment_transition

# What providers may tell us, from each status in which a payment waits on its provider: the
# moves the one transition table allows from there (anything else is stale or out of order).
NOTIFIED_FORWARD: dict[str, set[str]] = {
    status: TRANSITIONS[status] - {status}
    for status in (
        Status.AWAITING_CUSTOMER_PAYMENT,
        Status.AWAITING_PAYMENT_APPROVAL,  # direct debit: the bank's result
        Status.AUTHORIZED,
        Status.CAPTURED,
    )
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


def payment_state_apply(
    *,
    payment: Payment,
    state: str | None,
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
    payment_fields_update(
        payment=payment, fields={flag: True, **method.late_money_fields(payment=payment, amount=amount)}
    )
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
    if event.kind == "mandate":  # about a direct-debit account, not a payment
        method = method_served_by(provider)
        return None, method.account_event(mode=mode, event=event) if method else "ignored"
    payment = _find_payment(mode, provider, event)
    if payment is None:
        return None, "unknown_payment"
    state = {"paid": "captured", "transfer": "captured"}.get(event.kind, event.kind)
    actor = f"provider:{provider}"
    outcome = payment_state_apply(
        payment=payment,
        state=state,
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
