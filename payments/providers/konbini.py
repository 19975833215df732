"""Konbini (convenience store) payment network client: payment slips, payments at the till, expiry."""

from __future__ import annotations

from collections.abc import Mapping

from payments.providers.async_base import (
    KonbiniSlip,
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
)
from payments.providers.async_http import BadNotification, HttpAsyncProvider, header, load, parse_time, same


class KonbiniNetwork(HttpAsyncProvider):
    name = "konbini"
    states = {"unpaid": "awaiting", "paid": "captured", "canceled": "canceled", "expired": "expired"}

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/v1/slips",
            {
                "reference": request.payment_ref,
                "request_id": request.reference,
                "amount": request.amount,
                "deadline": request.deadline.isoformat() if request.deadline else None,
                "notify_url": request.notify_url,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        paid = bool(body.get("paid_at"))
        slip = KonbiniSlip(
            slip_id=body.get("slip_id"),
            invoice_id=body.get("invoice_id"),
            result=body.get("result"),
            paid_at=parse_time(body["paid_at"]) if paid else None,
            konbini_code=body.get("konbini_code") if paid else None,
            store_code=body.get("store_code") if paid else None,
        )
        return ProviderAnswer(
            reference=reference,
            state=self.state(body.get("state", "")),
            amount=int(body.get("amount") or 0),
            details=slip,
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        raise NotImplementedError("konbini payments are captured by the buyer's payment")

    change_amount = capture

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self.answer(
            reference, self.api.call("POST", f"/v1/slips/{payment_ref}/cancel", {"request_id": reference})
        )

    def status(self, payment_ref: str) -> ProviderStatus:
        return self.status_of(self.api.call("GET", f"/v1/slips/{payment_ref}", missing_ok=True))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        return same(self.sign_hex(body), header(headers, "X-Konbini-Signature"))

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        kind = {"paid": "paid", "expired": "expired"}.get(str(data.get("type")))
        if kind is None:
            raise BadNotification(f"unknown type {data.get('type')!r}")
        slip = None
        if kind == "paid":
            slip = KonbiniSlip(
                paid_at=parse_time(data.get("paid_at")),
                konbini_code=data.get("konbini_code"),
                store_code=data.get("store_code"),
            )
        return ProviderEvent(
            event_id=str(data.get("event_id") or ""),
            kind=kind,  # type: ignore[arg-type]
            amount=int(data.get("amount") or 0),
            occurred_at=parse_time(data.get("paid_at")),
            payment_ref=str(data.get("reference") or ""),
            stub=bool(data.get("stub")),
            details=slip,
        )
