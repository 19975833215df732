"""楽天ペイ-style wallet client."""

from __future__ import annotations

from collections.abc import Mapping

from payments.providers.async_base import (
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
    WalletCode,
)
from payments.providers.async_http import HttpAsyncProvider, fresh_stamp, header, load, parse_time, same


class RakutenPayWallet(HttpAsyncProvider):
    name = "rakutenpay"
    states = {
        "WAITING": "awaiting", "AUTHORIZED": "authorized", "CAPTURED": "captured",
        "CANCELLED": "canceled", "EXPIRED": "expired", "FAILED": "failed",
    }  # fmt: skip

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/v1/charges",
            {
                "merchantOrderId": request.payment_ref,
                "requestId": request.reference,
                "grossAmount": request.amount,
                "currencyCode": request.currency,
                "captureType": "AUTO" if request.capture else "MANUAL",
                "notificationUrl": request.notify_url,
                "returnUrl": request.redirect_url,
                "itemName": request.description,
                "expireAt": request.deadline.isoformat() if request.deadline else None,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        charge = body.get("charge") or {}
        return ProviderAnswer(
            reference=reference,
            state=self.state(charge.get("status", "")),
            amount=int(charge.get("grossAmount") or 0),
            details=WalletCode(
                code_id=charge.get("chargeId"),
                code_url=charge.get("paymentUrl"),
                payment_id=charge.get("chargeId"),
                merchant_payment_id=charge.get("merchantOrderId"),
                expires_at=parse_time(charge["expireAt"]) if charge.get("expireAt") else None,
            ),
        )

    def _operate(self, payment_ref: str, operation: str, reference: str, amount: int | None = None):
        payload = {"requestId": reference, **({"grossAmount": amount} if amount is not None else {})}
        return self.answer(
            reference, self.api.call("POST", f"/v1/charges/{payment_ref}/{operation}", payload)
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        return self._operate(payment_ref, "capture", reference, amount)

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self._operate(payment_ref, "cancel", reference)

    def change_amount(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        return self._operate(payment_ref, "amount", reference, amount)

    def status(self, payment_ref: str) -> ProviderStatus:
        body = self.api.call("GET", f"/v1/charges/by-order/{payment_ref}", missing_ok=True)
        return self.status_of(body)

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header(headers, "X-Rpay-Signature").split(",") if "=" in p)
        stamp = parts.get("t", "")
        return fresh_stamp(stamp) and same(self.sign_hex(stamp.encode() + b"." + body), parts.get("s", ""))

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        charge = data.get("charge") or {}
        return ProviderEvent(
            event_id=str(data.get("notificationId") or ""),
            kind=self.state(str(data.get("eventType", "")).removeprefix("CHARGE_")),  # type: ignore[arg-type]
            amount=int(charge.get("grossAmount") or 0),
            occurred_at=parse_time(charge.get("updatedAt")),
            payment_ref=str(charge.get("merchantOrderId") or ""),
            details=WalletCode(payment_id=charge.get("chargeId")),
        )
