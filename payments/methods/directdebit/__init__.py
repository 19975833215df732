"""Direct debit (``Directdebit``, 口座振替): a customer's bank account, registered with the bank
as a payment method (``accounts``), debited on a ``target_date`` (``schedule``).

Register as any payment; execute with the customer, the payment method (default: theirs) and the
target date: the debit request goes to the bank in Celery (``payments.asyncflows``) and the
payment waits for the bank (``AWAITING_PAYMENT_APPROVAL``). Until the request period ends it
can be changed or canceled; on or after the target date the bank notifies the result
(``result_code``): ``0`` → ``CAPTURED``, anything else → ``FAILED``; both raise fincode's
``payments.directdebit.complete``. The bank is ``payments.providers.directdebit`` (test mode:
``simulators.directdebit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django.utils.translation import gettext_lazy as _

from payments import errors
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.base import MethodApi
from payments.models import Customer, DirectDebitAccount, JobCode, Payment, Status
from payments.providers.async_base import ProviderEvent
from portal.errors import PortalError
from portal.models import Merchant


class DirectDebitMethod(AsynchronousMethod):
    pay_type = "Directdebit"
    label = _("Direct debit (口座振替)")
    operations = frozenset({"cancel", "change"})
    statuses = frozenset({
        Status.UNPROCESSED, Status.AWAITING_PAYMENT_APPROVAL, Status.CAPTURED, Status.CANCELED, Status.FAILED,
    })  # fmt: skip
    event_prefix = "payments.directdebit"
    # fincode raises one event for the bank's result, whichever it is (``result_code`` tells).
    event_overrides: Mapping[str, str] = {"fail": "payments.directdebit.complete"}
    provider_names = frozenset({"directdebit"})
    execute_status = Status.AWAITING_PAYMENT_APPROVAL

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import directdebit_serializers as d

        return MethodApi(
            register=d.DirectdebitRegisterRequest,
            execute=d.DirectdebitExecuteRequest,
            response=d.PaymentDirectdebitResponse,
            actions={"cancel": d.DirectdebitCancelRequest, "change": d.DirectdebitChangeRequest},
        )

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"job_code": JobCode.CAPTURE, "remarks": data.get("remarks") or None}

    def execute_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        from payments.methods.directdebit import accounts, schedule

        customer = Customer.objects.filter(
            merchant=payment.merchant, mode=payment.mode, customer_id=data["customer_id"]
        ).first()
        if customer is None:
            raise PortalError(errors.CUSTOMER_NOT_FOUND, field="customer_id")
        target = data["target_date"]
        problem = schedule.target_problem(target)
        if problem:
            raise PortalError(errors.TARGET_DATE_INVALID, f"target_date: {problem}.", field="target_date")
        account = accounts.account_for_debit(
            customer=customer, payment_method_id=data.get("payment_method_id")
        )
        return {
            "payment_method_id": account.payment_method_id,
            "dd_bank_code": account.bank_code,
            "dd_bank_name": account.bank_name or None,
            "dd_branch_code": account.branch_code or None,
            "dd_branch_name": account.branch_name or None,
            "target_date": target,
            "request_accept_end_date": schedule.request_accept_end_date(target),
            "transfer_return_date": schedule.transfer_return_date(target),
        }

    def start_fields(self, *, payment: Payment) -> dict[str, Any]:
        mandate = (
            DirectDebitAccount.objects.filter(
                payment_method_id=payment.payment_method_id, customer__merchant_id=payment.merchant_id
            )
            .values_list("bank_reference", flat=True)
            .first()
        )
        return {"mandate": mandate or "", "target_date": payment.target_date}

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.directdebit import schedule

        if payment.status == Status.AWAITING_PAYMENT_APPROVAL and not schedule.still_open(
            payment.target_date
        ):
            raise PortalError(errors.REQUEST_PERIOD_ENDED)
        return super().operate(payment=payment, operation=operation, data=data, actor=actor)

    def account_event(self, *, mode: str, event: ProviderEvent) -> str:
        from payments.methods.directdebit.accounts import account_decided

        return account_decided(mode=mode, event=event)

    def buyer_simulate(self, *, payment: Payment) -> None:
        raise PortalError(
            errors.OPERATION_NOT_SUPPORTED, "A direct debit has no buyer step: the bank debits it."
        )

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.webhooks.payloads import day_text

        return {
            "payment_method_id": payment.payment_method_id,
            "result_code": payment.result_code,
            "target_date": day_text(payment.target_date),
            "withdrawal_date": day_text(payment.withdrawal_date),
            "request_accept_end_date": day_text(payment.request_accept_end_date),
            "transfer_return_date": day_text(payment.transfer_return_date),
            "remarks": payment.remarks,
            "subscription_id": None,
        }
