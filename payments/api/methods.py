"""Which serializers each pay type's requests and answers use, as its module declares them
(``PaymentMethod.api``), so that the views and the OpenAPI schema never branch on the pay type.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer

from payments.api import method_serializers as m
from payments.api import serializers as s
from payments.methods.registry import METHODS
from payments.models import Payment

APIS = {pay_type: method.api for pay_type, method in METHODS.items()}
REGISTER = {pay_type: api.register for pay_type, api in APIS.items()}
EXECUTE = {pay_type: api.execute for pay_type, api in APIS.items()}
RESPONSE = {pay_type: api.response for pay_type, api in APIS.items()}
EXECUTE_RESPONSE = {pay_type: api.execute_response or api.response for pay_type, api in APIS.items()}
BARCODE = {pay_type: api.barcode for pay_type, api in APIS.items() if api.barcode}
# The body of an operation a pay type does not have: the target only (the service refuses it).
NO_ACTION = m.AsyncCancelRequest


def _pay_type(data: Any) -> str | None:
    """The body's pay_type if it is a string (anything else is for the serializer to refuse)."""
    value = data.get("pay_type") if hasattr(data, "get") else None
    return value if isinstance(value, str) else None


def register_request(data: Any):
    """The registration serializer for the body's pay_type (for anything else, one that says what is wrong)."""
    pay_type = _pay_type(data)
    return s.PaymentRegisterFields if pay_type is None else REGISTER.get(pay_type, s.PaymentRegisterFields)


def execute_request(pay_type: str):
    return EXECUTE.get(pay_type, s.PaymentExecuteRequest)


def response_class(pay_type: str, *, executing: bool = False):
    """The answer's serializer; cards' for a pay type we do not take (a list filtered by it is empty)."""
    return (EXECUTE_RESPONSE if executing else RESPONSE).get(pay_type, s.PaymentCardResponse)


def action_request(pay_type: str, name: str):
    return APIS[pay_type].actions.get(name, NO_ACTION)


# ``PUT /v1/payments/{id}/barcode``: one body and one answer (fincode's konbini ones), whichever
# pay types have slips.
(BARCODE_REQUEST,) = set(BARCODE.values())
(BARCODE_RESPONSE,) = {RESPONSE[pay_type] for pay_type in BARCODE}


def answer_data(request, payment: Payment, *, executing: bool = False) -> dict[str, Any]:
    # The answer as a plain dict (``to_representation``), not DRF's ``.data`` (a ReturnDict
    # and the serializer holding each other: garbage only the cyclic collector frees).
    data = response_class(payment.pay_type, executing=executing)(payment).to_representation(payment)
    links = APIS[payment.pay_type].execute_links if executing else None
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
EXECUTE_SCHEMA = _proxy("PaymentExecuteByPayType", EXECUTE)
RESPONSE_SCHEMA = _proxy("PaymentByPayType", RESPONSE)
EXECUTE_RESPONSE_SCHEMA = _proxy("PaymentExecutedByPayType", EXECUTE_RESPONSE)
BARCODE_SCHEMA = _proxy("PaymentBarcodeByPayType", BARCODE)


def action_schema(name: str) -> PolymorphicProxySerializer:
    """What ``PUT /v1/payments/{id}/<name>`` takes, by pay type, for the pay types that have it."""
    return _proxy(
        f"Payment{name.title()}ByPayType",
        {
            pay_type: APIS[pay_type].actions.get(name, NO_ACTION)
            for pay_type, method in METHODS.items()
            if name in method.operations
        },
    )
