"""Which serializers each pay type's requests and answers use: the API side of the pay types
(their behaviour is ``payments.methods``). Tables by pay type, so the views never branch on it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import PolymorphicProxySerializer

from payments.api import bnpl_serializers as b
from payments.api import method_serializers as m
from payments.api import serializers as s
from payments.asyncflows import services as async_services
from payments.models import Payment, Status
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
CARD_ACTIONS = {
    "capture": s.PaymentActionRequest,
    "cancel": s.PaymentActionRequest,
    "auth": s.PaymentReauthorizeRequest,
    "change": s.PaymentChangeRequest,
    "secure": s.PaymentActionRequest,
}
# What PUT /v1/payments/{id}/<action> takes, per pay type (the others' operations say which apply).
ACTION_REQUESTS = {PayType.CARD: CARD_ACTIONS}
EXECUTE_RESPONSE = {**RESPONSE, PayType.CARD: s.PaymentCardExecuteResponse}


def _card_execute_links(request, payment: Payment, data: dict[str, Any]) -> None:
    """A card payment waiting for 3-D Secure: where the buyer goes next (the 3DS method page,
    or the redirect to the challenge)."""
    data["acs_url"] = data["redirect_url"] = None
    if payment.status == Status.AUTHENTICATED:
        if payment.tds2_ret_url:
            data["acs_url"] = request.build_absolute_uri(reverse("tds-method", args=[payment.access_id]))
        else:
            data["redirect_url"] = request.build_absolute_uri(
                reverse("tds-redirect", args=[payment.access_id])
            )


EXECUTE_LINKS = {PayType.CARD: _card_execute_links}


def _pay_type(data: Any) -> str | None:
    """The body's pay_type if it is a string (anything else is for the serializer to refuse)."""
    value = data.get("pay_type") if hasattr(data, "get") else None
    return value if isinstance(value, str) else None


def register_request(data: Any):
    """The registration serializer for the body's pay_type (cards' for anything else: it says what is wrong)."""
    return REGISTER.get(_pay_type(data), s.PaymentRegisterRequest)  # type: ignore[call-overload]


def execute_request(pay_type: str):
    return EXECUTE.get(pay_type, s.PaymentExecuteRequest)  # type: ignore[call-overload]


def response_class(pay_type: str, *, executing: bool = False):
    table = EXECUTE_RESPONSE if executing else RESPONSE
    return table.get(pay_type, s.PaymentCardResponse)  # type: ignore[call-overload]


def action_request(pay_type: str, name: str):
    return ACTION_REQUESTS.get(pay_type, ACTIONS).get(name, m.AsyncCancelRequest)


def answer_data(request, payment: Payment, *, executing: bool = False) -> dict[str, Any]:
    data = response_class(payment.pay_type, executing=executing)(payment).data
    links = EXECUTE_LINKS.get(payment.pay_type) if executing else None
    if links is not None:
        links(request, payment, data)
    return data


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
        {PayType.CARD: card_request, **dict.fromkeys(others, ACTIONS.get(name, m.AsyncCancelRequest))},
    )


BARCODE_SCHEMA = _proxy("PaymentBarcodeByPayType", {PayType.KONBINI: m.KonbiniDeviceRequest})
