"""The payment state machine: the one table of allowed status changes, and the only function
that writes a payment's status — with its history row and its webhook event (the
transactional outbox), in one statement.

``TRANSITIONS`` is fincode's PaymentStatus; each pay type's module narrows it (``statuses``);
``OPERATION_FROM`` says from which statuses each operation may begin.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, cast

from django.db import connection
from django.utils import timezone

from payments import errors
from payments.methods.registry import METHODS
from payments.models import (
    Payment,
    PaymentEvent,
    Status,
)
from payments.settlements import ledger
from payments.webhooks import outbox
from portal.errors import PortalError

logger = logging.getLogger(__name__)

# The one table of allowed status changes (fincode's PaymentStatus).
TRANSITIONS: dict[str, set[str]] = {
    Status.UNPROCESSED: {
        Status.CHECKED,
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.AUTHENTICATED,
        Status.AWAITING_CUSTOMER_PAYMENT,
        Status.AWAITING_PAYMENT_APPROVAL,  # BNPL: the credit check asks for a review
        Status.FAILED,  # BNPL: the credit check declines
    },
    # BNPL: a credit reviewer decides. Direct debit: the bank withdraws (or fails) on the day.
    Status.AWAITING_PAYMENT_APPROVAL: {
        Status.AWAITING_PAYMENT_APPROVAL,  # direct debit: its amount changed
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.FAILED,
        Status.CANCELED,
    },
    # Wallets, konbini, bank transfer: the buyer pays (or not) at the provider.
    Status.AWAITING_CUSTOMER_PAYMENT: {
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.CANCELED,
        Status.EXPIRED,
        Status.FAILED,
    },
    Status.AUTHENTICATED: {
        Status.CHECKED,
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.FAILED,
        Status.CANCELED,
    },
    Status.CHECKED: {Status.CANCELED},
    Status.AUTHORIZED: {Status.AUTHORIZED, Status.CAPTURED, Status.CANCELED, Status.EXPIRED},
    Status.CAPTURED: {Status.CAPTURED, Status.CANCELED},
    Status.CANCELED: {Status.AUTHORIZED, Status.CAPTURED},
    Status.FAILED: set(),
    Status.EXPIRED: set(),
}


# Operations and the statuses they start from.
OPERATION_FROM: dict[str, set[str]] = {
    "execute": {Status.UNPROCESSED},
    "secure": {Status.AUTHENTICATED},
    "capture": {Status.AUTHORIZED},
    "cancel": {
        Status.AUTHORIZED,
        Status.CAPTURED,
        Status.CHECKED,
        Status.AUTHENTICATED,
        Status.AWAITING_CUSTOMER_PAYMENT,
        Status.AWAITING_PAYMENT_APPROVAL,  # direct debit, before its request period ends
    },
    "change": {Status.AUTHORIZED, Status.CAPTURED, Status.AWAITING_PAYMENT_APPROVAL},
    "reauthorize": {Status.CANCELED},
}

# The statuses in which the buyer is still paying: the payment's session goes on (admission
# control keeps its lease for the buyer's next step, ``payments.admission.sessions``).
SESSION_OPEN = frozenset({Status.UNPROCESSED, Status.AUTHENTICATED})


def actor_label(actor: Any) -> str:
    from portal.models import ApiKey, User

    if isinstance(actor, ApiKey):
        return f"api_key:{actor.masked}"
    if isinstance(actor, User):
        return actor.email
    return str(actor) if actor else "system"


def payment_transition(
    *,
    payment: Payment,
    to: str,
    action: str,
    actor: str,
    detail: dict | None = None,
    expect: dict[str, Any] | None = None,
    **fields: Any,
) -> Payment:
    """Apply ``payment.status -> to`` (and ``fields``) conditionally on the current status.

    Call inside a transaction, with the row locked or known. Raises a 4xx domain
    error for a change the table does not allow; ``expect`` adds conditions (e.g. the
    pending reference) to the conditional UPDATE.
    """
    current = payment.status
    method = METHODS.get(payment.pay_type)
    if to not in TRANSITIONS.get(current, set()) or (method is not None and to not in method.statuses):
        raise PortalError(
            errors.INVALID_STATUS_TRANSITION, f"The payment is {current}; it cannot become {to} by {action}."
        )
    now = timezone.now()
    updates = {"status": to, "updated": now, **fields}
    match = {"pk": payment.pk, "status": current, **(expect or {})}
    if outbox.raises_event(payment, action):  # numbered per payment, for the webhook (outbox)
        match["event_seq"], updates["event_seq"] = payment.event_seq, payment.event_seq + 1
    # One statement: the conditional UPDATE, its history row and its webhook event.
    deliveries = _transition_statement(payment, match, updates, action, actor, detail or {}, current)
    if deliveries is None:
        raise PortalError(errors.PAYMENT_BUSY)
    for key, value in updates.items():
        setattr(payment, key, value)
    if deliveries:
        outbox.queue_deliveries(deliveries)
    return payment


def _transition_statement(
    payment: Payment,
    match: dict[str, Any],
    updates: dict[str, Any],
    action: str,
    actor: str,
    detail: dict,
    current: str,
) -> list[int] | None:
    """``payment_transition`` on PostgreSQL as ONE statement (see ``payment_write_with_history``).

    Returns the delivery ids to queue, or None when the condition did not hold (nothing
    was written).
    """
    from django.db.models.sql import UpdateQuery

    query = cast(UpdateQuery, Payment.objects.filter(**match).query.chain(UpdateQuery))
    query.add_update_values(updates)
    compiler = query.get_compiler(connection=connection)
    compiler.pre_sql_setup()
    update_sql, update_params = compiler.as_sql()
    after = copy.copy(payment)  # the payment as the change leaves it: the webhook body
    for key, value in updates.items():
        setattr(after, key, value)
    history = PaymentEvent(
        created_at=updates["updated"],
        action=action,
        from_status=current,
        to_status=updates["status"],
        actor=actor,
        detail=detail,
    )
    payment_id, deliveries = payment_write_with_history(update_sql, update_params, after, history)
    return None if payment_id is None else deliveries


def payment_write_with_history(
    change_sql: str, change_params: list, payment: Payment, history: PaymentEvent
) -> tuple[int | None, list[int]]:
    """Run ``change_sql`` (an INSERT or UPDATE of one payment row) with its history row and,
    when the merchant subscribes, its webhook event and deliveries (the transactional outbox),
    as data-modifying CTEs of ONE statement: one round trip, atomic without a transaction.

    ``payment`` is the payment as the change leaves it. Returns the payment's id (None when
    the change touched no row: nothing was written) and the delivery ids to queue.
    """
    event_table = connection.ops.quote_name(PaymentEvent._meta.db_table)
    detail = PaymentEvent._meta.get_field("detail").get_db_prep_save(history.detail, connection)
    # Django-compiled INSERT/UPDATE and quoted table names; every value is a parameter.
    sql = (
        f"WITH c AS ({change_sql} RETURNING id), "  # noqa: S608
        f"h AS (INSERT INTO {event_table} (payment_id, created_at, action, from_status, to_status, actor, detail) "
        "SELECT c.id, %s, %s, %s, %s, %s, %s FROM c RETURNING id, payment_id)"
    )
    params = [
        *change_params,
        history.created_at, history.action, history.from_status, history.to_status, history.actor, detail,
    ]  # fmt: skip
    posting = ledger.payment_posting_sql(payment=payment, history=history, source="h")
    if posting is not None:  # the captured amount may have changed: its ledger posting
        sql += f", {posting[0]}"
        params += posting[1]
    webhook = outbox.record_sql(payment=payment, action=history.action, source="h")
    if webhook is None:
        sql += " SELECT (SELECT payment_id FROM h), ARRAY[]::integer[]"
    else:
        sql += f", {webhook[0]} SELECT (SELECT payment_id FROM h), ARRAY(SELECT id FROM wh_d)"  # noqa: S608
        params += webhook[1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        payment_id, deliveries = cursor.fetchone()
    return payment_id, list(deliveries)


def payment_step_record(*, payment: Payment, action: str, actor: str, detail: dict | None = None) -> None:
    """A step of a payment that changes no status (3-D Secure's authentication, its challenge's
    result): its history row and, when the step raises a webhook event (``events.SUFFIX``),
    that event, numbered after the payment's last — in one statement, as a status change.

    Call inside a transaction, with the payment locked (``payment`` as read under the lock).
    """
    if not outbox.raises_event(payment, action):
        payment_event_record(payment, action, actor, **(detail or {}))
        return
    now, sequence = timezone.now(), payment.event_seq + 1
    updates = {"status": payment.status, "updated": now, "event_seq": sequence}
    match = {"pk": payment.pk, "event_seq": payment.event_seq}
    deliveries = _transition_statement(payment, match, updates, action, actor, detail or {}, payment.status)
    if deliveries is None:
        raise PortalError(errors.PAYMENT_BUSY)
    payment.event_seq, payment.updated = sequence, now
    if deliveries:
        outbox.queue_deliveries(deliveries)


def payment_event_record(payment: Payment, action: str, actor: str, **detail: Any) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        action=action,
        from_status=payment.status,
        to_status=payment.status,
        actor=actor,
        detail=detail,
    )
