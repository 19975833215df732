"""Cards in subscriptions (``RecurringCharges``): the customer's saved card — the one the
subscription names, else their default card at each charge — charged on the charge day."""

from __future__ import annotations

from datetime import date
from typing import Any

from payments import errors
from payments.models import Card, Customer, Payment
from payments.subscriptions import errors as subscription_errors
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import PayType


class CardRecurring:
    pay_type = PayType.CARD.value
    lead_days = 0

    def source(
        self, *, customer: Customer, card_id: str | None, payment_method_id: str | None
    ) -> dict[str, Any]:
        if payment_method_id:
            raise PortalError(subscription_errors.PAY_TYPE_FIELD_MISMATCH, field="payment_method_id")
        cards = Card.objects.filter(customer=customer)
        if card_id:
            card = one_or_none(cards.filter(card_id=card_id))
            if card is None:
                raise PortalError(errors.CARD_NOT_FOUND, field="card_id")
            return {"card": card}
        if not cards.filter(default_flag=True).exists():
            raise PortalError(errors.NO_DEFAULT_CARD, field="card_id")
        return {"card": None}  # the default card at each charge

    def start_problem(self, start: date) -> str | None:
        return None

    def execute(self, *, payment: Payment, subscription: Any, charge_date: date) -> Payment:
        from payments.methods.card.execute import payment_execute  # imports the registry

        data = {"customer_id": subscription.customer.customer_id, "method": "1"}
        if subscription.card is not None:
            data["card_id"] = subscription.card.card_id
        return payment_execute(payment=payment, data=data, actor="subscription")
