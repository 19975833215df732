"""PayPay-style wallet client (the simulator speaks this dialect; a live PayPay adapter would too)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from payments.providers.async_base import (
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
    WalletCode,
)
from payments.providers.async_http import HttpAsyncProvider, header, load, parse_time, same


class PayPayWallet(HttpAsyncProvider):
    name = "paypay"
    states = {
        "CREATED": "awaiting", "AUTHORIZED": "authorized", "COMPLETED": "captured",
        "CANCELED": "canceled", "EXPIRED": "expired", "FAILED": "failed",
    }  # fmt: skip

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/v2/codes",
            {
                "merchantPaymentId": request.payment_ref,
                "requestId": request.reference,
                "amount": {"amount": request.amount, "currency": request.currency},
                "codeType": "ORDER_QR",
                "orderDescription": request.description,
                "isAuthorization": not request.capture,
                "redirectUrl": request.redirect_url,
                "redirectType": "APP_DEEP_LINK" if request.redirect_type == "2" else "WEB_LINK",
                "expiresAt": int(request.deadline.timestamp()) if request.deadline else None,
                "notifyUrl": request.notify_url,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        data = body.get("data") or {}
        expiry = data.get("expiryDate")
        return ProviderAnswer(
            reference=reference,
            state=self.state(data.get("status", "")),
            amount=int((data.get("amount") or {}).get("amount", 0)),
            details=WalletCode(
                code_id=data.get("codeId"),
                code_url=data.get("url"),
                payment_id=data.get("paymentId"),
                merchant_payment_id=data.get("merchantPaymentId"),
                store_id=data.get("storeId"),
                expires_at=datetime.fromtimestamp(expiry, UTC) if expiry else None,
                result_code=(body.get("resultInfo") or {}).get("code"),
            ),
        )

    def _operate(self, payment_ref: str, operation: str, payload: dict, reference: str) -> ProviderAnswer:
        return self.answer(
            reference, self.api.call("POST", f"/v2/payments/{payment_ref}/{operation}", payload)
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        payload = {"merchantCaptureId": reference, "amount": {"amount": amount, "currency": "JPY"}}
        return self._operate(payment_ref, "capture", payload, reference)

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self._operate(payment_ref, "cancel", {"merchantRevertId": reference}, reference)

    def change_amount(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        payload = {"merchantUpdateId": reference, "amount": {"amount": amount, "currency": "JPY"}}
        return self._operate(payment_ref, "amount", payload, reference)

    def status(self, payment_ref: str) -> ProviderStatus:
        return self.status_of(self.api.call("GET", f"/v2/codes/payments/{payment_ref}", missing_ok=True))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        return same(base64.b64encode(digest).decode(), header(headers, "X-PayPay-Signature"))

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        return ProviderEvent(
            event_id=str(data.get("notification_id") or ""),
            kind=self.state(str(data.get("state"))),  # type: ignore[arg-type]
            amount=int(data.get("order_amount") or 0),
            occurred_at=parse_time(data.get("paid_at")),
            payment_ref=str(data.get("merchant_order_id") or ""),
            details=WalletCode(payment_id=data.get("order_id")),
        )
