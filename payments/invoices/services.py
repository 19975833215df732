"""Writes of invoices: create, change and delete a draft; open, cancel, mark paid outside;
issue the bank-transfer account again; pay by card on the hosted page; settle from the
invoice's payments; send reminders.

Statuses change only through ``_transition`` (one conditional UPDATE on the table below).
Amounts are integers of yen; the tax of each rate is rounded down once per invoice (Japan's
qualified invoice rule).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.invoices import errors
from payments.invoices.models import Invoice, InvoiceLine, InvoiceReminder
from payments.methods.registry import method_for
from payments.models import Customer, JobCode, Payment, Status
from payments.services.registration import payment_register
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant

logger = logging.getLogger(__name__)

ACTOR = "invoice"
S = Invoice.Status
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.AWAITING_CUSTOMER_PAYMENT, S.CANCELED},
    S.AWAITING_CUSTOMER_PAYMENT: {S.PAID, S.CANCELED},
    S.PAID: set(),
    S.CANCELED: set(),
}
PAID = (Status.CAPTURED, Status.AUTHORIZED)
TRANSFER, CARD = "Virtualaccount", "Card"
DRAFT_FIELDS = (
    "invoice_number", "customer_honorific", "customer_overwrite", "issuer_overwrite", "issue_date", "due_date",
    "is_tax_included", "memo", "pay_types", "client_field_1", "client_field_2", "client_field_3",
    "bill_mail_send_flag", "receipt_mail_send_flag", "underpayment_mail_send_flag",
)  # fmt: skip


def business_today() -> date:
    return timezone.localdate()


def amounts(lines: list[dict[str, Any]], *, tax_included: bool) -> tuple[int, int]:
    """(total the buyer pays, its tax) of ``lines``."""
    by_rate: dict[int, int] = defaultdict(int)
    for line in lines:
        by_rate[line["tax_rate"]] += line["unit_price"] * line["quantity"]
    if tax_included:
        tax = sum(subtotal * rate // (100 + rate) for rate, subtotal in by_rate.items())
        return sum(by_rate.values()), tax
    tax = sum(subtotal * rate // 100 for rate, subtotal in by_rate.items())
    return sum(by_rate.values()) + tax, tax


def _transition(invoice: Invoice, to: str, **fields: Any) -> Invoice:
    allowed = [status for status, targets in TRANSITIONS.items() if to in targets]
    now = timezone.now()
    changed = Invoice.objects.filter(pk=invoice.pk, status__in=allowed, deleted_at__isnull=True).update(
        status=to, updated=now, **fields
    )
    if not changed:
        raise PortalError(errors.INVOICE_STATE)
    invoice.refresh_from_db()
    return invoice


def _customer(merchant: Merchant, mode: str, customer_id: str | None) -> Customer | None:
    if not customer_id:
        return None
    from payments import errors as payment_errors

    customer = one_or_none(Customer.objects.filter(merchant=merchant, mode=mode, customer_id=customer_id))
    if customer is None:
        raise PortalError(payment_errors.CUSTOMER_NOT_FOUND, field="customer_id")
    return customer


def _write_lines(invoice: Invoice, lines: list[dict[str, Any]]) -> None:
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=n, **line) for n, line in enumerate(lines, start=1)
    )
    invoice.total_amount, invoice.tax = amounts(lines, tax_included=invoice.is_tax_included)


@transaction.atomic
def invoice_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> Invoice:
    invoice = Invoice(merchant=merchant, mode=mode, pay_types=[CARD, TRANSFER])
    if data.get("id"):
        invoice.invoice_id = data["id"]
    invoice.customer = _customer(merchant, mode, data.get("customer_id"))
    for name in DRAFT_FIELDS:
        if data.get(name) is not None:
            setattr(invoice, name, data[name])
    if data.get("card_job_code"):
        invoice.card_job_code = data["card_job_code"]
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as exc:
        raise PortalError(errors.INVOICE_EXISTS, field="id") from exc
    _write_lines(invoice, data.get("lines") or [])
    invoice.save(update_fields=["total_amount", "tax"])
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, data: dict[str, Any]) -> Invoice:
    """A draft changes freely; an open or settled invoice only its ``is_uncollectible`` flag."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    drafted = {name for name in data if name != "is_uncollectible" and data[name] is not None}
    if drafted and invoice.status != S.DRAFT:
        raise PortalError(errors.INVOICE_STATE)
    if "customer_id" in drafted:
        invoice.customer = _customer(invoice.merchant, invoice.mode, data["customer_id"])
    for name in DRAFT_FIELDS:
        if data.get(name) is not None:
            setattr(invoice, name, data[name])
    if data.get("card_job_code"):
        invoice.card_job_code = data["card_job_code"]
    if data.get("is_uncollectible") is not None:
        invoice.is_uncollectible = data["is_uncollectible"]
    if data.get("lines") is not None:
        _write_lines(invoice, data["lines"])
    elif "is_tax_included" in drafted:
        lines: list[dict[str, Any]] = [
            {"unit_price": line.unit_price, "quantity": line.quantity, "tax_rate": line.tax_rate}
            for line in invoice.lines.all()
        ]
        invoice.total_amount, invoice.tax = amounts(lines, tax_included=invoice.is_tax_included)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> Invoice:
    """Only a draft or a canceled invoice is deleted (nothing can be paid on it)."""
    now = timezone.now()
    deleted = Invoice.objects.filter(
        pk=invoice.pk, status__in=[S.DRAFT, S.CANCELED], deleted_at__isnull=True
    ).update(deleted_at=now, updated=now)
    if not deleted:
        raise PortalError(errors.INVOICE_STATE)
    invoice.refresh_from_db()
    return invoice


def _transfer_account(invoice: Invoice) -> Payment:
    """A ``Virtualaccount`` payment for the invoice's total: its account is the invoice's."""
    payment = payment_register(
        merchant=invoice.merchant,
        mode=invoice.mode,
        data={"pay_type": TRANSFER, "job_code": JobCode.CAPTURE, "amount": invoice.total_amount},
        actor=ACTOR,
    )
    Invoice.objects.filter(pk=invoice.pk).update(transfer_payment=payment)
    return method_for(TRANSFER).execute(payment=payment, data={}, actor=ACTOR)


def invoice_open(*, invoice: Invoice, data: dict[str, Any]) -> Invoice:
    """DRAFT → AWAITING_CUSTOMER_PAYMENT: the hosted page goes live, the bank account is issued,
    the bill is e-mailed when ``bill_mail_send_flag`` says so."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status == S.DRAFT:
            if not invoice.lines.exists():
                raise PortalError(errors.NO_LINES, field="lines")
            if invoice.total_amount < 1:
                raise PortalError(errors.AMOUNT_ZERO, field="lines")
        fields = {name: data[name] for name in data if data[name] is not None}
        fields.setdefault("issue_date", invoice.issue_date or business_today())
        invoice = _transition(invoice, S.AWAITING_CUSTOMER_PAYMENT, **fields)
    if TRANSFER in invoice.pay_types:
        try:
            _transfer_account(invoice)
        except PortalError as exc:  # the bank did not answer yet: the account comes when it does
            logger.warning("invoice %s: bank account not issued yet: %s", invoice.invoice_id, exc.code)
    if invoice.bill_mail_send_flag:
        _mail(invoice, "bill")
    invoice.refresh_from_db()
    return invoice


def invoice_cancel(*, invoice: Invoice) -> Invoice:
    invoice = _transition(invoice, S.CANCELED)
    payment = invoice.transfer_payment
    if payment is not None and payment.status == Status.AWAITING_CUSTOMER_PAYMENT:
        try:  # close the account: a transfer after this is not the invoice's
            method_for(TRANSFER).operate(payment=payment, operation="cancel", data={}, actor=ACTOR)
        except PortalError as exc:
            logger.warning("invoice %s: the transfer account stays open: %s", invoice.invoice_id, exc.code)
    return invoice


def invoice_paid_externally(*, invoice: Invoice, transaction_date: date | None) -> Invoice:
    return _transition(
        invoice, S.PAID, is_paid_externally=True, transaction_date=transaction_date or business_today()
    )


def invoice_transfer_refresh(*, invoice: Invoice) -> Invoice:
    """A new bank-transfer account for an open invoice (the old one expired or was closed)."""
    if invoice.status != S.AWAITING_CUSTOMER_PAYMENT:
        raise PortalError(errors.INVOICE_STATE)
    if TRANSFER not in invoice.pay_types:
        raise PortalError(errors.NO_VIRTUAL_ACCOUNT)
    old = invoice.transfer_payment
    if old is not None and old.status in PAID:
        invoice_settle(invoice_pk=invoice.pk)
        raise PortalError(errors.INVOICE_STATE)
    _transfer_account(invoice)
    invoice.refresh_from_db()
    return invoice


def _card_attempt(*, invoice: Invoice) -> Payment:
    """The card payment to make now, registered and linked with the invoice locked: a second
    submit while one is under way (or after one succeeded) is refused, never charged twice."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",)).select_related("card_payment").get(pk=invoice.pk)
        )
        if invoice.status != S.AWAITING_CUSTOMER_PAYMENT or invoice.deleted_at is not None:
            raise PortalError(errors.INVOICE_STATE)
        if CARD not in invoice.pay_types:
            raise PortalError(errors.PAY_TYPE_NOT_OFFERED, field="pay_types")
        previous = invoice.card_payment
        if previous is not None and (
            previous.status in PAID or previous.pending_operation or not previous.error_code
        ):
            raise PortalError(errors.CARD_PAYMENT_UNDER_WAY)
        payment = payment_register(
            merchant=invoice.merchant,
            mode=invoice.mode,
            data={"pay_type": CARD, "job_code": invoice.card_job_code, "amount": invoice.total_amount},
            actor=ACTOR,
        )
        Invoice.objects.filter(pk=invoice.pk).update(card_payment=payment)
    return payment


def invoice_pay_by_card(*, invoice: Invoice, token: str) -> Invoice:
    """The hosted page's card payment (a token made by this product from the page's form)."""
    payment = _card_attempt(invoice=invoice)
    try:
        method_for(CARD).execute(payment=payment, data={"token": token, "method": "1"}, actor=ACTOR)
    finally:
        invoice_settle(invoice_pk=invoice.pk)
    invoice.refresh_from_db()
    return invoice


def invoice_settle(*, invoice_pk: int) -> str:
    """PAID when one of the invoice's payments is paid in full (a transfer below the total
    leaves it open, with a note to the buyer when ``underpayment_mail_send_flag``)."""
    invoice = Invoice.objects.select_related("transfer_payment", "card_payment").get(pk=invoice_pk)
    if invoice.status != S.AWAITING_CUSTOMER_PAYMENT:
        return invoice.status
    for payment in (invoice.card_payment, invoice.transfer_payment):
        if payment is None or payment.status not in PAID:
            continue
        received = (
            payment.transferred_amount if payment.transferred_amount is not None else payment.total_amount
        )
        if received < invoice.total_amount:
            if invoice.underpayment_mail_send_flag:
                _mail(invoice, "underpayment")
            continue
        day = payment.process_date or timezone.now()
        _transition(invoice, S.PAID, transaction_date=timezone.localtime(day).date())
        if invoice.receipt_mail_send_flag:
            _mail(invoice, "receipt")
        return S.PAID
    return invoice.status


def open_invoices() -> list[int]:
    return list(
        Invoice.objects.filter(
            status=S.AWAITING_CUSTOMER_PAYMENT, deleted_at__isnull=True, transfer_payment__status__in=PAID
        ).values_list("pk", flat=True)
    )


def _email(invoice: Invoice) -> str:
    if invoice.customer_overwrite.get("email"):
        return invoice.customer_overwrite["email"]
    return invoice.customer.email if invoice.customer is not None else ""


def invoice_url(invoice: Invoice) -> str:
    return f"{settings.PORTAL_BASE_URL}/invoices/{invoice.page_token}/"


def _mail(invoice: Invoice, kind: str) -> bool:
    to = _email(invoice)
    if not to:
        return False
    subjects = {
        "bill": "Invoice", "receipt": "Receipt", "underpayment": "Payment short of the invoice",
        InvoiceReminder.Kind.BEFORE_DUE: "Invoice due soon", InvoiceReminder.Kind.OVERDUE: "Invoice overdue",
    }  # fmt: skip
    body = f"{invoice.merchant.name}: ¥{invoice.total_amount:,}. {invoice_url(invoice)}"
    send_mail(f"{subjects[kind]} {invoice.invoice_number or invoice.invoice_id}", body, None, [to])
    return True


def reminders_send(*, today: date) -> int:
    """One e-mail per open invoice and kind: ``INVOICE_REMIND_DAYS_BEFORE`` days before the due
    date, and once it is past. The reminder row is written first (unique): a second beat or a
    repeated run sends nothing."""
    soon = today + timedelta(days=settings.INVOICE_REMIND_DAYS_BEFORE)
    due = Invoice.objects.filter(
        status=S.AWAITING_CUSTOMER_PAYMENT,
        deleted_at__isnull=True,
        due_date__isnull=False,
        due_date__lte=soon,
    ).select_related("merchant", "customer")
    sent = 0
    for invoice in due:
        assert invoice.due_date is not None  # filtered above
        kind = InvoiceReminder.Kind.OVERDUE if invoice.due_date < today else InvoiceReminder.Kind.BEFORE_DUE
        to = _email(invoice)
        if not to:
            continue
        with transaction.atomic():
            _, created = InvoiceReminder.objects.get_or_create(
                invoice=invoice, kind=kind, defaults={"sent_to": to}
            )
            if created:  # sent once the row is committed: at most one e-mail per invoice and kind
                transaction.on_commit(partial(_mail, invoice, kind))
                sent += 1
    return sent
