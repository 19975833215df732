"""``PUT /v1/payments/{id}/barcode`` (konbini): the slip's barcode for the buyer's device."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from payments.api import method_serializers as m
from payments.api import methods
from payments.api.views import IDEMPOTENCY_HEADERS, PaymentDetailView, _valid, payment_answer
from payments.asyncflows import services as async_services


class PaymentBarcodeView(PaymentDetailView):
    http_method_names = ["put", "options"]

    @extend_schema(
        operation_id="generateBarcodeOfPayment",
        summary="Konbini: generate the payment slip's barcode for a device",
        request=methods.BARCODE_SCHEMA,
        responses=m.PaymentKonbiniResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Payments"],
    )
    def put(self, request, order_id: str):
        data = _valid(m.KonbiniDeviceRequest, request.data)
        payment = async_services.payment_barcode(payment=self.checked(order_id, data), data=data)
        return payment_answer(request, payment)
