"""Query and answers of ``GET /v1/shop_charge_backs`` (fincode's ``ShopChargeBack.*``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import FincodeDay, ListEnvelope, sort_field
from payments.chargebacks import selectors, shapes
from payments.chargebacks.models import Category, Request, Status
from payments.selectors import parse_day
from portal.api.serializers import StrictIntegerField
from portal.errors import FieldError

DAYS = ("process_date_since", "process_date_until", "opened_to_shop_date_since", "opened_to_shop_date_until")


def codes_field(allowed: list[int]) -> serializers.CharField:
    """fincode's comma-separated codes (``status_code=4005,4011``)."""
    one = f"({'|'.join(str(code) for code in allowed)})"

    @extend_schema_field({"type": "string", "pattern": f"^{one}(,{one})*$", "example": str(allowed[0])})
    class Codes(serializers.CharField):
        pass

    return Codes(required=False, max_length=100, help_text="Comma-separated codes.")


class ListQuery(serializers.Serializer):
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    count_only = serializers.BooleanField(required=False, default=False)
    sort = sort_field(selectors.SORT)
    order_id = serializers.CharField(max_length=30, required=False, allow_blank=True)
    amount = StrictIntegerField(min_value=1, max_value=9_999_999_999, required=False)
    request = codes_field(Request.values)
    status_code = codes_field(Status.values)
    category = codes_field(Category.values)
    canceled = serializers.BooleanField(required=False, allow_null=True, default=None)
    process_date_since = FincodeDay(required=False)
    process_date_until = FincodeDay(required=False)
    opened_to_shop_date_since = FincodeDay(required=False)
    opened_to_shop_date_until = FincodeDay(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name, allowed in (
            ("request", Request.values),
            ("status_code", Status.values),
            ("category", Category.values),
        ):
            if attrs.get(name):
                attrs[name] = _codes(name, attrs[name], allowed)
        for name in DAYS:
            if attrs.get(name):
                attrs[name] = parse_day(attrs[name], area="26", field=name)
        return attrs


def _codes(name: str, value: str, allowed: list[int]) -> list[int]:
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) not in allowed:
            raise FieldError("26", name, "invalid", f"must be comma-separated codes among {allowed}")
        out.append(int(part))
    return out


class ListItem(serializers.Serializer):
    """``ShopChargeBackListItem`` (the fields document it; ``shapes.list_item`` writes it)."""

    id = serializers.IntegerField()
    shop_id = serializers.CharField()
    order_id = serializers.CharField()
    amount = serializers.IntegerField()
    trade_registration_date = serializers.CharField(help_text="yyyy/MM/dd HH:mm")
    category = serializers.IntegerField(min_value=0, max_value=2)
    status_code = serializers.IntegerField(min_value=4005, max_value=4011)
    request = serializers.IntegerField()
    process_date = serializers.CharField(help_text="yyyy/MM/dd")
    opened_to_shop_date = serializers.CharField(help_text="yyyy/MM/dd HH:mm")
    canceled = serializers.CharField(help_text='"true" or "false"')
    canceled_date = serializers.CharField(allow_null=True, help_text="yyyy/MM/dd HH:mm")

    def to_representation(self, instance) -> dict[str, Any]:
        return shapes.list_item(instance)


class ChargebackList(ListEnvelope):
    list = ListItem(many=True)


class EvidenceItem(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    file_name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class DetailAnswer(ListItem):
    """Extension: the list item, plus the reason, evidence due date and evidence files."""

    reason_code = serializers.CharField()
    reason_text = serializers.CharField()
    evidence_due_date = serializers.CharField(help_text="yyyy/MM/dd")
    evidence = EvidenceItem(many=True)

    def to_representation(self, instance) -> dict[str, Any]:
        return {
            **shapes.list_item(instance),
            "reason_code": instance.reason_code,
            "reason_text": instance.reason_text,
            "evidence_due_date": instance.evidence_due_date.strftime("%Y/%m/%d"),
            "evidence": EvidenceItem(instance.evidence.all(), many=True).data,
        }


class EvidenceUpload(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, PNG or JPEG; at most DOCUMENT_MAX_BYTES (5 MB).")
