"""Bank transfer (``Virtualaccount``): a virtual account the buyer transfers to."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import F, QuerySet

from payments.methods.asynchronous import AsynchronousMethod, async_actions, end_of_day
from payments.methods.base import MethodApi
from payments.models import JobCode, Payment, Status
from portal.models import Merchant, PayType


class VirtualAccountMethod(AsynchronousMethod):
    pay_type: str = PayType.VIRTUALACCOUNT
    label = PayType.VIRTUALACCOUNT.label
    operations = frozenset({"cancel"})
    statuses = frozenset({
        Status.UNPROCESSED, Status.AWAITING_CUSTOMER_PAYMENT, Status.CAPTURED, Status.CANCELED, Status.EXPIRED,
    })  # fmt: skip
    event_prefix = "payments.virtualaccount"
    provider_names = frozenset({"bank"})
    money_captures = True

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import method_serializers as m

        return MethodApi(
            register=m.VirtualaccountRegisterRequest,
            execute=m.VirtualaccountExecuteRequest,
            response=m.PaymentVirtualaccountResponse,
            actions=async_actions(),
        )

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "job_code": JobCode.CAPTURE,
            "billing_amount": data.get("amount", 0),
            "billing_tax": data.get("tax") or 0,
        }

    def execute_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        days = data.get("payment_term_day", 7)
        return {"payment_term_day": days, "payment_term": end_of_day(days)}

    def money_fields(self, *, payment: Payment, amount: int) -> dict[str, Any]:
        fields: dict[str, Any] = {"transferred_amount": amount}
        if amount != payment.total_amount:  # over- or under-payment: the amount is what arrived
            fields.update(amount=amount, tax=0)
        return fields

    def late_money_fields(self, *, payment: Payment, amount: int) -> dict[str, Any]:
        total = F("transferred_amount") + amount if payment.transferred_amount else amount
        return {"transferred_amount": total}

    def notified_payments(
        self, payments: QuerySet[Payment], *, payment_ref: str, lookup: str
    ) -> QuerySet[Payment]:
        """A transfer names the account it went to (the bank does not know our payment)."""
        if lookup:
            return payments.filter(pay_type=self.pay_type, va_account_number=lookup).order_by("-id")
        return super().notified_payments(payments, payment_ref=payment_ref, lookup=lookup)

    def buyer_request(self, *, payment: Payment, client: Any, base_url: str) -> Any:
        return client.post(
            f"{base_url}/bank/v1/transfers",
            json={"account_number": payment.va_account_number, "amount": payment.total_amount, "stub": True},
        )

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.api.serializers import fincode_time
        from payments.webhooks.payloads import day_text, flag_text

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
            "transaction_date": day_text(payment.transaction_date),
            "value_date": day_text(payment.value_date),
            "remitter_bank_name": payment.remitter_bank_name,
            "remitter_branch_name": payment.remitter_branch_name,
            "remitter_account_name": payment.remitter_account_name,
            "overpayment_flag": flag_text(payment.overpayment_flag),
            "cancel_overpayment_flag": flag_text(payment.cancel_overpayment_flag),
            "expire_overpayment_flag": flag_text(payment.expire_overpayment_flag),
        }
