"""The pay types this product takes, each by its module. A new pay type adds its module here."""

from __future__ import annotations

from payments import errors
from payments.methods.base import PaymentMethod
from payments.methods.bnpl import BnplMethod
from payments.methods.card import CardMethod
from payments.methods.konbini import KonbiniMethod
from payments.methods.virtual_account import VirtualAccountMethod
from payments.methods.wallet import WalletMethod
from portal.errors import PortalError

METHODS: dict[str, PaymentMethod] = {
    method.pay_type: method
    for method in (CardMethod(), WalletMethod(), KonbiniMethod(), VirtualAccountMethod(), BnplMethod())
}


def method_for(pay_type: str) -> PaymentMethod:
    method = METHODS.get(pay_type)
    if method is None:
        raise PortalError(errors.PAY_TYPE_NOT_SUPPORTED, field="pay_type")
    return method
