"""Convenience stores (``Konbini``): a slip with a barcode the buyer pays at the till."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from payments import errors
from payments.barcode import konbini_barcode
from payments.methods.asynchronous import AsynchronousMethod, async_actions, end_of_day
from payments.methods.base import MethodApi
from payments.models import Payment, Status
from portal.errors import PortalError
from portal.models import PayType
from portal.validators import is_ascii_digits

DEVICE_FIELDS = ("device_name", "win_width", "win_height")


def barcode_fields(number: str, win_width: str | None) -> dict[str, Any]:
    """The slip's barcode (a PNG), as wide as the buyer's screen allows."""
    width = int(win_width) if win_width and is_ascii_digits(win_width) else 0
    image, pixels_wide, pixels_high = konbini_barcode(number, max_width=width or 600)
    return {
        "barcode": image,
        "barcode_format": "png",
        "barcode_width": str(pixels_wide),
        "barcode_height": str(pixels_high),
    }


class KonbiniMethod(AsynchronousMethod):
    pay_type: str = PayType.KONBINI
    label = PayType.KONBINI.label
    operations = frozenset({"cancel"})
    statuses = frozenset({
        Status.UNPROCESSED, Status.AWAITING_CUSTOMER_PAYMENT, Status.CAPTURED, Status.CANCELED, Status.EXPIRED,
    })  # fmt: skip
    event_prefix = "payments.konbini"
    event_overrides: Mapping[str, str] = {"expire": "payments.konbini.expired.update.batch"}
    provider_names = frozenset({"konbini"})
    money_captures = True

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import method_serializers as m

        return MethodApi(
            register=m.KonbiniRegisterRequest,
            execute=m.KonbiniExecuteRequest,
            response=m.PaymentKonbiniResponse,
            actions=async_actions(),
            barcode=m.KonbiniDeviceRequest,
        )

    def execute_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        days = data.get("payment_term_day", 2)
        device = {k: data[k] for k in DEVICE_FIELDS if data.get(k)}
        return {"payment_term_day": days, "payment_term": end_of_day(days), **device}

    def completed_fields(
        self, *, payment: Payment, operation: str, reference: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        if operation == "execute" and fields.get("order_serial"):
            return barcode_fields(fields["order_serial"], payment.win_width)
        return {}

    def barcode_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        if payment.status != Status.AWAITING_CUSTOMER_PAYMENT or not payment.order_serial:
            raise PortalError(errors.BARCODE_NOT_READY)
        device = {k: data[k] for k in DEVICE_FIELDS if data.get(k)}
        return {**device, **barcode_fields(payment.order_serial, data.get("win_width"))}

    def buyer_request(self, *, payment: Payment, client: Any, base_url: str) -> Any:
        return client.post(
            f"{base_url}/konbini/v1/store/payments", json={"reference": payment.access_id, "stub": True}
        )

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.api.serializers import fincode_time
        from payments.webhooks.payloads import flag_text

        return {
            "overpayment_flag": flag_text(payment.overpayment_flag),
            "cancel_overpayment_flag": flag_text(payment.cancel_overpayment_flag),
            "payment_date": fincode_time(payment.payment_date),
            "payment_term": fincode_time(payment.payment_term),
            "konbini_code": payment.konbini_code,
            "konbini_store_code": payment.konbini_store_code,
            "order_serial": payment.order_serial,
            "invoice_id": payment.invoice_id,
        }
