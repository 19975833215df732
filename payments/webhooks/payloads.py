"""Webhook bodies, as fincode's ``WebhookEvent.Payment.*`` schemas (amounts as strings), plus
our extensions ``event_id`` and ``event_sequence`` (also sent as headers).

Built when the event is written (in the transaction of the change), so a body shows the
payment as it was right after that change, however late it is delivered.
"""

from __future__ import annotations

from typing import Any

from payments.api.serializers import fincode_time
from payments.models import Payment
from portal.models import PayType


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _day(value) -> str | None:
    return value.strftime("%Y/%m/%d") if value else None


def _common(payment: Payment, event: str) -> dict[str, Any]:
    return {
        "shop_id": payment.merchant.public_id,
        "order_id": payment.order_id,
        "access_id": payment.access_id,
        "pay_type": payment.pay_type,
        "status": payment.status,
        "customer_id": payment.customer.customer_id if payment.customer_id else None,
        "process_date": fincode_time(payment.process_date),
        "client_field_1": payment.client_field_1,
        "client_field_2": payment.client_field_2,
        "client_field_3": payment.client_field_3,
        "amount": str(payment.amount),
        "tax": str(payment.tax),
        "currency": payment.currency,
        "error_code": payment.error_code,
        "event": event,
    }


def _card(payment: Payment) -> dict[str, Any]:
    return {
        "method": payment.method,
        "pay_times": str(payment.pay_times) if payment.pay_times else None,
        "job_code": payment.job_code,
        "subscription_id": None,
        "bulk_payment_id": None,
        "forward": payment.forward,
        "transaction_id": payment.transaction_id,
        "transaction_date": fincode_time(payment.process_date),
        "approve": payment.approve,
    }


def _konbini(payment: Payment) -> dict[str, Any]:
    return {
        "overpayment_flag": _flag(payment.overpayment_flag),
        "cancel_overpayment_flag": _flag(payment.cancel_overpayment_flag),
        "payment_date": fincode_time(payment.payment_date),
        "payment_term": fincode_time(payment.payment_term),
        "konbini_code": payment.konbini_code,
        "konbini_store_code": payment.konbini_store_code,
        "order_serial": payment.order_serial,
        "invoice_id": payment.invoice_id,
    }


def _paypay(payment: Payment) -> dict[str, Any]:
    return {
        "job_code": payment.job_code,
        "wallet": payment.wallet,
        "code_expiry_date": fincode_time(payment.code_expiry_date),
        "auth_max_date": _day(payment.auth_max_date),
        "order_description": payment.order_description,
        "code_id": payment.code_id,
        "payment_id": payment.wallet_payment_id,
        "payment_date": fincode_time(payment.payment_date),
        "merchant_payment_id": payment.merchant_payment_id,
        "merchant_update_id": payment.merchant_update_id,
        "merchant_revert_id": payment.merchant_revert_id,
        "merchant_refund_id": None,
    }


def _virtual_account(payment: Payment) -> dict[str, Any]:
    billing_total = (payment.billing_amount or 0) + (payment.billing_tax or 0)
    return {
        "id": payment.order_id,
        "customer_group_id": None,
        "billing_amount": payment.billing_amount,
        "billing_tax": payment.billing_tax,
        "billing_total_amount": billing_total,
        "transferred_amount": payment.transferred_amount,
        "payment_term_day": payment.payment_term_day,
        "payment_term": fincode_time(payment.payment_term),
        "payment_method_id": None,
        "va_bank_code": payment.va_bank_code,
        "va_branch_code": payment.va_branch_code,
        "va_branch_name": payment.va_branch_name,
        "va_account_number": payment.va_account_number,
        "va_account_name": payment.va_account_name,
        "account_assignment_date": fincode_time(payment.account_assignment_date),
        "virtual_account_id": payment.virtual_account_id,
        "transaction_date": _day(payment.transaction_date),
        "value_date": _day(payment.value_date),
        "remitter_bank_name": payment.remitter_bank_name,
        "remitter_branch_name": payment.remitter_branch_name,
        "remitter_account_name": payment.remitter_account_name,
        "overpayment_flag": _flag(payment.overpayment_flag),
        "cancel_overpayment_flag": _flag(payment.cancel_overpayment_flag),
        "expire_overpayment_flag": _flag(payment.expire_overpayment_flag),
    }


def _bnpl(payment: Payment) -> dict[str, Any]:
    from payments.bnpl import invoice_of

    invoice = invoice_of(payment) if payment.status == "CAPTURED" else None
    return {
        "job_code": payment.job_code,
        "credit_check_id": payment.credit_check.public_id if payment.credit_check_id else None,
        "decline_category": payment.bnpl_decline_category,
        "invoice_method": payment.bnpl_invoice_method,
        "invoice_id": invoice.public_id if invoice else None,
        "invoice_due_date": _day(invoice.due_date) if invoice else None,
    }


_BY_TYPE = {
    PayType.CARD: _card,
    PayType.KONBINI: _konbini,
    PayType.PAYPAY: _paypay,
    PayType.VIRTUALACCOUNT: _virtual_account,
    PayType.BNPL: _bnpl,
}


def payment_payload(payment: Payment, *, event: str, event_id: str, sequence: int) -> dict[str, Any]:
    specific = _BY_TYPE.get(payment.pay_type)  # type: ignore[call-overload]
    return {
        **_common(payment, event),
        **(specific(payment) if specific else {}),
        "event_id": event_id,
        "event_sequence": sequence,
    }
