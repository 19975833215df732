"""Which serializers and services a pay type uses: the payments views dispatch here.

Cards keep their own path (``payments.services``); QR wallets, konbini and bank transfer
go through ``payments.asyncflows.services`` (provider calls in Celery).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer

from payments import bnpl
from payments.api import bnpl_serializers as b
from payments.api import method_serializers as m
from payments.api import serializers as s
from payments.asyncflows import services as async_services
from payments.models import Payment
from portal.models import PayType

REGISTER = {
    PayType.CARD: s.PaymentRegisterRequest,
    PayType.PAYPAY: m.PaypayRegisterRequest,
    PayType.KONBINI: m.KonbiniRegisterRequest,
    PayType.VIRTUALACCOUNT: m.VirtualaccountRegisterRequest,
    PayType.BNPL: b.BnplRegisterRequest,
}
EXECUTE = {
    PayType.CARD: s.PaymentExecuteRequest,
    PayType.PAYPAY: m.PaypayExecuteRequest,
    PayType.KONBINI: m.KonbiniExecuteRequest,
    PayType.VIRTUALACCOUNT: m.VirtualaccountExecuteRequest,
    PayType.BNPL: b.BnplExecuteRequest,
}
RESPONSE = {
    PayType.CARD: s.PaymentCardResponse,
    PayType.PAYPAY: m.PaymentPaypayResponse,
    PayType.KONBINI: m.PaymentKonbiniResponse,
    PayType.VIRTUALACCOUNT: m.PaymentVirtualaccountResponse,
    PayType.BNPL: b.PaymentBnplResponse,
}
ACTIONS = {"capture": m.AsyncCaptureRequest, "cancel": m.AsyncCancelRequest, "change": m.AsyncChangeRequest}


def _pay_type(data: Any) -> str | None:
    """The body's pay_type if it is a string (anything else is for the serializer to refuse)."""
    value = data.get("pay_type") if hasattr(data, "get") else None
    return value if isinstance(value, str) else None


def register_request(data: Any):
    """The registration serializer for the body's pay_type (cards' for anything else: it says what is wrong)."""
    return REGISTER.get(_pay_type(data), s.PaymentRegisterRequest)  # type: ignore[call-overload]


def is_async(payment: Payment) -> bool:
    """Handled here rather than by the card path of ``payments.services``."""
    return payment.pay_type in async_services.ASYNC_PAY_TYPES or payment.pay_type == PayType.BNPL


def response_class(pay_type: str):
    return RESPONSE.get(pay_type, s.PaymentCardResponse)  # type: ignore[call-overload]


def action_request(name: str):
    return ACTIONS.get(name, m.AsyncCancelRequest)


def execute(payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    if payment.pay_type == PayType.BNPL:
        return bnpl.payment_execute_bnpl(payment=payment, data=data, actor=actor)
    return async_services.payment_execute_async(payment=payment, data=data, actor=actor)


def action(payment: Payment, name: str, data: dict[str, Any], actor: Any) -> Payment:
    """capture/cancel/change of the async pay types; ``auth`` and ``secure`` are cards-only (a clear 400)."""
    if payment.pay_type == PayType.BNPL:
        return bnpl.payment_operate_bnpl(payment=payment, operation=name, actor=actor)
    return async_services.payment_operate_async(payment=payment, operation=name, data=data, actor=actor)


def _proxy(name: str, by_type: dict, **kwargs) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name,
        serializers={str(k): v for k, v in by_type.items()},
        resource_type_field_name="pay_type",
        **kwargs,
    )


class PaymentList(s.ListEnvelope):
    """``GET /v1/payments``: each item in its pay type's own schema, told apart by ``pay_type``."""

    list = _proxy("PaymentByPayType", RESPONSE, many=True)


REGISTER_SCHEMA = _proxy("PaymentRegisterByPayType", REGISTER)
EXECUTE_SCHEMA = _proxy("PaymentExecuteByPayType", {**EXECUTE, PayType.CARD: s.PaymentExecuteRequest})
RESPONSE_SCHEMA = _proxy("PaymentByPayType", RESPONSE)
EXECUTE_RESPONSE_SCHEMA = _proxy(
    "PaymentExecutedByPayType", {**RESPONSE, PayType.CARD: s.PaymentCardExecuteResponse}
)


# What payment_operate_bnpl does; async_services.OPERATIONS says it for the other pay types.
_BNPL_ACTIONS = frozenset({"capture", "cancel"})


def action_schema(name: str, card_request) -> PolymorphicProxySerializer:
    """What ``PUT /v1/payments/{id}/<name>`` takes, by pay type: the card body, and the other
    pay types' body (``action_request``) for those that have the action."""
    others = [pay_type for pay_type, operations in async_services.OPERATIONS.items() if name in operations]
    if name in _BNPL_ACTIONS:
        others.append(PayType.BNPL)
    return _proxy(
        f"Payment{name.title()}ByPayType",
        {PayType.CARD: card_request, **dict.fromkeys(others, action_request(name))},
    )


BARCODE_SCHEMA = _proxy("PaymentBarcodeByPayType", {PayType.KONBINI: m.KonbiniDeviceRequest})
