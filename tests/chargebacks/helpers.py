"""Captured payments and their chargebacks, and the merchant's ledger balances."""

from __future__ import annotations

import secrets

from payments.chargebacks import services
from payments.chargebacks.models import Chargeback
from payments.models import Payment
from payments.settlements.models import Entry
from tests.payments.helpers import execute, register, token
from tests.support import ApiClient


def captured(api: ApiClient, amount: str = "5000") -> Payment:
    payment = register(api, amount=amount, job_code="CAPTURE")
    answer = execute(api, payment, token(api))
    assert answer.status_code == 200, answer.json()
    return Payment.objects.get(order_id=payment["id"])


def open_chargeback(payment: Payment, amount: int = 3000, reference: str | None = None) -> Chargeback:
    return services.chargeback_open(
        payment=payment,
        amount=amount,
        category=0,
        request=11,
        acquirer_reference=reference or f"acq_{secrets.token_hex(6)}",
        reason_code="10.4",
        reason_text="Card absent fraud",
    )


def balances(merchant_id: int, mode: str = "test") -> dict[str, int]:
    """Debit-minus-credit per account of one merchant's ledger (zero accounts left out)."""
    out: dict[str, int] = {}
    for entry in Entry.objects.filter(merchant_id=merchant_id, mode=mode):
        out[entry.account] = out.get(entry.account, 0) + entry.debit - entry.credit
    return {account: value for account, value in out.items() if value}
