"""Cards (``Card``): the acquirer authorises (``acquirer``), 3-D Secure 2 authenticates (``secure``).

The modules of this package, one concept each: ``tokens`` (card tokens, purge of card data),
``saved`` (customers' saved cards), ``acquirer`` (card authorisation and its outcome, shared
with every pay type that ends in a card authorisation), ``execute``, ``operations`` (capture,
cancel, change, authorise again) and ``secure`` (3-D Secure 2).
"""

from __future__ import annotations

from typing import Any

from payments import errors
from payments.models import Payment
from portal.errors import PortalError
from portal.models import Merchant, PayType


class CardMethod:
    pay_type = PayType.CARD
    operations = frozenset({"capture", "cancel", "auth", "change", "secure"})

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        tds_type = data.get("tds_type") or "0"
        fields = {"tds_type": tds_type}
        if tds_type == "2":
            fields["tds2_type"] = data.get("tds2_type") or "2"
        return fields

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.card.execute import payment_execute

        return payment_execute(payment=payment, data=data, actor=actor)

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.card import operations, secure

        if operation == "capture":
            return operations.payment_capture(payment=payment, data=data, actor=actor)
        if operation == "cancel":
            return operations.payment_cancel(payment=payment, actor=actor)
        if operation == "auth":
            return operations.payment_reauthorize(payment=payment, data=data, actor=actor)
        if operation == "change":
            return operations.payment_change(payment=payment, data=data, actor=actor)
        if operation == "secure":
            return secure.payment_secure(payment=payment, actor=actor)
        raise PortalError(
            errors.INVALID_STATUS_TRANSITION, f"{operation} is not an operation of card payments."
        )

    def reconcile(self, *, payment: Payment) -> str:
        from payments.methods.card.acquirer import card_reconcile

        return card_reconcile(payment=payment)
