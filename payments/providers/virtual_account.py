"""Bank client for virtual accounts (bank transfer): one account per payment, incoming transfers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from payments.providers.async_base import (
    BankTransfer,
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
    VirtualAccount,
)
from payments.providers.async_http import (
    BadNotification,
    HttpAsyncProvider,
    fresh_stamp,
    header,
    load,
    parse_time,
    same,
)


class VirtualAccountBank(HttpAsyncProvider):
    name = "bank"
    states = {"open": "awaiting", "paid": "captured", "closed": "canceled", "expired": "expired"}

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/v1/accounts",
            {
                "reference": request.payment_ref,
                "request_id": request.reference,
                "amount": request.amount,
                "deadline": request.deadline.isoformat() if request.deadline else None,
                "notify_url": request.notify_url,
                "account_name": request.description,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        return ProviderAnswer(
            reference=reference,
            state=self.state(body.get("state", "")),
            amount=int(body.get("amount") or 0),
            details=VirtualAccount(
                virtual_account_id=body.get("virtual_account_id"),
                bank_code=body.get("bank_code"),
                branch_code=body.get("branch_code"),
                branch_name=body.get("branch_name"),
                account_number=body.get("account_number"),
                account_name=body.get("account_name"),
                assigned_at=parse_time(body.get("assigned_at")),
            ),
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        raise NotImplementedError("bank transfers are captured by the buyer's transfer")

    change_amount = capture

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self.answer(
            reference, self.api.call("POST", f"/v1/accounts/{payment_ref}/close", {"request_id": reference})
        )

    def status(self, payment_ref: str) -> ProviderStatus:
        return self.status_of(self.api.call("GET", f"/v1/accounts/{payment_ref}", missing_ok=True))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        stamp = header(headers, "X-Bank-Timestamp")
        return fresh_stamp(stamp) and same(
            self.sign_hex(stamp.encode() + b"." + body), header(headers, "X-Bank-Signature")
        )

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        if data.get("type") != "transfer":
            raise BadNotification(f"unknown type {data.get('type')!r}")
        try:
            transfer = BankTransfer(
                transaction_date=date.fromisoformat(data["transaction_date"]),
                value_date=date.fromisoformat(data["value_date"]),
                remitter_name=str(data.get("remitter_name") or "")[:48] or None,
                remitter_bank=str(data.get("remitter_bank") or "")[:30] or None,
                remitter_branch=str(data.get("remitter_branch") or "")[:15] or None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadNotification("bad transfer dates") from exc
        return ProviderEvent(
            event_id=str(data.get("event_id") or ""),
            kind="transfer",
            amount=int(data.get("amount") or 0),
            occurred_at=parse_time(None),
            lookup=str(data.get("account_number") or ""),
            stub=bool(data.get("stub")),
            details=transfer,
        )
