"""Buy now, pay later (``Bnpl``, 後払い): the credit engine decides at execute (payments.bnpl)."""

from __future__ import annotations

from typing import Any

from payments.models import Payment
from portal.models import Merchant, PayType


class BnplMethod:
    pay_type = PayType.BNPL
    operations = frozenset({"capture", "cancel"})

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        from payments import bnpl

        return bnpl.register_fields(data=data)

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments import bnpl

        return bnpl.payment_execute_bnpl(payment=payment, data=data, actor=actor)

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments import bnpl

        return bnpl.payment_operate_bnpl(payment=payment, operation=operation, actor=actor)

    def reconcile(self, *, payment: Payment) -> str:
        from payments import bnpl

        return bnpl.reconcile(payment=payment)
