"""``PUT /v1/payments/{id}/barcode`` (konbini): the slip's barcode for the buyer's device.

The pay types with a slip declare its body (``MethodApi.barcode``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from payments.api import methods
from payments.api.views import IDEMPOTENCY_HEADERS, PaymentDetailView, payment_answer, valid_data
from payments.asyncflows import services as async_services


class PaymentBarcodeView(PaymentDetailView):
    http_method_names = ["put", "options"]

    @extend_schema(
        operation_id="generateBarcodeOfPayment",
        summary="Konbini: generate the payment slip's barcode for a device",
        request=methods.BARCODE_SCHEMA,
        responses=methods.BARCODE_RESPONSE,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Payments"],
    )
    def put(self, request, order_id: str):
        data = valid_data(methods.BARCODE_REQUEST, request.data)
        payment = async_services.payment_barcode(payment=self.checked(order_id, data), data=data)
        return payment_answer(request, payment)
