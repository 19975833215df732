"""Resolving a pending provider operation, whatever the pay type: the pay type's module asks its
provider (``PaymentMethod.reconcile``); Celery runs this (``payments.reconcile_payment``)."""

from __future__ import annotations

import logging

from django.db import transaction

from payments.methods.registry import method_for
from payments.models import Payment

logger = logging.getLogger(__name__)


def payment_reconcile(*, payment_id: int) -> str:
    """Resolve a payment's pending operation by asking its provider what became of it.

    Returns what happened: ``none`` (nothing pending), ``completed``, ``abandoned``,
    ``processing`` (ask again later), or what the pay type adds (``resent``, ``synced``).
    Safe to run any number of times, anywhere.
    """
    payment = Payment.objects.get(pk=payment_id)
    return method_for(payment.pay_type).reconcile(payment=payment)


def payment_reconcile_schedule(*, payment: Payment, countdown: float = 10) -> None:
    """Queue the reconciliation of ``payment`` once the transaction commits."""
    from payments.tasks import reconcile_payment

    payment_id = payment.pk

    def send() -> None:
        try:
            reconcile_payment.apply_async(kwargs={"payment_id": payment_id}, countdown=countdown)
        except Exception:  # the periodic sweeper picks it up anyway
            logger.warning("could not queue reconciliation of payment %s", payment_id, exc_info=True)

    transaction.on_commit(send)
