"""The direct-debit bank (口座振替): account applications (mandates) and debits on a day.

An account is applied for once (``register_mandate``): online, the buyer approves at the bank
(``redirect_url``); on paper, the bank registers the form later. The bank notifies its decision
(``mandate``). A debit names the mandate and its ``target_date``; until its request period ends
it can be changed or canceled; on or after that day the bank notifies the result
(``DirectDebitResultCode``: ``0`` withdrawn, anything else failed)::

    X-Directdebit-Timestamp: <unix>   X-Directdebit-Signature: <hex HMAC-SHA256 of "timestamp.body">
    {"event_id", "type": "mandate", "mandate_id", "reference", "state": "registered"|"failed", "reason",
     "expected_billable_date"}
    {"event_id", "type": "result", "reference", "amount", "result_code", "withdrawal_date"}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from payments.providers.async_base import (
    DebitResult,
    MandateResult,
    ProviderAnswer,
    ProviderEvent,
    ProviderStatus,
    StartRequest,
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


@dataclass(frozen=True)
class MandateRequest:
    """An account application. ``account_number`` (or the Japan Post pair) is in clear here only."""

    reference: str  # our payment method id
    application_type: str
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    postal_account_number_1: str
    postal_account_number_2: str
    account_name_kana: str
    request_form_id: str
    notify_url: str
    return_url: str

    def __repr__(self) -> str:  # never the account number
        return f"MandateRequest({self.reference}, {self.bank_code}, {self.application_type})"


@dataclass(frozen=True)
class Mandate:
    """The bank's answer to an application."""

    mandate_id: str
    state: str  # awaiting_customer | pending | registered | failed
    bank_name: str
    branch_name: str
    redirect_url: str
    reason: str = ""
    expected_billable_date: date | None = None


def _day(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadNotification(f"bad date {value!r}") from exc


class DirectDebitBank(HttpAsyncProvider):
    name = "directdebit"
    states = {"requested": "awaiting", "withdrawn": "captured", "failed": "failed", "canceled": "canceled"}

    # --- accounts -------------------------------------------------------------------------------

    def register_mandate(self, request: MandateRequest) -> Mandate:
        body = self.api.call(
            "POST",
            "/v1/mandates",
            {
                "reference": request.reference,
                "request_id": request.reference,
                "application_type": request.application_type,
                "bank_code": request.bank_code,
                "branch_code": request.branch_code,
                "account_type": request.account_type,
                "account_number": request.account_number,
                "postal_account_number_1": request.postal_account_number_1,
                "postal_account_number_2": request.postal_account_number_2,
                "account_name_kana": request.account_name_kana,
                "request_form_id": request.request_form_id,
                "notify_url": request.notify_url,
                "return_url": request.return_url,
            },
        )
        return Mandate(
            mandate_id=str(body.get("mandate_id") or ""),
            state=str(body.get("state") or ""),
            bank_name=str(body.get("bank_name") or "")[:45],
            branch_name=str(body.get("branch_name") or "")[:45],
            redirect_url=str(body.get("redirect_url") or "")[:500],
            reason=str(body.get("reason") or "")[:200],
            expected_billable_date=_day(body.get("expected_billable_date")),
        )

    # --- debits (the AsyncProvider protocol) ------------------------------------------------------

    def start(self, request: StartRequest) -> ProviderAnswer:
        body = self.api.call(
            "POST",
            "/v1/debits",
            {
                "reference": request.payment_ref,
                "request_id": request.reference,
                "mandate_id": request.mandate,
                "amount": request.amount,
                "target_date": request.target_date.isoformat() if request.target_date else None,
                "notify_url": request.notify_url,
                "remarks": request.description,
            },
        )
        return self.answer(request.reference, body)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        return ProviderAnswer(
            reference=reference,
            state=self.state(body.get("state", "")),
            amount=int(body.get("amount") or 0),
            details=DebitResult(
                result_code=body.get("result_code"), withdrawal_date=_day(body.get("withdrawal_date"))
            ),
        )

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        raise NotImplementedError("a direct debit is captured by the bank's withdrawal")

    def change_amount(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer:
        return self.answer(
            reference,
            self.api.call(
                "POST", f"/v1/debits/{payment_ref}/change", {"request_id": reference, "amount": amount}
            ),
        )

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer:
        return self.answer(
            reference, self.api.call("POST", f"/v1/debits/{payment_ref}/cancel", {"request_id": reference})
        )

    def status(self, payment_ref: str) -> ProviderStatus:
        return self.status_of(self.api.call("GET", f"/v1/debits/{payment_ref}", missing_ok=True))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool:
        stamp = header(headers, "X-Directdebit-Timestamp")
        return fresh_stamp(stamp) and same(
            self.sign_hex(stamp.encode() + b"." + body), header(headers, "X-Directdebit-Signature")
        )

    def parse_notification(self, body: bytes) -> ProviderEvent:
        data = load(body)
        kind = data.get("type")
        event_id = str(data.get("event_id") or "")
        if kind == "mandate":
            state = str(data.get("state") or "")
            if state not in ("registered", "failed"):
                raise BadNotification(f"unknown mandate state {state!r}")
            return ProviderEvent(
                event_id=event_id,
                kind="mandate",
                amount=0,
                occurred_at=parse_time(None),
                payment_ref=str(data.get("reference") or ""),
                details=MandateResult(
                    mandate_id=str(data.get("mandate_id") or ""),
                    state=state,
                    reason=str(data.get("reason") or "")[:200],
                    expected_billable_date=_day(data.get("expected_billable_date")),
                ),
            )
        if kind != "result":
            raise BadNotification(f"unknown type {kind!r}")
        result_code = str(data.get("result_code") or "")
        if result_code not in ("0", "1", "2", "3", "4", "8", "9", "E", "N"):
            raise BadNotification(f"unknown result code {result_code!r}")
        return ProviderEvent(
            event_id=event_id,
            kind="captured" if result_code == "0" else "failed",
            amount=int(data.get("amount") or 0),
            occurred_at=parse_time(None),
            payment_ref=str(data.get("reference") or ""),
            details=DebitResult(result_code=result_code, withdrawal_date=_day(data.get("withdrawal_date"))),
        )
