"""The merchant's requests: execute, capture, cancel, change (and a konbini slip's barcode).

An operation is marked pending in the request and its provider call queued on commit
(``provider_calls``); the request then waits a little (``PAYMENTS_PROVIDER_WAIT_SECONDS``) so
that, with healthy workers, the answer carries the finished payment.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction

from payments import errors
from payments.asyncflows.services.common import payment_fields_update, provider_for
from payments.asyncflows.services.provider_calls import payment_attempt_noted, queue_provider_call
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.registry import asynchronous_method_for
from payments.models import Customer, Payment, PaymentEvent, Status
from payments.pending import operation_begin
from payments.providers.async_base import AsyncProvider
from payments.providers.base import NotConfigured
from payments.services.registration import payment_amount_check
from payments.state import actor_label
from portal.errors import PortalError, fixed_codes

DESCRIPTION_FIELD = {
    "capture": "capture_description",
    "cancel": "cancel_description",
    "change": "update_description",
}


def _specs() -> dict[str, Any]:
    return {spec.code: spec for spec in fixed_codes()}


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


def _await(payment_id: int, reference: str) -> Payment:
    """Wait (bounded) for the worker to finish the operation; raise its error if the provider refused.

    Stops early when the worker reports a failed or deferred attempt: the outcome will come
    later (retries, reconciliation), and the merchant should not wait for a slow provider.
    """
    # Inside a caller's transaction the call is queued only when that commits (``on_commit``):
    # no worker can finish it before then, and waiting would hold the caller's locks for nothing.
    waiting = (
        settings.PAYMENTS_PROVIDER_WAIT_SECONDS if not transaction.get_connection().in_atomic_block else 0
    )
    deadline = time.monotonic() + waiting
    pause = 0.005
    while waiting and Payment.objects.filter(pk=payment_id, pending_reference=reference).exists():
        if time.monotonic() >= deadline or payment_attempt_noted(payment_id=payment_id, reference=reference):
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


def payment_barcode(*, payment: Payment, data: dict[str, Any]) -> Payment:
    """``PUT /v1/payments/{id}/barcode``: the slip's barcode again, sized for the buyer's device."""
    method = _check_operation(payment, "execute")
    payment_fields_update(payment=payment, fields=method.barcode_fields(payment=payment, data=data))
    return payment
