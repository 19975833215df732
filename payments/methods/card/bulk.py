"""Cards in bulk payments (``BulkCharges``): each line names a customer and one of their
saved cards (or their default card), checked on upload and charged on the process plan date."""

from __future__ import annotations

from typing import Any

from payments import errors
from payments.models import Card, Customer, Payment
from portal.errors import PortalError
from portal.models import Merchant, PayType


class CardBulk:
    pay_type = PayType.CARD.value

    def check_lines(
        self, *, merchant: Merchant, mode: str, lines: list[dict[str, Any]]
    ) -> dict[int, list[PortalError]]:
        customers = dict(
            Customer.objects.filter(
                merchant=merchant, mode=mode, customer_id__in={line["customer_id"] for line in lines}
            ).values_list("customer_id", "pk")
        )
        cards = set(
            Card.objects.filter(customer_id__in=customers.values()).values_list("customer_id", "card_id")
        )
        defaults = set(
            Card.objects.filter(customer_id__in=customers.values(), default_flag=True).values_list(
                "customer_id", flat=True
            )
        )
        problems: dict[int, list[PortalError]] = {}
        for line in lines:
            customer_pk = customers.get(line["customer_id"])
            if customer_pk is None:
                problem = PortalError(errors.CUSTOMER_NOT_FOUND, field="customer_id")
            elif line.get("card_id") and (customer_pk, line["card_id"]) not in cards:
                problem = PortalError(errors.CARD_NOT_FOUND, field="card_id")
            elif not line.get("card_id") and customer_pk not in defaults:
                problem = PortalError(errors.NO_DEFAULT_CARD, field="card_id")
            else:
                continue
            problems[line["line"]] = [problem]
        return problems

    def execute(self, *, payment: Payment, line: Any) -> Payment:
        from payments.methods.card.execute import payment_execute  # imports the registry

        data = {"customer_id": line.customer_id, "method": "1"}
        if line.card_id:
            data["card_id"] = line.card_id
        return payment_execute(payment=payment, data=data, actor="bulk")
