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
    "tds_authenticate": "secure2.authenticate",  # PUT /v1/secure2/{access_id} decided
    "tds_challenge": "secure2.result",  # the challenge's result, final
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

# fincode's payment events (``FincodeEvent``), then our extensions. A setting may subscribe to
# those of the pay types the registry has (``EVENTS``).
FINCODE_EVENTS = [
    "payments.card.regist", "payments.card.exec", "payments.card.capture", "payments.card.cancel",
    "payments.card.auth", "payments.card.change", "payments.card.secure2.authenticate",
    "payments.card.secure2.result", "payments.card.secure",
    "payments.applepay.regist", "payments.applepay.exec", "payments.applepay.capture",
    "payments.applepay.cancel",
    "payments.googlepay.regist", "payments.googlepay.exec", "payments.googlepay.capture",
    "payments.googlepay.cancel", "payments.googlepay.auth", "payments.googlepay.change",
    "payments.googlepay.secure2.authenticate", "payments.googlepay.secure2.result", "payments.googlepay.secure",
    "payments.konbini.regist", "payments.konbini.exec", "payments.konbini.cancel", "payments.konbini.complete",
    "payments.konbini.complete.stub", "payments.konbini.expired.update.batch",
    "payments.paypay.regist", "payments.paypay.exec", "payments.paypay.capture", "payments.paypay.cancel",
    "payments.paypay.change", "payments.paypay.complete",
    "payments.directdebit.regist", "payments.directdebit.exec", "payments.directdebit.cancel",
    "payments.directdebit.change", "payments.directdebit.complete", "payments.directdebit.complete.stub",
]  # fmt: skip
EXTENSION_EVENTS = [
    "payments.paypay.expired", "payments.paypay.failed",
    "payments.virtualaccount.regist", "payments.virtualaccount.exec", "payments.virtualaccount.cancel",
    "payments.virtualaccount.complete", "payments.virtualaccount.complete.stub", "payments.virtualaccount.expired",
    "payments.konbini.failed", "payments.virtualaccount.failed",
    "payments.bnpl.regist", "payments.bnpl.exec", "payments.bnpl.review", "payments.bnpl.capture",
    "payments.bnpl.cancel",
]  # fmt: skip
# Events about other objects than payments (fincode's names), raised by their own services.
OBJECT_EVENTS = [
    "subscription.card.regist", "subscription.card.update", "subscription.card.delete", "recurring.card.batch",
    "subscription.directdebit.regist", "subscription.directdebit.update", "subscription.directdebit.delete",
    "recurring.directdebit.batch",
    "payments.bulk.card.regist", "payments.bulk.card.batch",
    "contracts.status_code.updated",  # a tenant's examination, to its platform (payments.examinations)
    "chargebacks.opened", "chargebacks.decided",  # extensions (payments.chargebacks): no fincode name
]  # fmt: skip
# Events that are not a payment's: a customer's payment method changed status (``payments.methods.directdebit``).
PAYMENT_METHOD_UPDATED = "customers.payment_methods.updated"
_PREFIXES = tuple(f"{method.event_prefix}." for method in METHODS.values())
EVENTS = (
    [name for name in FINCODE_EVENTS + EXTENSION_EVENTS if name.startswith(_PREFIXES)]
    + [PAYMENT_METHOD_UPDATED]
    + OBJECT_EVENTS
)


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
