"""One interface for 3-D Secure 2 servers: typed requests and results, the provider exceptions.

The gateway is the 3DS Requestor towards the merchant (fincode's ``/v1/secure2`` API and the
buyer pages under ``/tds/``); the authentication itself is decided by a 3DS server and the
issuer's ACS behind it. Test mode talks to the simulated one (``simulators/tds.py``),
live mode to the one configured by ``TDS_SERVER_URL`` — never the other way round.

Every call carries the gateway's ``reference`` (one per payment): the server must treat a
repeated reference as the same authentication, so a timed-out call can simply be repeated.
Failures are the acquirer's exception family (``payments.providers.base``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from payments.vault import ClearCard

# EMV 3DS transStatus: Y authenticated, A attempted, C challenge required,
# N not authenticated, R rejected, U could not be performed.
TransStatus = Literal["Y", "A", "C", "N", "R", "U"]
TRANS_STATUSES: frozenset[str] = frozenset({"Y", "A", "C", "N", "R", "U"})


@dataclass(frozen=True)
class EnrollmentRequest:
    reference: str
    card: ClearCard


@dataclass(frozen=True)
class Enrollment:
    """Whether the card's range takes part in 3-D Secure 2 (the versioning step)."""

    enrolled: bool


@dataclass(frozen=True)
class AuthenticationRequest:
    reference: str
    card: ClearCard
    amount: int
    currency: str
    merchant_ref: str
    merchant_name: str = ""
    # Where the ACS sends the buyer back after a challenge it hosts itself.
    notification_url: str = ""


@dataclass(frozen=True)
class AuthenticationResult:
    reference: str
    status: TransStatus
    reason: str = ""  # transStatusReason (e.g. "01" card authentication failed)
    # Challenge required: the page where the buyer answers it at the ACS. Empty when the
    # ACS takes the one-time code through the requestor's own page (``challenge``).
    challenge_url: str = ""
    cardholder_info: str = ""  # text the ACS wants shown to the buyer

    @property
    def authenticated(self) -> bool:
        return self.status in ("Y", "A")

    @property
    def challenge_required(self) -> bool:
        return self.status == "C"

    @property
    def rejected(self) -> bool:
        return self.status in ("N", "R", "U")


class ThreeDSServer(Protocol):
    name: str

    def enrollment(self, request: EnrollmentRequest) -> Enrollment: ...

    def authenticate(self, request: AuthenticationRequest) -> AuthenticationResult:
        """Frictionless (Y/A), challenge required (C) or rejected (N/R/U)."""
        ...

    def challenge(self, *, reference: str, answer: str) -> AuthenticationResult:
        """The buyer's one-time code for a pending challenge: C again while attempts remain."""
        ...

    def challenge_result(self, *, reference: str) -> AuthenticationResult:
        """What became of a challenge: C (with its challenge_url) while the buyer has not finished it."""
        ...
