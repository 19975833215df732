"""fincode's ``ShopChargeBackListItem`` of a chargeback: the API's list item and the webhook payload."""

from __future__ import annotations

from typing import Any

from payments.chargebacks.models import Chargeback
from payments.selectors import JST


def _minute(value) -> str | None:
    return None if value is None else value.astimezone(JST).strftime("%Y/%m/%d %H:%M")


def list_item(chargeback: Chargeback) -> dict[str, Any]:
    return {
        "id": chargeback.chargeback_id,
        "shop_id": chargeback.merchant.public_id,
        "order_id": chargeback.payment.order_id,
        "amount": chargeback.amount,
        "trade_registration_date": _minute(chargeback.trade_registration_date),
        "category": chargeback.category,
        "status_code": chargeback.status_code,
        "request": chargeback.request,
        "process_date": chargeback.process_date.strftime("%Y/%m/%d"),
        "opened_to_shop_date": _minute(chargeback.opened_to_shop_date),
        "canceled": "true" if chargeback.canceled else "false",
        "canceled_date": _minute(chargeback.canceled_date),
    }
