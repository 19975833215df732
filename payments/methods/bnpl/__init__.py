"""Buy now, pay later (``Bnpl``, 後払い): the credit engine decides at execute (``flow``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from payments.methods.asynchronous import async_actions
from payments.methods.base import MethodApi
from payments.models import Payment, Status
from portal.models import Merchant, PayType


class BnplMethod:
    pay_type: str = PayType.BNPL
    label = PayType.BNPL.label
    operations = frozenset({"capture", "cancel"})
    statuses: frozenset[str] = frozenset({
        Status.UNPROCESSED, Status.AWAITING_PAYMENT_APPROVAL, Status.AUTHORIZED, Status.CAPTURED,
        Status.CANCELED, Status.FAILED,
    })  # fmt: skip
    event_prefix = "payments.bnpl"
    event_overrides: Mapping[str, str] = {}

    def fee_class(self, payment: Payment) -> str:
        return "bnpl"  # not one of fincode's classes: this product's deferred payment

    fee_classes = frozenset({"bnpl"})

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import bnpl_serializers as b

        return MethodApi(
            register=b.BnplRegisterRequest,
            execute=b.BnplExecuteRequest,
            response=b.PaymentBnplResponse,
            actions=async_actions(),
        )

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        from payments.methods.bnpl import flow

        return flow.register_fields(data=data)

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.bnpl import flow

        return flow.payment_execute_bnpl(payment=payment, data=data, actor=actor)

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.bnpl import flow

        return flow.payment_operate_bnpl(payment=payment, operation=operation, actor=actor)

    def reconcile(self, *, payment: Payment) -> str:
        from payments.methods.bnpl import flow

        return flow.reconcile(payment=payment)

    def buyer_simulate(self, *, payment: Payment) -> None:
        """Test mode: the buyer pays the invoice (at a konbini or by transfer to the payment company)."""
        from payments.methods.bnpl import flow

        flow.invoice_paid(payment=payment)

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.methods.bnpl.flow import invoice_of
        from payments.webhooks.payloads import day_text

        invoice = invoice_of(payment) if payment.status == Status.CAPTURED else None
        return {
            "job_code": payment.job_code,
            "credit_check_id": payment.credit_check.public_id if payment.credit_check is not None else None,
            "decline_category": payment.bnpl_decline_category,
            "invoice_method": payment.bnpl_invoice_method,
            "invoice_id": invoice.public_id if invoice else None,
            "invoice_due_date": day_text(invoice.due_date) if invoice else None,
        }
