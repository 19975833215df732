"""What the pay types that complete later share: every provider call in Celery, the outcome by
the provider's notification (payments.asyncflows)."""

from __future__ import annotations

from typing import Any

from payments.models import Payment
from portal.models import Merchant


class AsynchronousMethod:
    pay_type: str
    operations: frozenset[str]

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        from payments.asyncflows.services import register_fields

        return register_fields(merchant=merchant, mode=mode, pay_type=self.pay_type, data=data)

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments.asyncflows.services import payment_execute_async

        return payment_execute_async(payment=payment, data=data, actor=actor)

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments.asyncflows.services import payment_operate_async

        return payment_operate_async(payment=payment, operation=operation, data=data, actor=actor)

    def reconcile(self, *, payment: Payment) -> str:
        from payments.asyncflows.services import payment_reconcile_async

        return payment_reconcile_async(payment=payment)
