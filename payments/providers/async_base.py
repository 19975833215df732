"""One interface for providers whose payments complete later: QR wallets, konbini, bank transfer.

Same rules as the card acquirer (``payments.providers.base``): every call carries the
gateway's ``reference``, a repeated reference is the same operation, and the provider
can always be asked what it knows (``status``). On top of that, providers notify the
gateway when the buyer acts; ``verify_notification`` checks a notification's signature
and ``parse_notification`` turns its body into a typed ``ProviderEvent``.

Exceptions are those of ``payments.providers.base`` (Declined, ProviderTimeout,
ProviderUnavailable, ProviderFailure, NotConfigured) plus ``CallDeferred``: the call
was not made because the provider is throttled or its circuit is open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from payments.providers.base import ProviderUnavailable

# The state of a payment at its provider.
ProviderState = Literal["awaiting", "authorized", "captured", "canceled", "expired", "failed"]
# What a notification says happened.
EventKind = Literal["authorized", "captured", "paid", "transfer", "canceled", "expired", "failed", "mandate"]


@dataclass(frozen=True)
class StartRequest:
    """Open the payment at the provider: a wallet code, a konbini slip, a virtual account."""

    reference: str
    payment_ref: str
    amount: int
    currency: str
    notify_url: str
    deadline: datetime | None = None
    capture: bool = True
    description: str = ""
    redirect_url: str = ""
    redirect_type: str = ""
    # Direct debit: the bank's mandate (registered account) to debit, and the day to debit it.
    mandate: str = ""
    target_date: date | None = None


# What a provider tells of a payment besides its state and amount: one type per kind of provider.
# Values are as the provider sent them; ``payments.columns`` maps each type to
# ``Payment`` columns (and drops what does not fit).


@dataclass(frozen=True)
class WalletCode:
    """A QR wallet's payment: its code, the link the buyer opens, the wallet's own ids."""

    code_id: Any = None
    code_url: Any = None
    payment_id: Any = None
    merchant_payment_id: Any = None
    store_id: Any = None
    expires_at: datetime | None = None
    result_code: Any = None


@dataclass(frozen=True)
class KonbiniSlip:
    """A konbini payment slip and, once the buyer paid at the till, where and when."""

    slip_id: Any = None
    invoice_id: Any = None
    result: Any = None
    paid_at: datetime | None = None
    konbini_code: Any = None
    store_code: Any = None


@dataclass(frozen=True)
class VirtualAccount:
    """The bank account opened for one payment."""

    virtual_account_id: Any = None
    bank_code: Any = None
    branch_code: Any = None
    branch_name: Any = None
    account_number: Any = None
    account_name: Any = None
    assigned_at: datetime | None = None


@dataclass(frozen=True)
class BankTransfer:
    """A transfer into a virtual account: when, and from whom."""

    transaction_date: date | None = None
    value_date: date | None = None
    remitter_name: str | None = None
    remitter_bank: str | None = None
    remitter_branch: str | None = None


@dataclass(frozen=True)
class DebitResult:
    """A direct debit's result at the bank: fincode's ``DirectDebitResultCode`` and the day it was withdrawn."""

    result_code: Any = None
    withdrawal_date: date | None = None


@dataclass(frozen=True)
class MandateResult:
    """The bank's decision on a direct-debit account application (not a payment's)."""

    mandate_id: str = ""
    state: str = ""  # registered | failed
    reason: str = ""
    expected_billable_date: date | None = None


ProviderDetails = WalletCode | KonbiniSlip | VirtualAccount | BankTransfer | DebitResult | MandateResult


@dataclass(frozen=True)
class ProviderAnswer:
    """The outcome of one operation, with what the provider told of the payment (a code, a slip …)."""

    reference: str
    state: ProviderState
    amount: int
    details: ProviderDetails | None = None


@dataclass(frozen=True)
class ProviderStatus:
    """Everything the provider knows of a payment: its state and the operations it applied."""

    exists: bool
    state: ProviderState | None = None
    amount: int = 0
    details: ProviderDetails | None = None
    answers: dict[str, ProviderAnswer] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderEvent:
    """A verified notification. ``payment_ref`` or ``lookup`` (an account number) finds the payment."""

    event_id: str
    kind: EventKind
    amount: int
    occurred_at: datetime
    payment_ref: str = ""
    lookup: str = ""
    stub: bool = False
    details: ProviderDetails | None = None


class CallDeferred(ProviderUnavailable):
    """Not called: the provider is throttled or its circuit breaker is open. Retry after ``retry_after``."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class AsyncProvider(Protocol):
    name: str

    def start(self, request: StartRequest) -> ProviderAnswer: ...

    def capture(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer: ...

    def cancel(self, *, reference: str, payment_ref: str) -> ProviderAnswer: ...

    def change_amount(self, *, reference: str, payment_ref: str, amount: int) -> ProviderAnswer: ...

    def status(self, payment_ref: str) -> ProviderStatus: ...

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> bool: ...

    def parse_notification(self, body: bytes) -> ProviderEvent: ...
