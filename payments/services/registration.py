"""Registering a payment: the contract's limit, and the one INSERT of the payment row."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Field
from django.utils import timezone

from payments import errors
from payments.methods.registry import method_for
from payments.models import Payment, PaymentEvent
from payments.state import actor_label, payment_write_with_history
from payments.webhooks import outbox
from portal.errors import PortalError
from portal.models import Merchant, Mode

REGISTER_FIELDS = (
    "job_code", "amount", "tax", "tds_type", "tds2_type", "td_tenant_name",
    "client_field_1", "client_field_2", "client_field_3", "order_description",
)  # fmt: skip


def contract_limit_get(*, merchant: Merchant, mode: str, pay_type: str) -> int:
    """Maximum total per payment: the contract's in live mode, the default terms in test mode.

    Read from the per-process terms cache (contract changes apply within seconds).
    """
    from payments.admission.controller import limits_for

    terms = limits_for(merchant_id=merchant.pk, pay_type=pay_type)
    if mode == Mode.LIVE and not terms.contracted:
        raise PortalError(errors.PAY_TYPE_NOT_CONTRACTED, field="pay_type")
    return terms.max_amount


def payment_amount_check(*, merchant: Merchant, mode: str, pay_type: str, total: int) -> None:
    """The 4xx for a total (amount + tax) over the contract's limit, if it is."""
    if total > contract_limit_get(merchant=merchant, mode=mode, pay_type=pay_type):
        raise PortalError(errors.AMOUNT_OVER_LIMIT, field="amount")


def payment_register(
    *, merchant: Merchant, mode: str, data: dict[str, Any], actor: Any, order_id: str | None = None
) -> Payment:
    """Register a payment (no charge yet). ``data`` is validated input (serializer).

    The payment's id is the merchant's ``id``, else ``order_id`` (an id reserved for it by
    admission control), else a new one.
    """
    pay_type = data["pay_type"]
    method = method_for(pay_type)
    total = (data.get("amount") or 0) + (data.get("tax") or 0)
    payment_amount_check(merchant=merchant, mode=mode, pay_type=pay_type, total=total)
    fields = {f: data[f] for f in REGISTER_FIELDS if data.get(f) is not None}
    fields.update(method.register_fields(merchant=merchant, mode=mode, data=data))
    if order_id := data.get("id") or order_id:
        fields["order_id"] = order_id
    payment = Payment.new(merchant=merchant, mode=mode, pay_type=pay_type, **fields)
    payment.event_seq = 1 if outbox.raises_event(payment, "register") else 0
    event = PaymentEvent(
        action="register",
        to_status=payment.status,
        actor=actor_label(actor),
        detail={"amount": payment.amount, "tax": payment.tax, "job_code": payment.job_code},
    )
    try:
        deliveries = _insert_registration(payment, event)
    except IntegrityError as exc:
        raise PortalError(errors.ORDER_ID_EXISTS, field="id") from exc
    if deliveries:
        outbox.queue_deliveries(deliveries)
    return payment


_PAYMENT_INSERT: dict[tuple[str, tuple[str, ...]], str] = {}
# Each column, and whether its value is the attribute as it stands (``Field.pre_save`` reads
# it so); the others (the ``auto_now`` times) compute theirs in ``pre_save``.
_INSERTABLE = [
    (field, type(field).pre_save is Field.pre_save)
    for field in Payment._meta.concrete_fields
    if not field.primary_key
]


def _payment_insert(payment: Payment) -> tuple[str, list]:
    """The INSERT of a new payment row: the columns that carry a value, each a parameter.

    A nullable column left NULL is not named: the database's default for it is NULL. So the
    statement of a registration names a score of columns, not every one of the model's ~100
    (a short statement that psycopg's query cache keeps and PostgreSQL parses quickly). The
    SQL is built once per column set and connection.
    """
    db = connections[DEFAULT_DB_ALIAS]  # ``connection``'s, looked up once, not per value
    attributes = vars(payment)
    columns, params = [], []
    for field, as_it_stands in _INSERTABLE:
        value = attributes[field.attname] if as_it_stands else field.pre_save(payment, True)
        if value is None and field.null:
            continue
        columns.append(field.column)
        params.append(field.get_db_prep_save(value, db))
    key = (db.alias, tuple(columns))
    if key not in _PAYMENT_INSERT:
        qn = db.ops.quote_name
        names = ", ".join(qn(column) for column in columns)
        values = ", ".join(["%s"] * len(columns))
        _PAYMENT_INSERT[key] = f"INSERT INTO {qn(Payment._meta.db_table)} ({names}) VALUES ({values})"  # noqa: S608
    return _PAYMENT_INSERT[key], params


def _insert_registration(payment: Payment, event: PaymentEvent) -> list[int]:
    """INSERT the payment, its first history event and its webhook event (transactional outbox).

    The hot path of registration, in ONE statement (one round trip, atomic): the payment, the
    history row and — only if the merchant subscribes to the register event — the webhook
    event and its deliveries. Returns the ids of the deliveries to queue.
    """
    now = timezone.now()
    payment.created = payment.updated = event.created_at = now
    insert_sql, insert_params = _payment_insert(payment)
    # Inside an outer transaction, a savepoint keeps a unique violation from poisoning it.
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
        payment.pk, deliveries = payment_write_with_history(insert_sql, insert_params, payment, event)
    payment.id = payment.pk
    payment._state.adding = False
    payment._state.db = connection.alias
    return deliveries
