"""The pay types this product takes, each by its module. A new pay type adds its module here."""

from __future__ import annotations

from payments import errors
from payments.methods.applepay import ApplePayMethod
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.base import BulkCharges, PaymentMethod, RecurringCharges, SavedPaymentMethods
from payments.methods.bnpl import BnplMethod
from payments.methods.card import CardMethod
from payments.methods.card.bulk import CardBulk
from payments.methods.card.recurring import CardRecurring
from payments.methods.card.saved import CardPaymentMethods
from payments.methods.directdebit import DirectDebitMethod
from payments.methods.directdebit.accounts import DirectDebitPaymentMethods
from payments.methods.directdebit.recurring import DirectDebitRecurring
from payments.methods.googlepay import GooglePayMethod
from payments.methods.konbini import KonbiniMethod
from payments.methods.virtual_account import VirtualAccountMethod
from payments.methods.wallet import WalletMethod
from portal.errors import PortalError

METHODS: dict[str, PaymentMethod] = {
    method.pay_type: method
    for method in (
        CardMethod(),
        WalletMethod(),
        KonbiniMethod(),
        VirtualAccountMethod(),
        BnplMethod(),
        ApplePayMethod(),
        GooglePayMethod(),
        DirectDebitMethod(),
    )
}
# The pay types a customer can keep as a payment method (``/v1/customers/{id}/payment_methods``).
SAVED_METHODS: dict[str, SavedPaymentMethods] = {
    kind.pay_type: kind for kind in (CardPaymentMethods(), DirectDebitPaymentMethods())
}
# The pay types subscriptions charge (``/v1/subscriptions``: fincode's ``SubscriptionPayType``).
RECURRING: dict[str, RecurringCharges] = {
    kind.pay_type: kind for kind in (CardRecurring(), DirectDebitRecurring())
}
# The pay types bulk payments charge (``/v1/payments/bulk``: fincode's ``PaymentBulkPayType``).
BULK: dict[str, BulkCharges] = {kind.pay_type: kind for kind in (CardBulk(),)}
# The pay types whose provider calls run in Celery and whose outcome the provider notifies.
ASYNCHRONOUS: dict[str, AsynchronousMethod] = {
    pay_type: method for pay_type, method in METHODS.items() if isinstance(method, AsynchronousMethod)
}


def fee_classes() -> list[str]:
    """fincode's ``examination_master_id`` values of every pay type taken (fee settings' keys)."""
    return sorted({fee_class for method in METHODS.values() for fee_class in method.fee_classes})


def method_for(pay_type: str) -> PaymentMethod:
    method = METHODS.get(pay_type)
    if method is None:
        raise PortalError(errors.PAY_TYPE_NOT_SUPPORTED, field="pay_type")
    return method


def saved_methods_for(pay_type: str) -> SavedPaymentMethods:
    kind = SAVED_METHODS.get(pay_type)
    if kind is None:
        raise PortalError(errors.PAY_TYPE_NOT_SUPPORTED, field="pay_type")
    return kind


def asynchronous_method_for(pay_type: str) -> AsynchronousMethod | None:
    """The pay type's module if its payments complete later (wallets, konbini, bank transfer)."""
    return ASYNCHRONOUS.get(pay_type)


def method_served_by(provider: str) -> AsynchronousMethod | None:
    """The pay type a provider (``paypay``, ``konbini``, ``bank`` …) serves: whose notifications it sends."""
    for method in ASYNCHRONOUS.values():
        if provider in method.provider_names:
            return method
    return None


def recurring_for(pay_type: str) -> RecurringCharges:
    kind = RECURRING.get(pay_type)
    if kind is None:
        raise PortalError(errors.PAY_TYPE_NOT_SUPPORTED, field="pay_type")
    return kind


def bulk_for(pay_type: str) -> BulkCharges:
    kind = BULK.get(pay_type)
    if kind is None:
        raise PortalError(errors.PAY_TYPE_NOT_SUPPORTED, field="pay_type")
    return kind
