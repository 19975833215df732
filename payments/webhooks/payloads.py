"""Webhook bodies, as fincode's ``WebhookEvent.Payment.*`` schemas (amounts as strings), plus
our extensions ``event_id`` and ``event_sequence`` (also sent as headers).

The fields of each pay type are its module's (``PaymentMethod.webhook_payload``).
Built when the event is written (in the transaction of the change), so a body shows the
payment as it was right after that change, however late it is delivered.
"""

from __future__ import annotations

from typing import Any

from payments.api.serializers import fincode_time
from payments.methods.registry import METHODS
from payments.models import Payment


def flag_text(value: bool) -> str:
    return "1" if value else "0"


def day_text(value) -> str | None:
    return value.strftime("%Y/%m/%d") if value else None


def _common(payment: Payment, event: str) -> dict[str, Any]:
    return {
        "shop_id": payment.merchant.public_id,
        "order_id": payment.order_id,
        "access_id": payment.access_id,
        "pay_type": payment.pay_type,
        "status": payment.status,
        "customer_id": payment.customer.customer_id if payment.customer is not None else None,
        "process_date": fincode_time(payment.process_date),
        "client_field_1": payment.client_field_1,
        "client_field_2": payment.client_field_2,
        "client_field_3": payment.client_field_3,
        "amount": str(payment.amount),
        "tax": str(payment.tax),
        "currency": payment.currency,
        "error_code": payment.error_code,
        "event": event,
    }


def payment_payload(payment: Payment, *, event: str, event_id: str, sequence: int) -> dict[str, Any]:
    method = METHODS.get(payment.pay_type)
    return {
        **_common(payment, event),
        **(method.webhook_payload(payment) if method else {}),
        "event_id": event_id,
        "event_sequence": sequence,
    }
