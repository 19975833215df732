"""Cards (``Card``): the acquirer authorises (``acquirer``), 3-D Secure 2 authenticates (``secure``).

The modules of this package, one concept each: ``tokens`` (card tokens, purge of card data),
``saved`` (customers' saved cards), ``acquirer`` (card authorisation and its outcome, shared
with every pay type that ends in a card authorisation), ``execute``, ``operations`` (capture,
cancel, change, authorise again) and ``secure`` (3-D Secure 2).

A pay type that hands over a card (Apple Pay, Google Pay: a wallet token in, a card
authorisation out) subclasses ``CardMethod``: its own ``execute`` (decrypt, then
``acquirer.authorize_request`` and ``acquirer.acquirer_call``), the card's operations as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from payments import errors
from payments.methods.base import MethodApi
from payments.models import Payment, Status
from portal.errors import PortalError
from portal.models import Merchant, PayType

VM_BRANDS = frozenset({"VISA", "MASTER"})


class CardMethod:
    pay_type: str = PayType.CARD
    label = PayType.CARD.label
    operations = frozenset({"capture", "cancel", "auth", "change", "secure"})
    statuses = frozenset(Status.values) - {Status.AWAITING_CUSTOMER_PAYMENT, Status.AWAITING_PAYMENT_APPROVAL}
    event_prefix = "payments.card"
    event_overrides: Mapping[str, str] = {}
    fee_prefix = ""  # wallet cards: ``applepay_`` / ``googlepay_`` before the brand group

    def fee_class(self, payment: Payment) -> str:
        """``vm`` for Visa and Mastercard, ``jad`` for JCB, American Express, Diners and Discover."""
        return self.fee_prefix + ("vm" if (payment.brand or "VISA") in VM_BRANDS else "jad")

    @property
    def fee_classes(self) -> frozenset[str]:
        return frozenset({self.fee_prefix + "vm", self.fee_prefix + "jad"})

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import serializers as s

        action = s.PaymentActionRequest
        return MethodApi(
            register=s.PaymentRegisterRequest,
            execute=s.PaymentExecuteRequest,
            response=s.PaymentCardResponse,
            execute_response=s.PaymentCardExecuteResponse,
            execute_links=s.card_execute_links,
            actions={
                "capture": action,
                "cancel": action,
                "auth": s.PaymentReauthorizeRequest,
                "change": s.PaymentChangeRequest,
                "secure": action,
            },
        )

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

    def buyer_simulate(self, *, payment: Payment) -> None:
        """Nothing to play: a card payment's buyer is done at execute (or 3-D Secure)."""
        raise PortalError(errors.INVALID_STATUS_TRANSITION, "Only a payment awaiting the buyer can be paid.")

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.api.serializers import fincode_time

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
