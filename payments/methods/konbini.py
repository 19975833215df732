"""Convenience stores (``Konbini``): a slip with a barcode the buyer pays at the till."""

from __future__ import annotations

from payments.methods.asynchronous import AsynchronousMethod
from portal.models import PayType


class KonbiniMethod(AsynchronousMethod):
    pay_type = PayType.KONBINI
    operations = frozenset({"cancel"})
