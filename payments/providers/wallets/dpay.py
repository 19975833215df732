"""d払い-style wallet client."""

from __future__ import annotations

from collections.abc import Mapping

from payments.providers.async_base import (
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
    WalletCode,
)
from payments.providers.async_http import HttpAsyncProvider, header, load, parse_time, same


class DpayWallet(HttpAsyncProvider):
    name = "dpay"
    states = {
        "pending": "awaiting", "authorized": "authorized", "captured": "captured",
        "canceled": "canceled", "expired": "expired", "failed": "failed",
    }  # fmt: skip

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/api/v1/payments",
            {
                "order_id": request.payment_ref,
                "request_id": request.reference,
                "amount": request.amount,
                "currency": request.currency,
                "capture_mode": "auto" if request.capture else "manual",
                "callback_url": request.notify_url,
                "return_url": request.redirect_url,
                "item_name": request.description,
                "expires_at": request.deadline.isoformat() if request.deadline else None,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        return ProviderAnswer(
            reference=reference,
            state=self.state(body.get("status", "")),
            amount=int(body.get("amount") or 0),
            details=WalletCode(
                code_id=body.get("payment_id"),
                code_url=body.get("redirect_url"),
                payment_id=body.get("payment_id"),
                merchant_payment_id=body.get("order_id"),
                expires_at=parse_time(body["expires_at"]) if body.get("expires_at") else None,
            ),
        )

    def _operate(self, payment_ref: str, operation: str, reference: str, amount: int | None = None):
        payload = {"request_id": reference, **({"amount": amount} if amount is not None else {})}
        return self.answer(
            reference, self.api.call("POST", f"/api/v1/payments/{payment_ref}/{operation}", payload)
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        return self._operate(payment_ref, "capture", reference, amount)

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self._operate(payment_ref, "cancel", reference)

    def change_amount(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        return self._operate(payment_ref, "amount", reference, amount)

    def status(self, payment_ref: str) -> ProviderStatus:
        return self.status_of(self.api.call("GET", f"/api/v1/payments/{payment_ref}", missing_ok=True))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        return same("sha256=" + self.sign_hex(body), header(headers, "X-Dpay-Signature"))

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        detail = data.get("data") or {}
        return ProviderEvent(
            event_id=str(data.get("event_id") or ""),
            kind=self.state(str(data.get("type", "")).removeprefix("payment.")),  # type: ignore[arg-type]
            amount=int(detail.get("amount") or 0),
            occurred_at=parse_time(detail.get("occurred_at")),
            payment_ref=str(detail.get("order_id") or ""),
            details=WalletCode(payment_id=detail.get("payment_id")),
        )
