"""Requests and answers of ``POST /v1/sessions`` and ``POST /v1/card_sessions``, as fincode names them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import URLValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import (
    JST,
    FincodeTime,
    NumericString,
    OrderId,
    WebUrl,
    optional_text,
    pattern_choice,
)
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.errors import FieldError

AREA = "19"
SESSION_PAY_TYPES = ["Card", "Konbini", "Paypay", "Virtualaccount"]  # fincode's PaymentSessionPayType
FLAGS = ["0", "1"]
JOB_CODES = ["AUTH", "CAPTURE"]


def _flag(**kwargs):
    return pattern_choice(FLAGS, required=False, allow_null=True, **kwargs)


def _tds_fields() -> dict:
    return {
        "tds_type": pattern_choice(["0", "2"], required=False, allow_null=True),
        "tds2_type": pattern_choice(["2", "3"], required=False, allow_null=True),
        "td_tenant_name": optional_text(25),
    }


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?$",
        "example": "2030/12/31 23:59:59",
        "nullable": True,
    }
)
class FincodeExpire(serializers.Field):
    """``yyyy/MM/dd HH:mm:ss`` (``.SSS`` taken too) in Japan time, as an aware datetime."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if data == "":
            return None
        if not isinstance(data, str) or len(data) > 23:
            raise FieldError(AREA, "expire", "invalid", "expire: use yyyy/MM/dd HH:mm:ss (Japan time)")
        text = data
        for layout in ("%Y/%m/%d %H:%M:%S.%f", "%Y/%m/%d %H:%M:%S"):
            try:
                return datetime.strptime(text, layout).replace(tzinfo=JST)
            except ValueError:
                continue
        raise FieldError(AREA, "expire", "invalid", "expire: use yyyy/MM/dd HH:mm:ss (Japan time)")


def _page_url():
    """Where the page sends the buyer: http(s) only (the buyer's browser POSTs there)."""
    return WebUrl(
        max_length=256,
        required=False,
        allow_null=True,
        allow_blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )


class _PageCommon(RequestSerializer):
    success_url = _page_url()
    cancel_url = _page_url()
    expire = FincodeExpire()
    shop_service_name = optional_text(100)
    guide_mail_send_flag = _flag()
    receiver_mail = serializers.EmailField(max_length=254, required=False, allow_null=True, allow_blank=True)
    mail_customer_name = optional_text(384)
    shop_mail_template_id = optional_text(25)

    def validate(self, attrs):
        if attrs.get("guide_mail_send_flag") == "1" and not attrs.get("receiver_mail"):
            raise FieldError(
                AREA, "receiver_mail", "required", "receiver_mail: is required with guide_mail_send_flag 1"
            )
        return attrs


class HostedTransactionRequest(RequestSerializer):
    pay_type = serializers.ListField(
        child=pattern_choice(SESSION_PAY_TYPES),
        required=False,
        allow_null=True,
        allow_empty=False,
        max_length=4,
    )
    amount = NumericString(digits=9, minimum=1)
    order_id = OrderId(required=False, allow_null=True)
    tax = NumericString(digits=9, required=False, allow_null=True)
    client_field_1 = optional_text(100)
    client_field_2 = optional_text(100)
    client_field_3 = optional_text(100)


class HostedCardRequest(RequestSerializer):
    job_code = pattern_choice(JOB_CODES, required=False, allow_null=True)
    tds_type = pattern_choice(["0", "2"], required=False, allow_null=True)
    tds2_type = pattern_choice(["2", "3"], required=False, allow_null=True)
    td_tenant_name = optional_text(25)


def term_days(maximum: int, pattern: str) -> serializers.Field:
    """Days to pay: fincode's contract says a string, its own examples send a number; both are taken."""

    @extend_schema_field(
        {
            "oneOf": [
                {"type": "string", "pattern": pattern, "maxLength": 2},
                {"type": "integer", "minimum": 0, "maximum": maximum},
            ],
            "nullable": True,
            "description": f"0 to {maximum} days.",
        }
    )
    class TermDays(StrictIntegerField):
        pass

    return TermDays(min_value=0, max_value=maximum, required=False, allow_null=True)


class HostedKonbiniRequest(RequestSerializer):
    payment_term_day = term_days(14, r"^([0-9]|1[0-4])$")
    konbini_reception_mail_send_flag = _flag()


class HostedPaypayRequest(RequestSerializer):
    job_code = pattern_choice(JOB_CODES, required=False, allow_null=True)
    order_description = optional_text(100)


class HostedVirtualaccountRequest(RequestSerializer):
    payment_term_day = term_days(99, r"^(0|[1-9][0-9]?)$")
    virtualaccount_reception_mail_send_flag = _flag()
    reference_order_id = optional_text(30, help_text="Not supported yet: each payment gets a new account.")

    def validate_reference_order_id(self, value):
        if value:
            raise serializers.ValidationError("reusing a virtual account is not supported", code="invalid")
        return value


class PaymentSessionCreateRequest(_PageCommon):
    transaction = HostedTransactionRequest()
    card = HostedCardRequest(required=False, allow_null=True)
    konbini = HostedKonbiniRequest(required=False, allow_null=True)
    paypay = HostedPaypayRequest(required=False, allow_null=True)
    virtualaccount = HostedVirtualaccountRequest(required=False, allow_null=True)
    thanks_mail_send_flag = _flag()


class CardSessionCreateRequest(_PageCommon):
    customer_id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,60}$", required=False, allow_null=True)
    customer_name = optional_text(384)
    completion_mail_send_flag = _flag()
    tds_type = pattern_choice(["0", "2"], required=False, allow_null=True)
    tds2_type = pattern_choice(["2", "3"], required=False, allow_null=True)
    td_tenant_name = optional_text(25)


# --- Answers ----------------------------------------------------------------------------------


def _flag_out(value: bool) -> str:
    return "1" if value else "0"


class _Flag(serializers.Field):
    def to_representation(self, value):
        return _flag_out(value)


FlagOut = extend_schema_field({"type": "string", "pattern": "^(0|1)$", "example": "0"})(_Flag)


@extend_schema_field({"type": "string", "nullable": True, "maxLength": 256})
class _Blank(serializers.CharField):
    """Empty columns are fincode's ``null``."""

    def to_representation(self, value):
        return value or None


def _blank(**kwargs):
    return _Blank(read_only=True, **kwargs)


class _PageAnswer(serializers.Serializer):
    id = serializers.CharField(source="session_id")
    link_url = serializers.SerializerMethodField()
    success_url = _blank()
    cancel_url = _blank()
    status = pattern_choice(["CREATE"], default="CREATE", help_text="Always CREATE when made.")
    expire = FincodeTime(source="expires_at")
    shop_service_name = _blank()
    guide_mail_send_flag = FlagOut()
    receiver_mail = _blank()
    mail_customer_name = _blank()
    shop_mail_template_id = _blank()
    created = FincodeTime()
    updated = FincodeTime()

    route = ""

    @extend_schema_field({"type": "string", "maxLength": 100})
    def get_link_url(self, session) -> str:
        return settings.PORTAL_BASE_URL + reverse(self.route, args=[session.session_id])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = "CREATE"  # fincode's only status of a session in its answers
        return data


class HostedTransactionAnswer(serializers.Serializer):
    pay_type = serializers.ListField(child=pattern_choice(SESSION_PAY_TYPES), source="pay_types")
    order_id = serializers.CharField()
    amount = serializers.IntegerField()
    tax = serializers.IntegerField()
    client_field_1 = _blank()
    client_field_2 = _blank()
    client_field_3 = _blank()


class HostedCardAnswer(serializers.Serializer):
    job_code = pattern_choice(JOB_CODES, source="card_job_code")
    tds_type = _blank()
    td_tenant_name = _blank()
    tds2_type = _blank()
    item_code = _blank()


class HostedKonbiniAnswer(serializers.Serializer):
    konbini_reception_url = serializers.SerializerMethodField()
    payment_term_day = serializers.IntegerField(source="konbini_payment_term_day", allow_null=True)
    konbini_reception_mail_send_flag = FlagOut()

    def get_konbini_reception_url(self, session) -> str | None:
        return None


class HostedPaypayAnswer(serializers.Serializer):
    job_code = _blank(source="paypay_job_code")
    order_description = _blank()


class HostedVirtualaccountAnswer(serializers.Serializer):
    virtualaccount_reception_url = serializers.SerializerMethodField()
    payment_term_day = serializers.IntegerField(source="virtualaccount_payment_term_day", allow_null=True)
    virtualaccount_reception_mail_send_flag = FlagOut()

    def get_virtualaccount_reception_url(self, session) -> str | None:
        return None


class PaymentSessionResponse(_PageAnswer):
    thanks_mail_send_flag = FlagOut()
    transaction = HostedTransactionAnswer(source="*")
    card = HostedCardAnswer(source="*")
    konbini = HostedKonbiniAnswer(source="*")
    paypay = HostedPaypayAnswer(source="*")
    virtualaccount = HostedVirtualaccountAnswer(source="*")

    route = "hosted-payment-page"


class CardSessionResponse(_PageAnswer):
    completion_mail_send_flag = FlagOut()
    customer_id = serializers.CharField()
    customer_name = _blank()
    tds_type = _blank()
    td_tenant_name = _blank()
    tds2_type = _blank()

    route = "hosted-card-page"
