"""What every pay type provides to the payments core (as Saleor's payment plugins do)."""

from __future__ import annotations

from typing import Any, Protocol

from payments.models import Payment
from portal.models import Merchant


class PaymentMethod(Protocol):
    pay_type: str
    # The operations ``PUT /v1/payments/{id}/<operation>`` offers for this pay type.
    operations: frozenset[str]

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
