"""Requests and answers of direct debit (``Directdebit``), as fincode's ``Payment.DirectDebit.*``
schemas, and of a customer's payment methods (``CustomerPaymentMethod.*``, ``PaymentMethod``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.method_serializers import FincodeDay, RegisterCommon, _AsyncProgress, _Target
from payments.api.serializers import (
    FincodeTime,
    NumericString,
    PositiveNumericString,
    WebUrl,
    optional_text,
    pattern_choice,
)
from payments.methods.directdebit import schedule
from payments.models import Card, DirectDebitAccount, Payment, PaymentMethodStatus
from portal.api.serializers import RequestSerializer

RESULT_CODES = ["0", "1", "2", "3", "4", "8", "9", "E", "N"]
PAY_TYPES = ["Card", "Directdebit"]


@extend_schema_field({"type": "string", "pattern": "^[0-9EN]$", "nullable": True, "example": "0"})
class ResultCode(serializers.CharField):
    """fincode's ``DirectDebitResultCode``."""


@extend_schema_field({"type": "string", "pattern": r"^\d{4}/\d{2}/\d{2}$", "example": "2027/01/27"})
class FincodeDate(serializers.Field):
    """A day written ``yyyy/MM/dd``."""

    default_error_messages = {"invalid": "must be a date written yyyy/MM/dd"}

    def to_internal_value(self, data):
        day = schedule.parse_day(data) if isinstance(data, str) else None
        if day is None:
            self.fail("invalid")
        return day

    def to_representation(self, value):
        return value.strftime("%Y/%m/%d") if value else None


# --- Payments -------------------------------------------------------------------------------------


class DirectdebitRegisterRequest(RegisterCommon):
    pay_type = pattern_choice(["Directdebit"])
    amount = NumericString(digits=10, minimum=1)
    tax = NumericString(digits=10, required=False, allow_null=True)
    remarks = serializers.CharField(max_length=9, required=False, allow_null=True, allow_blank=True)


class DirectdebitExecuteRequest(_Target):
    customer_id = serializers.CharField(max_length=60)
    payment_method_id = serializers.CharField(
        max_length=25, required=False, allow_null=True, allow_blank=True
    )
    target_date = FincodeDate()


class DirectdebitCancelRequest(_Target):
    pass


class DirectdebitChangeRequest(_Target):
    amount = PositiveNumericString(digits=10)
    tax = NumericString(digits=10, required=False, allow_null=True)


class PaymentDirectdebitResponse(_AsyncProgress):
    result_code = ResultCode(allow_null=True)
    target_date = FincodeDay(allow_null=True)
    withdrawal_date = FincodeDay(allow_null=True)
    request_accept_end_date = FincodeDay(allow_null=True)
    transfer_return_date = FincodeDay(allow_null=True)
    payment_method_id = serializers.CharField(allow_null=True)
    bank_code = serializers.CharField(source="dd_bank_code", allow_null=True)
    bank_name = serializers.CharField(source="dd_bank_name", allow_null=True)
    branch_code = serializers.CharField(source="dd_branch_code", allow_null=True)
    branch_name = serializers.CharField(source="dd_branch_name", allow_null=True)
    remarks = serializers.CharField(allow_null=True)
    subscription_id = serializers.SerializerMethodField()

    def get_subscription_id(self, payment: Payment) -> str | None:
        return None


# --- Payment methods ------------------------------------------------------------------------------


class PaymentMethodCardRequest(RequestSerializer):
    token = serializers.CharField(max_length=512)
    tds_type = serializers.ChoiceField(choices=["0", "2"], required=False, allow_null=True)
    tds2_type = serializers.ChoiceField(choices=["2", "3"], required=False, allow_null=True)
    td_tenant_name = optional_text(25)


class PaperApplicationRequest(RequestSerializer):
    postal_account_number_1 = serializers.RegexField(r"^[0-9]{1,5}$", required=False, allow_null=True)
    postal_account_number_2 = serializers.RegexField(r"^[0-9]{1,8}$", required=False, allow_null=True)
    request_form_id = serializers.RegexField(r"^[!-~]{1,20}$")


class PaymentMethodDirectdebitRequest(RequestSerializer):
    application_type = serializers.ChoiceField(choices=DirectDebitAccount.ApplicationType.values)
    bank_code = serializers.RegexField(r"^[0-9]{4}$")
    branch_code = serializers.RegexField(r"^[0-9]{3}$", required=False, allow_null=True)
    account_type = pattern_choice(["0", "1"], required=False, allow_null=True)
    account_number = serializers.RegexField(r"^[0-9]{7}$", required=False, allow_null=True)
    postal_account_number_1 = serializers.RegexField(r"^[0-9]{5}$", required=False, allow_null=True)
    postal_account_number_2 = serializers.RegexField(r"^[0-9]{8}$", required=False, allow_null=True)
    account_name = optional_text(45)
    account_name_kana = serializers.CharField(max_length=45)
    paper_application = PaperApplicationRequest(required=False, allow_null=True)

    def validate(self, attrs):
        paper = attrs.get("paper_application") or {}
        if attrs["bank_code"] == "9900":  # Japan Post Bank: its own account numbers
            for name in ("postal_account_number_1", "postal_account_number_2"):
                if not (attrs.get(name) or paper.get(name)):
                    raise serializers.ValidationError({name: "required for bank_code 9900"}, code="required")
        else:
            for name in ("branch_code", "account_type", "account_number"):
                if not attrs.get(name):
                    raise serializers.ValidationError(
                        {name: "required unless bank_code is 9900"}, code="required"
                    )
        if attrs["application_type"] == DirectDebitAccount.ApplicationType.PAPER and not paper:
            raise serializers.ValidationError(
                {"paper_application": "required for application_type PAPER"}, code="required"
            )
        return attrs


class PaymentMethodCreateRequest(RequestSerializer):
    """fincode's ``CustomerPaymentMethod.Creating.Request``."""

    pay_type = pattern_choice(PAY_TYPES)
    default_flag = pattern_choice(["0", "1"])
    return_url = WebUrl(max_length=256, required=False, allow_null=True)
    return_url_on_failure = WebUrl(max_length=256, required=False, allow_null=True)
    client_field_1 = optional_text(100)
    client_field_2 = optional_text(100)
    client_field_3 = optional_text(100)
    card = PaymentMethodCardRequest(required=False, allow_null=True)
    directdebit = PaymentMethodDirectdebitRequest(required=False, allow_null=True)


class PaymentMethodQuery(RequestSerializer):
    pay_type = pattern_choice(PAY_TYPES)


class PaymentMethodDeleteQuery(RequestSerializer):
    pay_type = pattern_choice(PAY_TYPES, required=False)


class PaymentMethodCardDetails(serializers.Serializer):
    card_no = serializers.CharField()
    expire = serializers.CharField(allow_null=True)
    holder_name = serializers.CharField(allow_null=True)
    type = serializers.CharField(allow_null=True)
    brand = serializers.CharField(allow_null=True)
    card_no_hash = serializers.CharField()
    tds_type = serializers.CharField(allow_null=True)
    tds2_type = serializers.CharField(allow_null=True)
    tds2_status = serializers.CharField(allow_null=True)
    merchant_name = serializers.CharField(allow_null=True)
    access_id = serializers.CharField(allow_null=True)
    acs = serializers.CharField(allow_null=True)


class PaperApplicationDetails(serializers.Serializer):
    preregistered_date = FincodeTime(allow_null=True)
    request_form_id = serializers.CharField(allow_null=True)
    paper_failure_description = serializers.CharField(allow_null=True)


class PaymentMethodDirectdebitDetails(serializers.Serializer):
    application_type = serializers.CharField()
    expected_billable_date = FincodeTime(allow_null=True)
    last_withdrawal_date = FincodeTime(allow_null=True)
    last_result_code = ResultCode(allow_null=True)
    bank_type = serializers.CharField()
    bank_code = serializers.CharField()
    bank_name = serializers.CharField(allow_null=True)
    branch_code = serializers.CharField(allow_null=True)
    branch_name = serializers.CharField(allow_null=True)
    account_type = serializers.CharField(allow_null=True)
    account_number = serializers.CharField(allow_null=True, help_text="Masked: the last three digits.")
    postal_account_number_1 = serializers.CharField(allow_null=True)
    postal_account_number_2 = serializers.CharField(allow_null=True, help_text="Masked.")
    account_name = serializers.CharField(allow_null=True)
    account_name_kana = serializers.CharField()
    paper_application = PaperApplicationDetails(allow_null=True)


def _blank(value: str) -> str | None:
    return value or None


class PaymentMethodResponse(serializers.Serializer):
    """fincode's ``PaymentMethod``: a saved card (``Card``) or a direct-debit account (``Directdebit``)."""

    id = serializers.CharField()
    pay_type = pattern_choice(PAY_TYPES)
    customer_id = serializers.CharField()
    status = serializers.ChoiceField(choices=PaymentMethodStatus.choices)
    redirect_url = serializers.CharField(allow_null=True)
    redirect_url_accessed_flag = pattern_choice(["0", "1"], allow_null=True)
    return_url = serializers.CharField(allow_null=True)
    return_url_on_failure = serializers.CharField(allow_null=True)
    default_flag = pattern_choice(["0", "1"])
    client_field_1 = serializers.CharField(allow_null=True)
    client_field_2 = serializers.CharField(allow_null=True)
    client_field_3 = serializers.CharField(allow_null=True)
    delete_flag = pattern_choice(["0", "1"])
    process_date = FincodeTime(allow_null=True)
    created = FincodeTime()
    updated = FincodeTime(allow_null=True)
    card = PaymentMethodCardDetails(allow_null=True)
    directdebit = PaymentMethodDirectdebitDetails(allow_null=True)

    def to_representation(self, method: Any) -> dict:
        from payments.api.serializers import fincode_time

        common = {
            "customer_id": method.customer.customer_id,
            "default_flag": "1" if method.default_flag else "0",
            "return_url": method.return_url,
            "return_url_on_failure": method.return_url_on_failure,
            "client_field_1": method.client_field_1,
            "client_field_2": method.client_field_2,
            "client_field_3": method.client_field_3,
            "delete_flag": "0",
            "created": fincode_time(method.created),
            "updated": fincode_time(method.updated),
        }
        if isinstance(method, Card):
            return {
                "id": method.card_id,
                "pay_type": "Card",
                "status": PaymentMethodStatus.ACTIVATED,
                "redirect_url": None,
                "redirect_url_accessed_flag": None,
                **common,
                "process_date": fincode_time(method.created),
                "card": {
                    "card_no": method.card_no,
                    "expire": method.expire,
                    "holder_name": method.holder_name or None,
                    "type": method.type,
                    "brand": method.brand,
                    "card_no_hash": method.card_no_hash,
                    "tds_type": method.tds_type or "0",
                    "tds2_type": None,
                    "tds2_status": None,
                    "merchant_name": None,
                    "access_id": None,
                    "acs": None,
                },
                "directdebit": None,
            }
        from payments.methods.directdebit.accounts import last_result, redirect_url

        request = self.context.get("request")
        last = last_result(method)
        paper = method.application_type == DirectDebitAccount.ApplicationType.PAPER
        return {
            "id": method.payment_method_id,
            "pay_type": "Directdebit",
            "status": method.status,
            "redirect_url": redirect_url(request, method) if request is not None else None,
            "redirect_url_accessed_flag": "1" if method.redirect_url_accessed else "0",
            **common,
            "process_date": fincode_time(method.process_date),
            "card": None,
            "directdebit": {
                "application_type": method.application_type,
                "expected_billable_date": fincode_time(method.expected_billable_date),
                "last_withdrawal_date": fincode_time(last.withdrawal) if last else None,
                "last_result_code": last.result_code if last else None,
                "bank_type": method.bank_type,
                "bank_code": method.bank_code,
                "bank_name": _blank(method.bank_name),
                "branch_code": _blank(method.branch_code),
                "branch_name": _blank(method.branch_name),
                "account_type": _blank(method.account_type),
                "account_number": _blank(method.account_number),
                "postal_account_number_1": _blank(method.postal_account_number_1),
                "postal_account_number_2": _blank(method.postal_account_number_2),
                "account_name": _blank(method.account_name),
                "account_name_kana": method.account_name_kana,
                "paper_application": {
                    "preregistered_date": fincode_time(method.preregistered_date),
                    "request_form_id": _blank(method.request_form_id),
                    "paper_failure_description": _blank(method.bank_failure_reason),
                }
                if paper
                else None,
            },
        }


class PaymentMethodList(serializers.Serializer):
    list = PaymentMethodResponse(many=True)


class DeletedPaymentMethod(serializers.Serializer):
    id = serializers.CharField()
    pay_type = serializers.CharField()
    customer_id = serializers.CharField()
    delete_flag = serializers.CharField()
