"""fincode's webhook event names, and which one a payment history entry (pay type × action) raises.

A webhook setting subscribes to one event name. Names are fincode's (``FincodeEvent``);
``payments.virtualaccount.*`` and the ``….expired`` of wallets and bank transfers
are extensions (fincode 1.4.0 names no event for them), as is Bnpl.
"""

from __future__ import annotations

from payments.methods.registry import METHODS

# Each pay type's names begin with its module's ``event_prefix`` (``payments.card``).

# History action → event suffix.
SUFFIX = {
    "register": "regist",
    "execute": "exec",
    "secure": "secure",
    "capture": "capture",
    "cancel": "cancel",
    "change": "change",
    "reauthorize": "auth",
    "complete": "complete",
    "complete_stub": "complete.stub",
    "expire": "expired",
    "fail": "failed",
    "review": "review",
}

# Every name a setting may subscribe to: fincode's payment events, then our extensions.
FINCODE_EVENTS = [
    "payments.card.regist", "payments.card.exec", "payments.card.capture", "payments.card.cancel",
    "payments.card.auth", "payments.card.change", "payments.card.secure2.authenticate",
    "payments.card.secure2.result", "payments.card.secure",
    "payments.konbini.regist", "payments.konbini.exec", "payments.konbini.cancel", "payments.konbini.complete",
    "payments.konbini.complete.stub", "payments.konbini.expired.update.batch",
    "payments.paypay.regist", "payments.paypay.exec", "payments.paypay.capture", "payments.paypay.cancel",
    "payments.paypay.change", "payments.paypay.complete",
]  # fmt: skip
EXTENSION_EVENTS = [
    "payments.paypay.expired", "payments.paypay.failed",
    "payments.virtualaccount.regist", "payments.virtualaccount.exec", "payments.virtualaccount.cancel",
    "payments.virtualaccount.complete", "payments.virtualaccount.complete.stub", "payments.virtualaccount.expired",
    "payments.konbini.failed", "payments.virtualaccount.failed",
    "payments.bnpl.regist", "payments.bnpl.exec", "payments.bnpl.review", "payments.bnpl.capture",
    "payments.bnpl.cancel",
]  # fmt: skip
EVENTS = FINCODE_EVENTS + EXTENSION_EVENTS


def event_name(pay_type: str, action: str) -> str | None:
    """The event a history entry raises, or None (an internal step such as a failed provider call)."""
    method = METHODS.get(pay_type)
    if method is None:
        return None
    if action in method.event_overrides:
        return method.event_overrides[action]
    suffix = SUFFIX.get(action)
    if not suffix:
        return None
    name = f"{method.event_prefix}.{suffix}"
    return name if name in EVENTS else None
