"""The QR wallet aggregator: one provider interface (``AsyncProvider``) over several wallets.

``pay_type=Paypay`` payments name their wallet in the extension field ``wallet``
(default: the merchant's contract, ``WalletTerms``). Each wallet has its own client
(its API dialect), its own timeout (``PROVIDER_TIMEOUTS``), its own throttle and
circuit breaker (``payments.providers.guard``): a slow or failing wallet is cut off
after a few failures and costs the others nothing.
"""

from __future__ import annotations

from payments.providers.wallets.dpay import DpayWallet
from payments.providers.wallets.paypay import PayPayWallet
from payments.providers.wallets.rakutenpay import RakutenPayWallet
from portal.models import Merchant, Mode

WALLETS = {"paypay": PayPayWallet, "dpay": DpayWallet, "rakutenpay": RakutenPayWallet}
DEFAULT_WALLET = "paypay"


def wallet_terms(merchant: Merchant, mode: str) -> tuple[list[str], str]:
    """(wallets the merchant may use, the default one)."""
    from payments.asyncflows.models import WalletTerms

    terms = WalletTerms.objects.filter(merchant=merchant).first()
    if terms is not None:
        allowed = [w for w in terms.wallets if w in WALLETS] or [DEFAULT_WALLET]
        return allowed, terms.default_wallet if terms.default_wallet in allowed else allowed[0]
    if mode == Mode.TEST:
        return list(WALLETS), DEFAULT_WALLET
    return [DEFAULT_WALLET], DEFAULT_WALLET
