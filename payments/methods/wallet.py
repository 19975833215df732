"""QR wallets (``Paypay``: PayPay-, d払い- and 楽天ペイ-style, one aggregator): the buyer scans a
code and pays in the wallet's app."""

from __future__ import annotations

from payments.methods.asynchronous import AsynchronousMethod
from portal.models import PayType


class WalletMethod(AsynchronousMethod):
    pay_type = PayType.PAYPAY
    operations = frozenset({"capture", "cancel", "change"})
