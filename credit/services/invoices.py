"""Exposures and BNPL invoices: authorisations held, invoices issued at shipment, paid, reminded."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from credit import errors, selectors
from credit.models import (
    CreditCheck,
    Exposure,
)
from portal.errors import PortalError
from portal.models import User

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


def exposure_authorize(*, check: CreditCheck, now: datetime) -> Exposure:
    return Exposure.objects.create(
        check_ref=check,
        buyer_id=check.buyer_id,
        merchant_id=check.merchant_id,
        mode=check.mode,
        amount=check.amount,
        currency=check.currency,
        authorized_at=now,
        expires_at=now + timedelta(days=settings.CREDIT_AUTHORIZATION_DAYS),
    )


def _exposure_transition(*, exposure: Exposure, to: str, updates: dict[str, Any]) -> Exposure:
    if to not in Exposure.TRANSITIONS.get(exposure.status, set()):
        raise PortalError(errors.EXPOSURE_STATE, f"The exposure cannot go from {exposure.status} to {to}.")
    changed = Exposure.objects.filter(pk=exposure.pk, status=exposure.status).update(status=to, **updates)
    if changed != 1:
        raise PortalError(errors.EXPOSURE_STATE, "The exposure was changed concurrently; reload.")
    exposure.refresh_from_db()
    return exposure


@transaction.atomic
def bnpl_invoice_create(
    *, check: CreditCheck, amount: int | None = None, payment_method: str = Exposure.PaymentMethod.KONBINI,
    issued_at: datetime | None = None,
) -> Exposure:  # fmt: skip
    """Turn the authorization of an approved check into an invoice due in CREDIT_INVOICE_DUE_DAYS days.

    ``amount`` (default: the authorized amount) may be lower than authorized (partial shipment), never higher.
    """
    exposure = Exposure.objects.select_for_update().get(check_ref=check)
    amount = exposure.amount if amount is None else amount
    if not isinstance(amount, int) or not 0 < amount <= exposure.amount:
        raise PortalError(
            errors.EXPOSURE_STATE, "The invoice amount must be between 1 and the authorized amount."
        )
    if payment_method not in Exposure.PaymentMethod.values:
        raise PortalError(errors.EXPOSURE_STATE, "Unknown invoice payment method.")
    issued_at = issued_at or timezone.now()
    due = timezone.localdate(issued_at) + timedelta(days=settings.CREDIT_INVOICE_DUE_DAYS)
    return _exposure_transition(
        exposure=exposure,
        to=Exposure.Status.INVOICED,
        updates={
            "amount": amount,
            "invoiced_at": issued_at,
            "due_date": due,
            "payment_method": payment_method,
        },
    )


@transaction.atomic
def credit_authorization_release(*, check: CreditCheck) -> Exposure:
    exposure = Exposure.objects.select_for_update().get(check_ref=check)
    return _exposure_transition(
        exposure=exposure, to=Exposure.Status.RELEASED, updates={"released_at": timezone.now()}
    )


@transaction.atomic
def bnpl_invoice_mark_paid(*, invoice: Exposure, paid_at: datetime | None = None) -> Exposure:
    invoice = Exposure.objects.select_for_update().get(pk=invoice.pk)
    return _exposure_transition(
        exposure=invoice, to=Exposure.Status.PAID, updates={"paid_at": paid_at or timezone.now()}
    )


def bnpl_invoice_remind(*, invoice: Exposure, today: date) -> bool:
    """Record and send one reminder (a conditional update: two workers never send it twice)."""
    changed = (
        Exposure.objects.filter(
            pk=invoice.pk, status=Exposure.Status.INVOICED, reminder_count=invoice.reminder_count
        )
        .exclude(last_reminded_on=today)
        .update(reminder_count=invoice.reminder_count + 1, last_reminded_on=today)
    )
    if not changed:
        return False
    check = CreditCheck.objects.get(pk=invoice.check_ref_id)
    overdue = invoice.due_date < today
    subject = "お支払いのお願い (overdue)" if overdue else "お支払い期限のお知らせ (due soon)"
    body = (
        f"Invoice {invoice.public_id}: ¥{invoice.amount:,} due on {invoice.due_date:%Y-%m-%d}.\n"
        f"Pay at a convenience store or by bank transfer with the slip you received."
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [check.application["email"]])
    return True


def bnpl_invoices_remind(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(
        bnpl_invoice_remind(invoice=i, today=today) for i in selectors.invoices_due_for_reminder(today=today)
    )
