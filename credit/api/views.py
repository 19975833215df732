"""``POST /v1/credit/checks`` and ``GET /v1/credit/checks/{id}`` (secret key)."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from credit import errors, selectors, services
from credit.identity import normalize_phone
from credit.models import CreditCheck
from credit.types import CheckInput
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.errors import PortalError
from portal.idempotency import IdempotentMixin, idempotency_key_of
from portal.models import Mode

POSTAL_CODE = re.compile(r"^[0-9]{3}-?[0-9]{4}$")


class StrictSerializer(RequestSerializer):
    """Refuses keys it does not know (a typo must not silently become a missing value), and
    numbers where text is due (at every level: ``shipping.name`` too)."""

    def validate(self, attrs):
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["is not a known field"] for name in sorted(unknown)}, code="unknown"
            )
        return attrs


class StrictSerializerSchema(OpenApiSerializerExtension):
    """The schema says what ``StrictSerializer`` does: a request's unknown keys are refused."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        # The same fields as a plain serializer, mapped through the public API, then forgotten
        # (only this serializer's own component is kept, with what StrictSerializer adds).
        plain = inline_serializer(
            f"{type(self.target).__name__}Fields",
            {name: copy.deepcopy(field) for name, field in self.target.fields.items()},
        )
        component = auto_schema.resolve_serializer(plain, direction)
        schema, description = component.schema, get_doc(type(self.target))
        del auto_schema.registry[component]
        if description:
            schema = {"type": schema.pop("type"), "description": description, **schema}
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


def _postal_code(value: str) -> str:
    value = value.strip()
    if not POSTAL_CODE.fullmatch(value):
        raise serializers.ValidationError("must be a 7-digit postal code (123-4567)", code="invalid")
    return value.replace("-", "")


def _phone(value: str) -> str:
    if not 10 <= len(normalize_phone(value)) <= 11:
        raise serializers.ValidationError(
            "must be a Japanese phone number of 10 or 11 digits", code="invalid"
        )
    return value


def _birth_date(value: date) -> date:
    today = timezone.localdate()
    if value > today or value.year < today.year - 130:
        raise serializers.ValidationError("is not a plausible birth date", code="range")
    return value


# What the schema promises of these fields (their validators below decide; the schema may be
# narrower than they are, never wider: the fuzzer's schema-valid input must be accepted).
@extend_schema_field({"type": "string", "pattern": "^[0-9]{3}-?[0-9]{4}$", "example": "100-0001"})
class PostalCodeField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "pattern": "^0[0-9]{9,10}$", "example": "09012345678"})
class PhoneField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        "pattern": "^(19[0-9]{2}|20[01][0-9])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
        "example": "1990-04-01",
    }
)
class BirthDateField(serializers.DateField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))?$",
        "example": "203.0.113.7",
    }
)
class IpField(serializers.IPAddressField):
    """An IPv4 address or blank in the schema (the server takes IPv6 too)."""


class BuyerSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    name_kana = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)
    phone = PhoneField(max_length=20)
    postal_code = PostalCodeField(max_length=8)
    address = serializers.CharField(max_length=300)
    birth_date = BirthDateField()

    def validate_phone(self, value: str) -> str:
        return _phone(value)

    def validate_postal_code(self, value: str) -> str:
        return _postal_code(value)

    def validate_birth_date(self, value):
        return _birth_date(value)


class ItemSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    price = StrictIntegerField(min_value=0, max_value=100_000_000)
    quantity = StrictIntegerField(min_value=1, max_value=10_000)


class ShippingSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = PostalCodeField(max_length=8)
    address = serializers.CharField(max_length=300)

    def validate_postal_code(self, value: str) -> str:
        return _postal_code(value)


class DeviceSerializer(StrictSerializer):
    fingerprint = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ip = IpField(required=False, allow_blank=True, default="")


class CheckRequestSerializer(StrictSerializer):
    order_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    amount = StrictIntegerField(min_value=1, max_value=10_000_000, help_text="Order amount in JPY.")
    currency = serializers.ChoiceField(choices=["JPY"], default="JPY")
    buyer = BuyerSerializer()
    items = ItemSerializer(many=True, required=False, default=list, max_length=500)
    shipping = ShippingSerializer(required=False, allow_null=True, default=None)
    device = DeviceSerializer(required=False, default=dict)

    def to_input(self) -> CheckInput:
        data = self.validated_data
        return CheckInput.from_application(
            data, amount=data["amount"], currency=data["currency"], order_id=data.get("order_id", "")
        )


class CheckSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    object = serializers.SerializerMethodField()
    order_id = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    decision = serializers.ChoiceField(
        choices=["approved", "declined", "review"], help_text="Decision at check time."
    )
    outcome = serializers.CharField(help_text="The decision now: a review's result once reviewed.")
    review_status = serializers.CharField()
    reason_codes = serializers.ListField(child=serializers.CharField())
    score = serializers.IntegerField(help_text="Sum of the weights of matching score rules.")
    ml_score = serializers.FloatField(allow_null=True, help_text="Probability of non-payment (0–1).")
    rule_set_version = serializers.IntegerField(source="rule_set_id")
    model_version = serializers.IntegerField(source="score_model_id", allow_null=True)
    credit_limit = serializers.IntegerField()
    credit_limit_left = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_object(self, check) -> str:
        return "credit_check"

    def to_representation(self, check):
        data = super().to_representation(check)
        if check.mode == Mode.TEST and settings.CREDIT_EXPLAIN_TEST_MODE:
            data["matched_rules"] = list(check.matched_rules)
            data["features"] = dict(check.features)
        return data


_CREATED_AT = serializers.DateTimeField()


def check_body(check: CreditCheck) -> dict[str, Any]:
    """The answer :class:`CheckSerializer` gives, built directly: the serializer documents the
    schema, but building its fields for every answer costs more than the answer (a test
    checks that both agree)."""
    data = {
        "id": str(check.public_id),
        "object": "credit_check",
        "order_id": str(check.order_id),
        "amount": int(check.amount),
        "currency": str(check.currency),
        "decision": str(check.decision),
        "outcome": str(check.outcome),
        "review_status": str(check.review_status),
        "reason_codes": [str(code) for code in check.reason_codes],
        "score": int(check.score),
        "ml_score": None if check.ml_score is None else float(check.ml_score),
        "rule_set_version": int(check.rule_set_id),
        "model_version": None if check.score_model_id is None else int(check.score_model_id),
        "credit_limit": int(check.credit_limit),
        "credit_limit_left": int(check.credit_limit_left),
        "created_at": _CREATED_AT.to_representation(check.created_at),
    }
    if check.mode == Mode.TEST and settings.CREDIT_EXPLAIN_TEST_MODE:
        data["matched_rules"] = list(check.matched_rules)
        data["features"] = dict(check.features)
    return data


class CreditView(APIView):
    error_area = errors.AREA


class ChecksView(IdempotentMixin, CreditView):
    """Idempotent like the payment API: ``idempotent_key`` / ``Idempotency-Key`` replays the first answer."""

    @extend_schema(
        operation_id="credit_check_create",
        request=CheckRequestSerializer,
        responses=CheckSerializer,
        tags=["Credit"],
    )
    def post(self, request):
        serializer = CheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = serializer.to_input()
        result = services.credit_check_run(
            merchant=request.user.merchant,
            mode=request.user.mode,
            application=application,
            idempotency_key=idempotency_key_of(request),
        )
        return Response(check_body(result.check))


class CheckView(CreditView):
    @extend_schema(operation_id="credit_check_retrieve", responses=CheckSerializer, tags=["Credit"])
    def get(self, request, check_id: str):
        check: CreditCheck | None = selectors.check_for_merchant(
            merchant=request.user.merchant, mode=request.user.mode, public_id=check_id
        )
        if check is None:
            raise PortalError(errors.CHECK_NOT_FOUND)
        return Response(check_body(check))
