"""Request validation and answers of ``/v1/plans`` and ``/v1/subscriptions``, as fincode names them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments import selectors as payment_selectors
from payments.api.serializers import (
    FincodeDay,
    FincodeTime,
    ListEnvelope,
    NumericString,
    PositiveNumericString,
    optional_text,
    pattern_choice,
    sort_field,
)
from payments.subscriptions import selectors
from payments.subscriptions.models import IntervalPattern, Plan, Subscription, SubscriptionCharge
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.errors import FieldError

INTERVAL_COUNTS = ["1", "2", "3", "6"]
PAY_TYPES = Subscription.PayType.values
AREA = "17"


def _day(value: str | None, field: str):
    return payment_selectors.parse_day(value, area=AREA, field=field) if value else None


def _flag(value: bool) -> str:
    return "1" if value else "0"


@extend_schema_field({"type": "string", "pattern": "^(1|2|3|6)$", "example": "1"})
class IntervalCount(serializers.ChoiceField):
    """ "1", "2", "3" or "6" (a JSON number is taken too), as an int."""

    def __init__(self, **kwargs):
        super().__init__(choices=INTERVAL_COUNTS, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return int(super().to_internal_value(data))


# --- Plans ------------------------------------------------------------------------------


class PlanUpdateRequest(RequestSerializer):
    plan_name = serializers.CharField(max_length=200, required=False)
    description = optional_text(400)
    amount = PositiveNumericString(required=False)
    tax = NumericString(required=False)
    interval_pattern = pattern_choice(IntervalPattern.values, required=False)
    interval_count = IntervalCount(required=False)

    def validate(self, attrs):
        # fincode: each of interval_pattern and interval_count needs the other.
        given = [name for name in ("interval_pattern", "interval_count") if attrs.get(name) is not None]
        if len(given) == 1:
            missing = "interval_count" if given == ["interval_pattern"] else "interval_pattern"
            raise FieldError(AREA, missing, "required", f"is required with {given[0]}")
        return attrs


class PlanCreateRequest(PlanUpdateRequest):
    id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,25}$", max_length=25, required=False, allow_null=True)
    plan_name = serializers.CharField(max_length=200)
    amount = PositiveNumericString()


class PlanListQuery(serializers.Serializer):
    plan_name = serializers.CharField(max_length=200, required=False)
    interval_pattern = pattern_choice(IntervalPattern.values, required=False)
    total_amount_min = StrictIntegerField(min_value=0, required=False)
    total_amount_max = StrictIntegerField(min_value=0, required=False)
    update_date_from = FincodeDay(required=False)
    update_date_to = FincodeDay(required=False)
    delete_flag = pattern_choice(["0", "1"], required=False)
    sort = sort_field(selectors.PLAN_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        for name in ("update_date_from", "update_date_to"):
            attrs[name] = _day(attrs.get(name), name)
        return attrs


class PlanResponse(serializers.Serializer):
    id = serializers.CharField(source="plan_id")
    plan_name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    shop_id = serializers.CharField(source="merchant.public_id")
    amount = serializers.IntegerField()
    tax = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    interval_pattern = serializers.CharField()
    interval_count = serializers.IntegerField()
    used_flag = serializers.SerializerMethodField()
    delete_flag = serializers.SerializerMethodField()
    created = FincodeTime()
    updated = FincodeTime()

    def to_representation(self, instance: Plan) -> dict:
        data = super().to_representation(instance)
        data["description"] = data["description"] or None
        return data

    def get_used_flag(self, plan: Plan) -> str:
        used = getattr(plan, "used", None)
        return _flag(plan.subscriptions.exists() if used is None else used)

    def get_delete_flag(self, plan: Plan) -> str:
        return _flag(plan.deleted_at is not None)


class PlanList(ListEnvelope):
    list = PlanResponse(many=True)


# --- Subscriptions --------------------------------------------------------------------------


class SubscriptionUpdateRequest(RequestSerializer):
    pay_type = pattern_choice(PAY_TYPES)
    plan_id = serializers.CharField(max_length=25, required=False)
    start_date = FincodeDay(required=False)
    stop_date = FincodeDay(required=False, allow_null=True, allow_blank=True)
    end_month_flag = pattern_choice(["0", "1"], required=False)
    initial_amount = PositiveNumericString(required=False, allow_null=True)
    initial_tax = NumericString(required=False, allow_null=True)
    remarks = optional_text(9)
    client_field_1 = optional_text(100)
    client_field_2 = optional_text(100)
    client_field_3 = optional_text(100)

    def validate(self, attrs):
        for name in ("start_date", "stop_date"):
            if name in attrs:
                attrs[name] = _day(attrs[name], name)
        if attrs.get("initial_tax") is not None and attrs.get("initial_amount") is None:
            raise FieldError(AREA, "initial_amount", "required", "is required with initial_tax")
        return attrs


class SubscriptionCreateRequest(SubscriptionUpdateRequest):
    id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,25}$", max_length=25, required=False, allow_null=True)
    plan_id = serializers.CharField(max_length=25)
    customer_id = serializers.CharField(max_length=60)
    card_id = serializers.CharField(max_length=25, required=False, allow_null=True, allow_blank=True)
    payment_method_id = serializers.CharField(
        max_length=25, required=False, allow_null=True, allow_blank=True
    )
    start_date = FincodeDay()
    send_url = serializers.CharField(max_length=256, required=False, allow_null=True, allow_blank=True)


_STATUS = "(ACTIVE|RUNNING|CANCELED|INCOMPLETE)"


@extend_schema_field({"type": "string", "pattern": f"^{_STATUS}(,{_STATUS})*$", "example": "ACTIVE,RUNNING"})
class StatusList(serializers.CharField):
    """Statuses, comma-separated (any of them)."""


class SubscriptionListQuery(serializers.Serializer):
    pay_type = pattern_choice(PAY_TYPES)
    id = serializers.CharField(max_length=25, required=False)
    customer_id = serializers.CharField(max_length=60, required=False)
    plan_id = serializers.CharField(max_length=25, required=False)
    status = StatusList(max_length=60, required=False)
    total_amount_min = StrictIntegerField(min_value=0, required=False)
    total_amount_max = StrictIntegerField(min_value=0, required=False)
    interval_pattern = pattern_choice(IntervalPattern.values, required=False)
    start_date_from = FincodeDay(required=False)
    start_date_to = FincodeDay(required=False)
    stop_date_from = FincodeDay(required=False)
    stop_date_to = FincodeDay(required=False)
    next_charge_date_from = FincodeDay(required=False)
    next_charge_date_to = FincodeDay(required=False)
    update_date_from = FincodeDay(required=False)
    update_date_to = FincodeDay(required=False)
    sort = sort_field(selectors.SUBSCRIPTION_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        for name in list(attrs):
            if name.endswith(("_from", "_to")):
                attrs[name] = _day(attrs[name], name)
        if attrs.get("status"):
            statuses = [s.strip() for s in attrs["status"].split(",")]
            if any(s not in Subscription.Status.values for s in statuses):
                raise FieldError(
                    AREA, "status", "choice", f"must be among {', '.join(Subscription.Status.values)}"
                )
            attrs["status"] = statuses
        return attrs


def _day_time(value) -> str | None:
    """A day as fincode answers it: ``yyyy/MM/dd 00:00:00.000``."""
    return value.strftime("%Y/%m/%d 00:00:00.000") if value else None


class SubscriptionResponse(serializers.Serializer):
    id = serializers.CharField(source="subscription_id")
    shop_id = serializers.CharField(source="merchant.public_id")
    pay_type = serializers.CharField()
    plan_id = serializers.CharField(source="plan.plan_id")
    plan_name = serializers.CharField(source="plan.plan_name")
    customer_id = serializers.CharField(source="customer.customer_id", allow_null=True)
    card_id = serializers.SerializerMethodField()
    payment_method_id = serializers.SerializerMethodField()
    amount = serializers.IntegerField(source="plan.amount")
    tax = serializers.IntegerField(source="plan.tax")
    total_amount = serializers.IntegerField(source="plan.total_amount")
    initial_amount = serializers.IntegerField(allow_null=True)
    initial_tax = serializers.IntegerField(allow_null=True)
    initial_total_amount = serializers.SerializerMethodField()
    status = serializers.CharField()
    start_date = serializers.SerializerMethodField()
    next_charge_date = serializers.SerializerMethodField()
    stop_date = serializers.SerializerMethodField()
    end_month_flag = serializers.SerializerMethodField()
    send_url = serializers.SerializerMethodField()
    error_code = serializers.SerializerMethodField()
    client_field_1 = serializers.CharField(allow_null=True)
    client_field_2 = serializers.CharField(allow_null=True)
    client_field_3 = serializers.CharField(allow_null=True)
    remarks = serializers.CharField(allow_null=True)
    created = FincodeTime()
    updated = FincodeTime()

    def to_representation(self, instance: Subscription) -> dict:
        data = super().to_representation(instance)
        for name in ("client_field_1", "client_field_2", "client_field_3", "remarks"):
            data[name] = data[name] or None
        return data

    def get_card_id(self, subscription: Subscription) -> str | None:
        return subscription.card.card_id if subscription.card is not None else None

    def get_payment_method_id(self, subscription: Subscription) -> str | None:
        return subscription.payment_method_id or None

    def get_initial_total_amount(self, subscription: Subscription) -> int | None:
        if subscription.initial_amount is None:
            return None
        return subscription.initial_amount + (subscription.initial_tax or 0)

    def get_start_date(self, subscription: Subscription) -> str | None:
        return _day_time(subscription.start_date)

    def get_next_charge_date(self, subscription: Subscription) -> str | None:
        return _day_time(subscription.retry_on or subscription.next_charge_date)

    def get_stop_date(self, subscription: Subscription) -> str | None:
        return _day_time(subscription.stop_date)

    def get_end_month_flag(self, subscription: Subscription) -> str:
        return _flag(subscription.end_month_flag)

    def get_send_url(self, subscription: Subscription) -> str | None:
        return None

    def get_error_code(self, subscription: Subscription) -> str | None:
        return subscription.error_code or None


class SubscriptionList(ListEnvelope):
    list = SubscriptionResponse(many=True)


class ResultListQuery(serializers.Serializer):
    pay_type = pattern_choice(PAY_TYPES)
    sort = sort_field(selectors.RESULT_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)


class ResultResponse(serializers.Serializer):
    id = serializers.CharField(source="subscription.subscription_id")
    pay_type = serializers.CharField(source="subscription.pay_type")
    status = serializers.CharField()
    process_date = FincodeTime()
    plan_id = serializers.CharField(source="plan.plan_id")
    amount = serializers.IntegerField()
    tax = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    customer_id = serializers.CharField(source="subscription.customer.customer_id", allow_null=True)
    payment_method_id = serializers.SerializerMethodField()
    card_id = serializers.SerializerMethodField()
    card_no = serializers.SerializerMethodField()
    shop_id = serializers.CharField(source="subscription.merchant.public_id")
    access_id = serializers.SerializerMethodField()
    order_id = serializers.SerializerMethodField()
    send_url = serializers.SerializerMethodField()
    client_field_1 = serializers.SerializerMethodField()
    client_field_2 = serializers.SerializerMethodField()
    client_field_3 = serializers.SerializerMethodField()
    interval_pattern = serializers.CharField(source="plan.interval_pattern")
    interval_count = serializers.IntegerField(source="plan.interval_count")
    remarks = serializers.SerializerMethodField()
    error_code = serializers.SerializerMethodField()
    charge_date = serializers.SerializerMethodField(help_text="Ours: the period's charge day.")
    attempt = serializers.IntegerField(help_text="Ours: 1 for the charge, 2… for its retries.")
    created = FincodeTime()

    def get_payment_method_id(self, charge: SubscriptionCharge) -> str | None:
        return charge.subscription.payment_method_id or None

    def get_card_id(self, charge: SubscriptionCharge) -> str | None:
        payment = charge.payment
        return payment.card.card_id if payment is not None and payment.card is not None else None

    def get_card_no(self, charge: SubscriptionCharge) -> str | None:
        return (charge.payment.card_no or None) if charge.payment is not None else None

    def get_access_id(self, charge: SubscriptionCharge) -> str | None:
        return charge.payment.access_id if charge.payment is not None else None

    def get_order_id(self, charge: SubscriptionCharge) -> str:
        return charge.order_id

    def get_send_url(self, charge: SubscriptionCharge) -> str | None:
        return None

    def _text(self, charge: SubscriptionCharge, name: str) -> str | None:
        return getattr(charge.subscription, name) or None

    def get_client_field_1(self, charge: SubscriptionCharge) -> str | None:
        return self._text(charge, "client_field_1")

    def get_client_field_2(self, charge: SubscriptionCharge) -> str | None:
        return self._text(charge, "client_field_2")

    def get_client_field_3(self, charge: SubscriptionCharge) -> str | None:
        return self._text(charge, "client_field_3")

    def get_remarks(self, charge: SubscriptionCharge) -> str | None:
        return self._text(charge, "remarks")

    def get_error_code(self, charge: SubscriptionCharge) -> str | None:
        return charge.error_code or None

    def get_charge_date(self, charge: SubscriptionCharge) -> str:
        return _day_time(charge.charge_date) or ""


class ResultList(ListEnvelope):
    list = ResultResponse(many=True)
