"""Requests and answers of the pay types that complete later, named as fincode's
``Payment.PayPay.*``, ``Payment.Konbini.*`` and ``Payment.VirtualAccount.*`` schemas."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import (
    FINCODE_PAY_TYPES,
    FincodeTime,
    NumericString,
    OrderId,
    PaymentBaseResponse,
    PositiveNumericString,
    WebUrl,
    optional_text,
)
from payments.models import JobCode, Payment
from payments.providers.wallets.aggregator import WALLETS
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.models import PayType

# --- Registration ----------------------------------------------------------------------------


class RegisterCommon(RequestSerializer):
    build_sent_fields_only = True  # registration's hot path (no field looked up by name)

    id = OrderId(required=False, allow_null=True)
    client_field_1 = optional_text(100)
    client_field_2 = optional_text(100)
    client_field_3 = optional_text(100)

    def validate(self, attrs):
        attrs["tax"] = attrs.get("tax") or 0
        return attrs


class PaypayRegisterRequest(RegisterCommon):
    pay_type = serializers.ChoiceField(choices=[PayType.PAYPAY])
    job_code = serializers.ChoiceField(choices=[JobCode.AUTH, JobCode.CAPTURE])
    amount = NumericString(digits=9, minimum=1)
    tax = NumericString(digits=9, required=False, allow_null=True)
    order_description = optional_text(100)
    wallet = serializers.ChoiceField(
        choices=list(WALLETS),
        required=False,
        allow_null=True,
        help_text="Extension: which QR wallet (default: your contract's).",
    )


class KonbiniRegisterRequest(RegisterCommon):
    pay_type = serializers.ChoiceField(choices=[PayType.KONBINI])
    amount = NumericString(digits=6, minimum=1)
    tax = NumericString(digits=6, required=False, allow_null=True)


class VirtualaccountRegisterRequest(RegisterCommon):
    pay_type = serializers.ChoiceField(choices=[PayType.VIRTUALACCOUNT])
    billing_amount = NumericString(digits=10, minimum=1)
    billing_tax = NumericString(digits=10, required=False, allow_null=True)

    def validate(self, attrs):
        attrs["amount"] = attrs["billing_amount"]
        attrs["tax"] = attrs.get("billing_tax") or 0
        return attrs


# --- Execution and the barcode ------------------------------------------------------------------


class _Target(RequestSerializer):
    build_sent_fields_only = True  # no field looked up by name

    pay_type = serializers.ChoiceField(choices=FINCODE_PAY_TYPES)
    access_id = serializers.CharField(max_length=24)


class PaypayExecuteRequest(_Target):
    customer_id = serializers.CharField(max_length=60, required=False, allow_null=True, allow_blank=True)
    redirect_url = WebUrl(max_length=256)
    redirect_type = serializers.ChoiceField(choices=["1", "2"], required=False, allow_null=True)
    user_agent = optional_text(256)


class KonbiniDeviceRequest(_Target):
    device_name = serializers.CharField(max_length=20)
    win_width = serializers.RegexField(r"^[0-9]{1,5}$")
    win_height = serializers.RegexField(r"^[0-9]{1,5}$")
    pixel_ratio = serializers.RegexField(r"^[0-9]{1,2}(\.[0-9]{1,2})?$")
    win_size_type = serializers.RegexField(
        r"^[12]$", help_text="1: physical pixels (Android), 2: CSS pixels (iPhone)."
    )


class KonbiniExecuteRequest(KonbiniDeviceRequest):
    customer_id = serializers.CharField(max_length=60, required=False, allow_null=True, allow_blank=True)
    payment_term_day = StrictIntegerField(min_value=0, max_value=14, required=False, default=2)


class VirtualaccountExecuteRequest(_Target):
    payment_term_day = StrictIntegerField(min_value=0, max_value=99, required=False, default=7)
    reference_order_id = serializers.CharField(
        max_length=30,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Not supported yet: each payment gets a new virtual account.",
    )

    def validate_reference_order_id(self, value):
        if value:
            raise serializers.ValidationError("reusing a virtual account is not supported", code="invalid")
        return value


# --- Capture, cancel, change ----------------------------------------------------------------------


class AsyncCaptureRequest(_Target):
    capture_description = optional_text(100)


class AsyncCancelRequest(_Target):
    cancel_description = optional_text(100)


class AsyncChangeRequest(_Target):
    amount = PositiveNumericString(digits=9)
    tax = NumericString(digits=9, required=False, allow_null=True)
    update_description = optional_text(100)


# --- Answers --------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^[01]$", "example": "0"})
class Flag(serializers.Field):
    def to_representation(self, value):
        return "1" if value else "0"


@extend_schema_field({"type": "string", "example": "2026/01/31", "nullable": True})
class FincodeDay(serializers.Field):
    def to_representation(self, value):
        return value.strftime("%Y/%m/%d") if value else None


class _AsyncProgress(PaymentBaseResponse):
    pending_operation = serializers.CharField(
        allow_null=True,
        help_text="Extension: an operation sent to the provider whose answer is not in yet "
        "(the outcome follows by webhook).",
    )


class PaymentPaypayResponse(_AsyncProgress):
    job_code = serializers.CharField()
    wallet = serializers.CharField(allow_null=True, help_text="Extension: the QR wallet of this payment.")
    code_url = serializers.CharField(source="wallet_url", allow_null=True)
    code_expiry_date = FincodeTime(allow_null=True)
    redirect_url = serializers.CharField(allow_null=True)
    redirect_type = serializers.CharField(allow_null=True)
    auth_max_date = FincodeDay(allow_null=True)
    order_description = serializers.CharField(allow_null=True)
    capture_description = serializers.CharField(allow_null=True)
    update_description = serializers.CharField(allow_null=True)
    cancel_description = serializers.CharField(allow_null=True)
    store_id = serializers.CharField(allow_null=True)
    code_id = serializers.CharField(allow_null=True)
    payment_id = serializers.CharField(source="wallet_payment_id", allow_null=True)
    paypay_result_code = serializers.CharField(allow_null=True)
    merchant_payment_id = serializers.CharField(allow_null=True)
    merchant_capture_id = serializers.CharField(allow_null=True)
    merchant_update_id = serializers.CharField(allow_null=True)
    merchant_revert_id = serializers.CharField(allow_null=True)
    merchant_refund_id = serializers.SerializerMethodField()
    payment_date = FincodeTime(allow_null=True)

    def get_merchant_refund_id(self, payment: Payment) -> str | None:
        return None


class PaymentKonbiniResponse(_AsyncProgress):
    payment_term_day = serializers.IntegerField(allow_null=True)
    payment_term = FincodeTime(allow_null=True)
    payment_date = FincodeTime(allow_null=True)
    barcode = serializers.CharField(allow_null=True)
    barcode_format = serializers.CharField(allow_null=True)
    barcode_width = serializers.CharField(allow_null=True)
    barcode_height = serializers.CharField(allow_null=True)
    overpayment_flag = Flag()
    cancel_overpayment_flag = Flag()
    konbini_code = serializers.CharField(allow_null=True)
    konbini_store_code = serializers.CharField(allow_null=True)
    device_name = serializers.CharField(allow_null=True)
    os_version = serializers.CharField(allow_null=True)
    win_width = serializers.CharField(allow_null=True)
    win_height = serializers.CharField(allow_null=True)
    xdpi = serializers.CharField(allow_null=True)
    ydpi = serializers.CharField(allow_null=True)
    result = serializers.CharField(source="konbini_result", allow_null=True)
    order_serial = serializers.CharField(allow_null=True)
    invoice_id = serializers.CharField(allow_null=True)


class PaymentVirtualaccountResponse(_AsyncProgress):
    billing_amount = serializers.IntegerField(allow_null=True)
    billing_tax = serializers.IntegerField(allow_null=True)
    billing_total_amount = serializers.SerializerMethodField()
    transferred_amount = serializers.IntegerField(
        allow_null=True, help_text="Extension: everything transferred so far (over/under-payment: compare)."
    )
    payment_term_day = serializers.IntegerField(allow_null=True)
    payment_term = FincodeTime(allow_null=True)
    payment_method_id = serializers.SerializerMethodField()
    va_bank_code = serializers.CharField(allow_null=True, help_text="Extension: the bank's code.")
    va_branch_code = serializers.CharField(allow_null=True)
    va_branch_name = serializers.CharField(allow_null=True)
    va_account_number = serializers.CharField(allow_null=True)
    va_account_name = serializers.CharField(allow_null=True)
    virtual_account_id = serializers.CharField(allow_null=True)
    account_assignment_date = FincodeTime(allow_null=True)
    transaction_date = FincodeDay(allow_null=True)
    value_date = FincodeDay(allow_null=True)
    remitter_account_name = serializers.CharField(allow_null=True)
    remitter_bank_name = serializers.CharField(allow_null=True)
    remitter_branch_name = serializers.CharField(allow_null=True)
    overpayment_flag = Flag()
    cancel_overpayment_flag = Flag()
    expire_overpayment_flag = Flag()

    def get_billing_total_amount(self, payment: Payment) -> int:
        return (payment.billing_amount or 0) + (payment.billing_tax or 0)

    def get_payment_method_id(self, payment: Payment) -> str | None:
        return None


class PaymentPaypayList(serializers.Serializer):
    list = PaymentPaypayResponse(many=True)


class PaymentKonbiniList(serializers.Serializer):
    list = PaymentKonbiniResponse(many=True)


class PaymentVirtualaccountList(serializers.Serializer):
    list = PaymentVirtualaccountResponse(many=True)
