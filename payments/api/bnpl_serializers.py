"""``pay_type=Bnpl`` (extension): requests and answers, in the style of fincode's payment schemas.

The buyer's details at execute are those of the credit check API (``POST /v1/credit/checks``).
"""

from __future__ import annotations

from rest_framework import serializers

from credit.api.views import BuyerSerializer, DeviceSerializer, ItemSerializer, ShippingSerializer
from payments.api.method_serializers import RegisterCommon
from payments.api.serializers import FincodeTime, NumericString, PaymentBaseResponse
from payments.methods.bnpl.flow import invoice_of
from payments.models import JobCode, Payment
from portal.api.serializers import RequestSerializer
from portal.models import PayType


class BnplRegisterRequest(RegisterCommon):
    pay_type = serializers.ChoiceField(choices=[PayType.BNPL])
    job_code = serializers.ChoiceField(
        choices=[JobCode.AUTH, JobCode.CAPTURE],
        required=False,
        default=JobCode.AUTH,
        help_text="AUTH: capture on shipment (issues the invoice); CAPTURE: invoice at once.",
    )
    amount = NumericString(digits=7, minimum=1)
    tax = NumericString(digits=7, required=False, allow_null=True)


class BnplExecuteRequest(RequestSerializer):
    pay_type = serializers.ChoiceField(choices=[PayType.BNPL])
    access_id = serializers.CharField(max_length=24)
    buyer = BuyerSerializer()
    # max_length is the list's (DRF passes it to the ListSerializer); the stubs lack it
    items = ItemSerializer(many=True, required=False, default=list, max_length=500)  # type: ignore[call-arg]
    shipping = ShippingSerializer(required=False, allow_null=True, default=None)
    device = DeviceSerializer(required=False, default=dict)
    invoice_method = serializers.ChoiceField(
        choices=["konbini", "bank_transfer"],
        required=False,
        default="konbini",
        help_text="How the buyer pays the invoice.",
    )


class BnplInvoice(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    status = serializers.CharField(help_text="invoiced (unpaid) or paid")
    amount = serializers.IntegerField()
    payment_method = serializers.CharField()
    due_date = serializers.DateField()
    invoiced_at = FincodeTime()
    paid_at = FincodeTime(allow_null=True)
    reminder_count = serializers.IntegerField()


class PaymentBnplResponse(PaymentBaseResponse):
    job_code = serializers.CharField()
    credit_check_id = serializers.SerializerMethodField(
        help_text="The credit check that decided (GET /v1/credit/checks/{id})."
    )
    decline_category = serializers.CharField(
        source="bnpl_decline_category", allow_null=True,
        help_text="Why it was declined: fraud_risk, payment_history, credit_limit, eligibility or credit_policy.",
    )  # fmt: skip
    invoice_method = serializers.CharField(source="bnpl_invoice_method", allow_null=True)
    invoice = serializers.SerializerMethodField()
    pending_operation = serializers.CharField(allow_null=True)

    def get_credit_check_id(self, payment: Payment) -> str | None:
        return payment.credit_check.public_id if payment.credit_check is not None else None

    def get_invoice(self, payment: Payment) -> dict | None:
        invoice = invoice_of(payment)
        if invoice is None or invoice.invoiced_at is None:
            return None
        return BnplInvoice(invoice).data
