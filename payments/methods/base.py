"""What every pay type provides to the payments core (as Saleor's payment plugins do).

A pay type is one module under ``payments.methods`` with one object implementing
``PaymentMethod``, listed in ``payments.methods.registry``. Views, services, webhook payloads
and the OpenAPI schema ask the registry; none of them branches on the pay type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from payments.models import Payment
from portal.errors import PortalError
from portal.models import Merchant

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class MethodApi:
    """The serializers of a pay type's requests and answers (``payments.api``).

    ``actions``: the body of ``PUT /v1/payments/{id}/<name>`` per operation; ``execute_links``
    adds to the answer of an execute where the buyer goes next (card 3-D Secure).
    """

    register: type
    execute: type
    response: type
    actions: Mapping[str, type]
    execute_response: type | None = None  # the response's, unless the execute answer says more
    execute_links: Callable[[Any, Payment, dict[str, Any]], None] | None = None
    barcode: type | None = None  # ``PUT /v1/payments/{id}/barcode`` (konbini slips)


class PaymentMethod(Protocol):
    pay_type: str

    @property
    def label(self) -> StrOrPromise:
        """What operators and merchants read (contracts, applications, the payment list), translated."""

    # The operations ``PUT /v1/payments/{id}/<operation>`` offers for this pay type.
    operations: frozenset[str]
    # The statuses a payment of this pay type can have (``payments.state.TRANSITIONS`` narrowed).
    statuses: frozenset[str]
    # The first part of its webhook event names (``payments.card`` → ``payments.card.exec``),
    # and the actions whose event is named otherwise.
    event_prefix: str
    event_overrides: Mapping[str, str]

    @property
    def api(self) -> MethodApi:
        """Its requests and answers (looked up by ``payments.api.methods``)."""
        ...

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        """The columns a registration stores for this pay type (``data`` is validated input)."""
        ...

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        """``PUT /v1/payments/{id}``: the buyer pays (or starts to)."""
        ...

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        """One of ``operations`` on a registered payment."""
        ...

    def reconcile(self, *, payment: Payment) -> str:
        """Resolve a pending provider operation by asking the provider (Celery; idempotent)."""
        ...

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        """The fields of its webhook body beyond the common ones (``payments.webhooks.payloads``)."""
        ...

    def buyer_simulate(self, *, payment: Payment) -> None:
        """Test mode: play the buyer (the merchant's payment page offers it)."""
        ...

    def fee_class(self, payment: Payment) -> str:
        """fincode's ``examination_master_id`` this payment's fees fall under (``vm``, ``jad``,
        ``konbini``, …): the key of contract and platform fee settings and of settlement lines."""
        ...

    @property
    def fee_classes(self) -> frozenset[str]:
        """Every value ``fee_class`` can answer (platform fees are set per class)."""
        ...


class SavedPaymentMethods(Protocol):
    """A pay type a customer keeps as a payment method (fincode's ``PaymentMethodPayType``):
    ``/v1/customers/{id}/payment_methods``. ``details_field``: its object in the request and
    answer (``card``, ``directdebit``). Views ask ``registry.saved_methods_for``."""

    pay_type: str
    details_field: str

    def create(self, *, customer: Any, data: dict[str, Any]) -> Any: ...

    def get(self, *, customer: Any, payment_method_id: str) -> Any: ...

    def list(self, *, customer: Any) -> Any: ...

    def delete(self, *, method: Any) -> None: ...


class RecurringCharges(Protocol):
    """A pay type subscriptions charge (fincode's ``SubscriptionPayType``): a customer's saved
    card or account, charged on each billing day without the buyer
    (``payments.subscriptions``, which asks ``registry.recurring_for``).

    ``lead_days``: a charge is made that many days before its charge day (a direct debit is
    requested ahead of the day the bank debits; a card is charged on the day).
    """

    pay_type: str
    lead_days: int

    def source(self, *, customer: Any, card_id: str | None, payment_method_id: str | None) -> dict[str, Any]:
        """The saved method a subscription names (checked now): its ``Subscription`` columns."""
        ...

    def start_problem(self, start: date) -> str | None:
        """Why a subscription cannot start (and so be charged) on ``start``, if it cannot."""
        ...

    def execute(self, *, payment: Payment, subscription: Any, charge_date: date) -> Payment:
        """Pay ``payment`` (registered for one charge) from the subscription's saved method."""
        ...


class BulkCharges(Protocol):
    """A pay type bulk payments charge (fincode's ``PaymentBulkPayType``): each line of an
    uploaded file names a customer's saved method, checked on upload and charged on the
    bulk's process plan date without the buyer (``payments.bulk``, via ``registry.bulk_for``).
    """

    pay_type: str

    def check_lines(
        self, *, merchant: Merchant, mode: str, lines: list[dict[str, Any]]
    ) -> dict[int, list[PortalError]]:
        """The saved methods the lines name, checked now: ``{line number: [error]}`` for the
        lines whose customer or card is missing (each line's ``line`` is its number)."""
        ...

    def execute(self, *, payment: Payment, line: Any) -> Payment:
        """Pay ``payment`` (registered for one line) from the line's saved method."""
        ...


@runtime_checkable
class WalletTokenMaker(Protocol):
    """A pay type whose buyer hands over a wallet's encrypted payment token (Apple Pay, Google
    Pay): in test mode it makes test tokens as the wallet would, encrypted to the product's test
    keys (``/simulators/wallet-tokens/<pay_type>``, docs/wallets.md)."""

    def test_token(self, *, merchant: Merchant, card_no: str, expire: str, expired: bool = False) -> str:
        """A test token of ``card_no`` (``expire`` YYMM) for ``merchant``; ``expired``: already expired."""
        ...
