"""Bank transfer (``Virtualaccount``): a virtual account the buyer transfers to."""

from __future__ import annotations

from payments.methods.asynchronous import AsynchronousMethod
from portal.models import PayType


class VirtualAccountMethod(AsynchronousMethod):
    pay_type = PayType.VIRTUALACCOUNT
    operations = frozenset({"cancel"})
