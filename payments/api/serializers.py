"""Request validation and response shapes of the payments API, named as fincode's."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments import selectors
from payments.models import Card, Customer, JobCode, Payment, Status
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.models import PayType
from portal.validators import is_canonical_integer

JST = ZoneInfo("Asia/Tokyo")
PAY_TIMES = ["3", "5", "6", "10", "12", "15", "18", "20", "24"]
# pay_type values fincode knows (we accept them so that the answer is "not supported", not "invalid").
FINCODE_PAY_TYPES = [*PayType.values, "Applepay", "Googlepay", "Directdebit"]


def fincode_time(value) -> str | None:
    """``yyyy/MM/dd HH:mm:ss.SSS`` in Japan time, as fincode answers."""
    if value is None:
        return None
    local = value.astimezone(JST)
    return local.strftime("%Y/%m/%d %H:%M:%S.") + f"{local.microsecond // 1000:03d}"


class NumericString(serializers.Field):
    """fincode sends amounts as numeric strings ("1000"); integers are accepted too. Never floats."""

    default_error_messages = {
        "invalid": 'must be a whole number written with ASCII digits, without spaces or leading zeros (e.g. "1000")',
        "max_length": "must have at most {digits} digits",
        "min_value": "must be at least {minimum}",
    }

    def __init__(self, *, digits: int = 7, minimum: int = 0, **kwargs):
        self.digits, self.minimum = digits, minimum
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        text = str(data)
        # ASCII digits, no sign, no spaces, no leading zeros: "１００", "١٠٠", " 100" and "00100"
        # are not 100 (Python's int() and \d would take them all).
        if not is_canonical_integer(text):
            self.fail("invalid")
        if len(text.lstrip("0") or "0") > self.digits:
            self.fail("max_length", digits=self.digits)
        value = int(text)
        if value < self.minimum:
            self.fail("min_value", minimum=self.minimum)
        return value

    def to_representation(self, value: int) -> int:
        return value


class NumericStringSchema(OpenApiSerializerFieldExtension):
    """The schema of each ``NumericString`` says what that field takes: a numeric string or an
    integer, of its own number of digits and minimum (0 or 1)."""

    target_class = NumericString
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        first = "0|[1-9]" if field.minimum == 0 else "[1-9]"
        return {
            "oneOf": [
                {"type": "string", "pattern": f"^({first}[0-9]{{0,{field.digits - 1}}})$", "example": "1000"},
                {"type": "integer", "minimum": field.minimum, "maximum": 10**field.digits - 1},
            ]
        }


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[1-9][0-9]{3}[/-](0[1-9]|1[0-2])[/-](0[1-9]|1[0-9]|2[0-8])$",
        "example": "2026/01/31",
    }
)
class FincodeDay(serializers.CharField):
    """A day as fincode writes it, ``yyyy/MM/dd`` (``yyyy-MM-dd`` too); ``validate()`` parses it."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, **kwargs)


def pattern_choice(choices: list[str], **kwargs) -> serializers.ChoiceField:
    """A choice written as a pattern in the schema (no shared enum component to name, as
    ``wallet_card.pay_type_field``)."""

    @extend_schema_field({"type": "string", "pattern": f"^({'|'.join(choices)})$", "example": choices[-1]})
    class PatternChoice(serializers.ChoiceField):
        pass

    return PatternChoice(choices=choices, **kwargs)


def sort_field(allowed: dict[str, str]) -> serializers.CharField:
    """fincode's ``sort=updated desc,created asc`` over ``allowed`` (``selectors.apply_sort`` reads it)."""
    one = f"({'|'.join(allowed)})( (asc|desc))?"

    @extend_schema_field({"type": "string", "pattern": f"^{one}(,{one})*$", "example": "created desc"})
    class Sort(serializers.CharField):
        pass

    return Sort(required=False, max_length=200)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^https?://[a-z0-9]+([.-][a-z0-9]+)*[.][a-z]{2,6}(/[A-Za-z0-9._~-]*)*$",
        "maxLength": 256,
        "example": "https://shop.example.com/done",
    }
)
class WebUrl(serializers.URLField):
    """An http(s) URL (the schema's pattern is narrower than Django's URL validator)."""


class PositiveNumericString(NumericString):
    """An amount of at least 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("minimum", 1)
        super().__init__(**kwargs)


class OrderId(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(r"^[A-Za-z0-9_\-]{1,30}$", max_length=30, **kwargs)
        self.error_messages["invalid"] = "use 1 to 30 letters, digits, '-' or '_'"


def optional_text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_null=True, allow_blank=True, **kwargs
    )


# --- Requests ----------------------------------------------------------------------------


# The fields of a registration; as they are, the body of a pay type this product does not take
# (validated, then refused by the service).
class PaymentRegisterFields(RequestSerializer):
    build_sent_fields_only = True  # registration's hot path (no field looked up by name)

    id = OrderId(required=False, allow_null=True)
    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    job_code = serializers.ChoiceField(choices=JobCode.values, required=False)
    amount = NumericString(required=False)
    tax = NumericString(required=False, allow_null=True)
    tds_type = serializers.ChoiceField(choices=["0", "2"], required=False, allow_null=True)
    tds2_type = serializers.ChoiceField(choices=["2", "3"], required=False, allow_null=True)
    td_tenant_name = optional_text(25)
    client_field_1 = optional_text(100)
    client_field_2 = optional_text(100)
    client_field_3 = optional_text(100)

    def validate(self, attrs):
        attrs.setdefault("amount", 0)
        attrs["tax"] = attrs.get("tax") or 0
        return attrs


class PaymentRegisterRequest(PaymentRegisterFields):
    def validate(self, attrs):
        if not attrs.get("job_code"):
            raise serializers.ValidationError(
                {"job_code": serializers.ErrorDetail("is required", code="required")}
            )
        if attrs["job_code"] != JobCode.CHECK:
            if "amount" not in attrs:
                raise serializers.ValidationError(
                    {"amount": serializers.ErrorDetail("is required", code="required")}
                )
            if attrs["amount"] < 1:
                raise serializers.ValidationError(
                    {"amount": serializers.ErrorDetail("must be at least 1", code="min_value")}
                )
        return super().validate(attrs)


class PaymentExecuteRequest(RequestSerializer):
    build_sent_fields_only = True  # execution's hot path (no field looked up by name)

    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    access_id = serializers.CharField(max_length=24)
    token = serializers.CharField(max_length=512, required=False, allow_null=True, allow_blank=True)
    customer_id = serializers.CharField(max_length=60, required=False, allow_null=True, allow_blank=True)
    card_id = serializers.CharField(max_length=25, required=False, allow_null=True, allow_blank=True)
    method = serializers.ChoiceField(choices=["1", "2", "5"], required=False, allow_null=True)
    pay_times = serializers.ChoiceField(choices=PAY_TIMES, required=False, allow_null=True)
    tds2_ret_url = WebUrl(max_length=256, required=False, allow_null=True)
    return_url = WebUrl(max_length=256, required=False, allow_null=True)
    return_url_on_failure = WebUrl(max_length=256, required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("method") == "2" and not attrs.get("pay_times"):
            raise serializers.ValidationError(
                {"pay_times": serializers.ErrorDetail("is required for method 2", code="required")}
            )
        return attrs


class PaymentActionRequest(RequestSerializer):
    """capture / cancel / secure: pay_type and access_id (and method/pay_times for capture)."""

    build_sent_fields_only = True  # no field looked up by name

    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    access_id = serializers.CharField(max_length=24)
    method = serializers.ChoiceField(choices=["1", "2", "5"], required=False, allow_null=True)
    pay_times = serializers.ChoiceField(choices=PAY_TIMES, required=False, allow_null=True)
    pa_res = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=8000)


class PaymentReauthorizeRequest(PaymentActionRequest):
    method = serializers.ChoiceField(choices=["1", "2", "5"])


class PaymentChangeRequest(RequestSerializer):
    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    access_id = serializers.CharField(max_length=24)
    job_code = serializers.ChoiceField(choices=[JobCode.AUTH, JobCode.CAPTURE])
    amount = PositiveNumericString()
    tax = NumericString(required=False, allow_null=True)


class Secure2Request(RequestSerializer):
    param = serializers.CharField(max_length=2000)
    pay_type = serializers.ChoiceField(choices=["Card", "Googlepay"], required=False, allow_null=True)


_STATUS = "(" + "|".join(Status.values) + ")"


@extend_schema_field(
    {"type": "string", "pattern": f"^{_STATUS}(,{_STATUS})*$", "example": "AUTHORIZED,CAPTURED"}
)
class StatusList(serializers.CharField):
    """Statuses separated by commas; ``validate_status`` splits them."""


class PaymentListQuery(serializers.Serializer):
    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    id = serializers.CharField(max_length=30, required=False)
    customer_id = serializers.CharField(max_length=60, required=False)
    client_field_1 = serializers.CharField(max_length=100, required=False)
    client_field_2 = serializers.CharField(max_length=100, required=False)
    client_field_3 = serializers.CharField(max_length=100, required=False)
    status = StatusList(max_length=300, required=False)
    total_amount_min = StrictIntegerField(min_value=0, max_value=99_999_999, required=False)
    total_amount_max = StrictIntegerField(min_value=0, max_value=99_999_999, required=False)
    process_date_from = FincodeDay(required=False)
    process_date_to = FincodeDay(required=False)
    update_date_from = FincodeDay(required=False)
    update_date_to = FincodeDay(required=False)
    auth_max_date_from = FincodeDay(required=False)
    auth_max_date_to = FincodeDay(required=False)
    sort = sort_field(selectors.PAYMENT_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate_status(self, value: str) -> list[str]:
        statuses = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in Status.values]
        if unknown:
            raise serializers.ValidationError("unknown status", code="invalid_choice")
        return statuses

    def validate(self, attrs):
        for name in list(attrs):
            if name.endswith(("_from", "_to")):
                attrs[name] = selectors.parse_day(attrs[name], area="10", field=name)
        return attrs


class CustomerRequest(RequestSerializer):
    id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,60}$", max_length=60, required=False, allow_null=True)
    name = optional_text(384)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True, allow_blank=True)
    phone_cc = serializers.RegexField(r"^[0-9]{1,3}$", required=False, allow_null=True, allow_blank=True)
    phone_no = serializers.RegexField(r"^[0-9]{1,15}$", required=False, allow_null=True, allow_blank=True)
    addr_country = serializers.RegexField(r"^[0-9]{3}$", required=False, allow_null=True, allow_blank=True)
    addr_state = serializers.RegexField(r"^[0-9]{1,3}$", required=False, allow_null=True, allow_blank=True)
    addr_city = optional_text(50)
    addr_line_1 = optional_text(50)
    addr_line_2 = optional_text(50)
    addr_line_3 = optional_text(50)
    addr_post_code = optional_text(16)


class CustomerUpdateRequest(CustomerRequest):
    id = None  # type: ignore[assignment]  # DRF: None removes the inherited field


class CustomerListQuery(serializers.Serializer):
    id = serializers.CharField(max_length=60, required=False)
    name = serializers.CharField(max_length=384, required=False)
    email = serializers.CharField(max_length=254, required=False)
    created_from = FincodeDay(required=False)
    created_to = FincodeDay(required=False)
    sort = sort_field(selectors.CUSTOMER_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        for name in ("created_from", "created_to"):
            if attrs.get(name):
                attrs[name] = selectors.parse_day(attrs[name], area="12", field=name)
        return attrs


class CardCreateRequest(RequestSerializer):
    token = serializers.CharField(max_length=512)
    default_flag = serializers.ChoiceField(choices=["0", "1"])


class CardUpdateRequest(RequestSerializer):
    token = serializers.CharField(max_length=512, required=False, allow_null=True, allow_blank=True)
    default_flag = serializers.ChoiceField(choices=["0", "1"], required=False, allow_null=True)
    holder_name = serializers.CharField(max_length=50, required=False, allow_null=True, allow_blank=True)
    expire = serializers.RegexField(r"^[0-9]{2}(0[1-9]|1[0-2])$", required=False, allow_null=True)

    def validate_default_flag(self, value):
        return None if value is None else value == "1"


class TokenRequest(RequestSerializer):
    card_no = serializers.CharField(max_length=19, trim_whitespace=True)
    expire = serializers.CharField(max_length=4)
    holder_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    security_code = serializers.CharField(max_length=4)


# --- Responses ----------------------------------------------------------------------------


@extend_schema_field({"type": "string", "example": "2026/01/31 12:34:56.789", "nullable": True})
class FincodeTime(serializers.Field):
    def to_representation(self, value):
        return fincode_time(value)


class PaymentBaseResponse(serializers.Serializer):
    """What every pay type answers (fincode's ``Payment``)."""

    shop_id = serializers.CharField(source="merchant.public_id")
    id = serializers.CharField(source="order_id")
    access_id = serializers.CharField()
    pay_type = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    amount = serializers.IntegerField()
    tax = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    currency = serializers.CharField(help_text="Extension: ISO 4217 currency of the amounts (JPY).")
    client_field_1 = serializers.CharField(allow_null=True)
    client_field_2 = serializers.CharField(allow_null=True)
    client_field_3 = serializers.CharField(allow_null=True)
    process_date = FincodeTime(allow_null=True)
    customer_id = serializers.SerializerMethodField()
    customer_group_id = serializers.SerializerMethodField()
    error_code = serializers.CharField(allow_null=True)
    created = FincodeTime()
    updated = FincodeTime()

    def get_customer_id(self, payment: Payment) -> str | None:
        return payment.customer.customer_id if payment.customer is not None else None

    def get_customer_group_id(self, payment: Payment) -> str | None:
        return None


class PaymentCardResponse(PaymentBaseResponse):
    job_code = serializers.CharField()
    card_id = serializers.SerializerMethodField()
    brand = serializers.CharField(allow_null=True)
    card_no = serializers.CharField(allow_null=True)
    expire = serializers.CharField(allow_null=True)
    holder_name = serializers.CharField(allow_null=True)
    card_no_hash = serializers.CharField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    pay_times = serializers.IntegerField(allow_null=True)
    bulk_payment_id = serializers.SerializerMethodField()
    subscription_id = serializers.SerializerMethodField()
    tds_type = serializers.CharField(allow_null=True)
    tds2_type = serializers.CharField(allow_null=True)
    tds2_ret_url = serializers.CharField(allow_null=True)
    return_url = serializers.CharField(allow_null=True)
    return_url_on_failure = serializers.CharField(allow_null=True)
    tds2_status = serializers.CharField(allow_null=True)
    merchant_name = serializers.CharField(source="td_tenant_name", allow_null=True)
    forward = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    transaction_id = serializers.CharField(allow_null=True)
    approve = serializers.CharField(allow_null=True)
    auth_max_date = FincodeTime(allow_null=True)
    item_code = serializers.CharField(allow_null=True)

    # The declared fields above document the answer (OpenAPI); the answer itself is built
    # here directly, because this is on every payment request's hot path.
    def to_representation(self, payment: Payment) -> dict:
        return {
            "shop_id": payment.merchant.public_id,
            "id": payment.order_id,
            "access_id": payment.access_id,
            "pay_type": payment.pay_type,
            "job_code": payment.job_code,
            "status": payment.status,
            "amount": payment.amount,
            "tax": payment.tax,
            "total_amount": payment.amount + payment.tax,
            "currency": payment.currency,
            "client_field_1": payment.client_field_1,
            "client_field_2": payment.client_field_2,
            "client_field_3": payment.client_field_3,
            "process_date": fincode_time(payment.process_date),
            "customer_id": self.get_customer_id(payment),
            "customer_group_id": None,
            "card_id": self.get_card_id(payment),
            "brand": payment.brand,
            "card_no": payment.card_no,
            "expire": payment.expire,
            "holder_name": payment.holder_name,
            "card_no_hash": payment.card_no_hash,
            "method": payment.method,
            "pay_times": payment.pay_times,
            "bulk_payment_id": None,
            "subscription_id": None,
            "tds_type": payment.tds_type,
            "tds2_type": payment.tds2_type,
            "tds2_ret_url": payment.tds2_ret_url,
            "return_url": payment.return_url,
            "return_url_on_failure": payment.return_url_on_failure,
            "tds2_status": payment.tds2_status,
            "merchant_name": payment.td_tenant_name,
            "forward": payment.forward,
            "issuer": payment.issuer,
            "transaction_id": payment.transaction_id,
            "approve": payment.approve,
            "auth_max_date": fincode_time(payment.auth_max_date),
            "item_code": payment.item_code,
            "error_code": payment.error_code,
            "created": fincode_time(payment.created),
            "updated": fincode_time(payment.updated),
        }

    def get_card_id(self, payment: Payment) -> str | None:
        return payment.card.card_id if payment.card is not None else None

    def get_bulk_payment_id(self, payment: Payment) -> str | None:
        return None

    def get_subscription_id(self, payment: Payment) -> str | None:
        return None


class PaymentCardExecuteResponse(PaymentCardResponse):
    acs_url = serializers.CharField(
        allow_null=True, help_text="3-D Secure: where the buyer goes (tds2_ret_url flow)."
    )
    redirect_url = serializers.CharField(
        allow_null=True, help_text="3-D Secure: where the buyer goes (redirect flow)."
    )


def card_execute_links(request, payment: Payment, data: dict[str, Any]) -> None:
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


class ListEnvelope(serializers.Serializer):
    total_count = serializers.IntegerField()
    last_page = serializers.IntegerField()
    current_page = serializers.IntegerField()
    limit = serializers.IntegerField()
    link_next = serializers.CharField(allow_null=True)
    link_previous = serializers.CharField(allow_null=True)


class Secure2Response(serializers.Serializer):
    pay_type = serializers.CharField(default="Card")
    tds2_trans_result = serializers.CharField()
    tds2_trans_result_reason = serializers.CharField(allow_null=True)
    challenge_url = serializers.CharField(allow_null=True, required=False)


class CustomerResponse(serializers.Serializer):
    id = serializers.CharField(source="customer_id")
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    phone_cc = serializers.CharField(allow_null=True)
    phone_no = serializers.CharField(allow_null=True)
    addr_country = serializers.CharField(allow_null=True)
    addr_state = serializers.CharField(allow_null=True)
    addr_city = serializers.CharField(allow_null=True)
    addr_line_1 = serializers.CharField(allow_null=True)
    addr_line_2 = serializers.CharField(allow_null=True)
    addr_line_3 = serializers.CharField(allow_null=True)
    addr_post_code = serializers.CharField(allow_null=True)
    card_registration = serializers.SerializerMethodField()
    directdebit_registration = serializers.SerializerMethodField()
    created = FincodeTime()
    updated = FincodeTime()

    def to_representation(self, instance: Customer) -> dict:
        data = super().to_representation(instance)
        return {k: (None if v == "" else v) for k, v in data.items()}

    def get_card_registration(self, customer: Customer) -> str:
        return "1" if customer.cards.exists() else "0"

    def get_directdebit_registration(self, customer: Customer) -> str:
        return "0"


class CustomerList(ListEnvelope):
    list = CustomerResponse(many=True)


class CardResponse(serializers.Serializer):
    id = serializers.CharField(source="card_id")
    customer_id = serializers.CharField(source="customer.customer_id")
    default_flag = serializers.SerializerMethodField()
    card_no = serializers.CharField()
    expire = serializers.CharField()
    holder_name = serializers.CharField(allow_null=True)
    type = serializers.CharField()
    brand = serializers.CharField()
    card_no_hash = serializers.CharField()
    created = FincodeTime()
    updated = FincodeTime()

    def get_default_flag(self, card: Card) -> str:
        return "1" if card.default_flag else "0"


class CardList(serializers.Serializer):
    list = CardResponse(many=True)


class DeletedCustomer(serializers.Serializer):
    """fincode's answer to a DELETE: the deleted object's id and ``delete_flag`` "1"."""

    id = serializers.CharField()
    delete_flag = serializers.CharField()


class DeletedCard(DeletedCustomer):
    customer_id = serializers.CharField()


class TokenResponse(serializers.Serializer):
    token = serializers.CharField()
    card_no = serializers.CharField()
    brand = serializers.CharField()
    expire = serializers.CharField()
    expire_at = serializers.CharField(help_text="ISO 8601 time after which the token cannot be used.")
    holder_name = serializers.CharField(allow_blank=True)
    card_no_hash = serializers.CharField()
