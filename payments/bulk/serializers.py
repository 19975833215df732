"""Requests and answers of ``/v1/payments/bulk``, as fincode names them (``PaymentBulk.*``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments import selectors as payment_selectors
from payments.api.serializers import FincodeDay, FincodeTime, ListEnvelope, pattern_choice, sort_field
from payments.bulk import selectors
from payments.bulk.errors import AREA
from payments.bulk.models import PaymentBulk, PaymentBulkDetail
from payments.methods.registry import BULK
from portal.api.serializers import StrictIntegerField
from portal.errors import FieldError

PAY_TYPES = sorted(BULK)
BULK_STATUSES = PaymentBulk.Status.values
DETAIL_STATUSES = PaymentBulkDetail.Status.values


def _day(value: str | None, field: str):
    return payment_selectors.parse_day(value, area=AREA, field=field) if value else None


def _statuses(field: str, allowed: list[str]):
    one = f"({'|'.join(allowed)})"

    @extend_schema_field({"type": "string", "pattern": f"^{one}(,{one})*$", "example": allowed[0]})
    class StatusList(serializers.CharField):
        """Statuses, comma-separated (any of them)."""

        def to_internal_value(self, data):
            statuses = [s.strip() for s in super().to_internal_value(data).split(",")]
            if any(s not in allowed for s in statuses):
                raise FieldError(AREA, field, "choice", f"must be among {', '.join(allowed)}")
            return statuses

    return StatusList(max_length=100, required=False)


class BulkCreateQuery(serializers.Serializer):
    """``pay_type`` and ``process_plan_date``: in the query string (fincode's SDK) or the form."""

    pay_type = pattern_choice(PAY_TYPES)
    process_plan_date = FincodeDay(help_text="yyyy/MM/dd: the day the payments are made (Japan time).")

    def validate(self, attrs):
        attrs["process_plan_date"] = _day(attrs["process_plan_date"], "process_plan_date")
        return attrs


class BulkCreateRequest(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            'fincode\'s JSON file ({"data": [{"id", "amount", "tax", "customer_id", "card_id", '
            '"client_field_1".."client_field_3"}]}), or a CSV file whose header line names those columns.'
        )
    )


class BulkListQuery(serializers.Serializer):
    pay_type = pattern_choice(PAY_TYPES, required=False)
    status = _statuses("status", BULK_STATUSES)
    file_name = serializers.CharField(max_length=100, required=False)
    delete_flag = pattern_choice(["0", "1"], required=False)
    process_plan_date_from = FincodeDay(required=False)
    process_plan_date_to = FincodeDay(required=False)
    created_from = FincodeDay(required=False)
    created_to = FincodeDay(required=False)
    sort = sort_field(selectors.BULK_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        for name in list(attrs):
            if name.endswith(("_from", "_to")):
                attrs[name] = _day(attrs[name], name)
        return attrs


class DetailListQuery(serializers.Serializer):
    pay_type = pattern_choice(PAY_TYPES)
    order_id = serializers.CharField(max_length=30, required=False)
    status = _statuses("status", DETAIL_STATUSES)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)


def _day_text(value) -> str | None:
    return value.strftime("%Y/%m/%d") if value else None


class BulkResponse(serializers.Serializer):
    id = serializers.CharField(source="bulk_id")
    shop_id = serializers.CharField(source="merchant.public_id")
    pay_type = serializers.CharField()
    status = serializers.CharField()
    process_plan_date = serializers.SerializerMethodField()
    file_name = serializers.CharField()
    process_start_date = FincodeTime(allow_null=True)
    process_end_date = FincodeTime(allow_null=True)
    total_count = serializers.IntegerField()
    process_success_count = serializers.IntegerField(source="success_count")
    process_failure_count = serializers.IntegerField(source="failure_count")
    error_code = serializers.SerializerMethodField()
    delete_flag = serializers.SerializerMethodField()
    created = FincodeTime()
    updated = FincodeTime()

    def get_process_plan_date(self, bulk: PaymentBulk) -> str:
        return _day_text(bulk.process_plan_date) or ""

    def get_error_code(self, bulk: PaymentBulk) -> str | None:
        return bulk.error_code or None

    def get_delete_flag(self, bulk: PaymentBulk) -> str:
        return "1" if bulk.deleted_at is not None else "0"


class BulkList(ListEnvelope):
    list = BulkResponse(many=True)


class BulkDeleteResponse(serializers.Serializer):
    id = serializers.CharField(source="bulk_id")
    delete_flag = serializers.SerializerMethodField()

    def get_delete_flag(self, bulk: PaymentBulk) -> str:
        return "1" if bulk.deleted_at is not None else "0"


def _payment_text(name: str):
    def read(self, detail: PaymentBulkDetail) -> str | None:
        payment = detail.payment
        return (getattr(payment, name) or None) if payment is not None else None

    return read


class DetailResponse(serializers.Serializer):
    id = serializers.CharField(source="bulk.bulk_id")
    shop_id = serializers.CharField(source="bulk.merchant.public_id")
    order_id = serializers.CharField()
    status = serializers.CharField()
    access_id = serializers.SerializerMethodField()
    job_code = serializers.SerializerMethodField()
    amount = serializers.IntegerField()
    tax = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    method = serializers.SerializerMethodField()
    pay_times = serializers.SerializerMethodField()
    customer_id = serializers.CharField()
    card_id = serializers.SerializerMethodField()
    client_field_1 = serializers.SerializerMethodField()
    client_field_2 = serializers.SerializerMethodField()
    client_field_3 = serializers.SerializerMethodField()
    error_code = serializers.SerializerMethodField()
    item_code = serializers.SerializerMethodField()
    transaction_id = serializers.SerializerMethodField()
    approve = serializers.SerializerMethodField()
    forward = serializers.SerializerMethodField()
    created = FincodeTime()
    updated = FincodeTime()

    get_access_id = _payment_text("access_id")
    get_method = _payment_text("method")
    get_item_code = _payment_text("item_code")
    get_transaction_id = _payment_text("transaction_id")
    get_approve = _payment_text("approve")
    get_forward = _payment_text("forward")

    def get_job_code(self, detail: PaymentBulkDetail) -> str:
        return "CAPTURE"

    def get_pay_times(self, detail: PaymentBulkDetail) -> int | None:
        return detail.payment.pay_times if detail.payment is not None else None

    def get_card_id(self, detail: PaymentBulkDetail) -> str | None:
        payment = detail.payment
        if payment is not None and payment.card is not None:
            return payment.card.card_id
        return detail.card_id or None

    def get_client_field_1(self, detail: PaymentBulkDetail) -> str | None:
        return detail.client_field_1 or None

    def get_client_field_2(self, detail: PaymentBulkDetail) -> str | None:
        return detail.client_field_2 or None

    def get_client_field_3(self, detail: PaymentBulkDetail) -> str | None:
        return detail.client_field_3 or None

    def get_error_code(self, detail: PaymentBulkDetail) -> str | None:
        return detail.error_code or None


class LineErrorItem(serializers.Serializer):
    error_code = serializers.CharField()
    error_message = serializers.CharField()


class LineErrorResponse(serializers.Serializer):
    number = serializers.SerializerMethodField(help_text="The payment's number in the file (1: the first).")
    order_id = serializers.SerializerMethodField()
    errors = LineErrorItem(many=True)  # type: ignore[assignment]  # fincode's name; DRF pops declared fields

    def get_number(self, line) -> str:
        return str(line.line)

    def get_order_id(self, line) -> str | None:
        return line.order_id or None


class DetailList(ListEnvelope):
    error_code = serializers.CharField(allow_null=True)
    list = DetailResponse(many=True)
    error_detail = LineErrorResponse(many=True)
