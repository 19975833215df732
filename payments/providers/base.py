"""One interface for card acquirers: typed requests and results, one exception hierarchy.

Every operation carries the gateway's ``reference`` (unique per provider call). The
provider must treat a repeated reference as the same operation, and ``query`` must
tell what became of any reference — that is how a timed-out call is reconciled
without ever charging twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from payments.vault import ClearCard

Outcome = Literal["checked", "authorized", "captured", "canceled", "changed"]


@dataclass(frozen=True)
class AuthorizeRequest:
    reference: str
    card: ClearCard
    amount: int
    currency: str
    capture: bool = False
    check_only: bool = False
    method: str = "1"
    pay_times: int | None = None
    merchant_ref: str = ""
    authentication: str = ""  # 3-D Secure result (e.g. "Y"), when authenticated


@dataclass(frozen=True)
class OperationResult:
    reference: str
    outcome: Outcome
    transaction_id: str
    amount: int
    approve: str = ""
    forward: str = ""
    issuer: str = ""
    authorized_until: datetime | None = None


@dataclass(frozen=True)
class QueryResult:
    """What the provider knows of a reference: done (with result), declined, processing, or unknown."""

    state: Literal["done", "declined", "processing", "unknown"]
    result: OperationResult | None = None
    decline_reason: str = ""
    extra: dict = field(default_factory=dict)


class ProviderError(Exception):
    """Base of every provider failure."""


class Declined(ProviderError):
    """The provider refused the operation (a definite, final answer)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProviderTimeout(ProviderError):
    """No answer in time: the outcome is unknown until reconciled."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached: the operation certainly did not happen."""


class ProviderFailure(ProviderError):
    """The provider answered with an error (5xx/garbage): the outcome is unknown."""


class NotConfigured(ProviderError):
    """No provider is configured for this mode."""


class CardAcquirer(Protocol):
    name: str

    def authorize(self, request: AuthorizeRequest) -> OperationResult: ...

    def capture(self, *, reference: str, transaction_id: str, amount: int) -> OperationResult: ...

    def cancel(self, *, reference: str, transaction_id: str) -> OperationResult: ...

    def change_amount(self, *, reference: str, transaction_id: str, amount: int) -> OperationResult: ...

    def reauthorize(
        self, *, reference: str, transaction_id: str, amount: int, capture: bool
    ) -> OperationResult: ...

    def query(self, reference: str) -> QueryResult: ...
