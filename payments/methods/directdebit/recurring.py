"""Direct debit in subscriptions (``RecurringCharges``): the customer's registered account,
debited on each charge day — which must be one of the bank's debit days — and requested
before that day's request period ends (``lead_days`` ahead)."""

from __future__ import annotations

from datetime import date
from typing import Any

from payments.methods.directdebit import schedule
from payments.methods.directdebit.accounts import PAY_TYPE, account_for_debit
from payments.models import Customer, Payment
from payments.subscriptions import errors as subscription_errors
from portal.errors import PortalError


class DirectDebitRecurring:
    pay_type = PAY_TYPE
    lead_days = schedule.ACCEPT_DAYS_BEFORE + 1

    def source(
        self, *, customer: Customer, card_id: str | None, payment_method_id: str | None
    ) -> dict[str, Any]:
        if card_id:
            raise PortalError(subscription_errors.PAY_TYPE_FIELD_MISMATCH, field="card_id")
        account = account_for_debit(customer=customer, payment_method_id=payment_method_id)
        return {"payment_method_id": account.payment_method_id}

    def start_problem(self, start: date) -> str | None:
        if start.day not in schedule.TARGET_DAYS:
            return "a direct debit is charged on the 5th, 6th, 23rd or 27th of a month"
        return None

    def execute(self, *, payment: Payment, subscription: Any, charge_date: date) -> Payment:
        data = {
            "customer_id": subscription.customer.customer_id,
            "payment_method_id": subscription.payment_method_id,
            "target_date": charge_date,
        }
        from payments.methods.registry import method_for  # the registry lists this module

        return method_for(self.pay_type).execute(payment=payment, data=data, actor="subscription")
