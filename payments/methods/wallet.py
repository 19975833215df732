"""QR wallets (``Paypay``: PayPay-, d払い- and 楽天ペイ-style, one aggregator): the buyer scans a
code and pays in the wallet's app."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone

from payments import errors
from payments.methods.asynchronous import AsynchronousMethod, async_actions
from payments.methods.base import MethodApi
from payments.models import Payment, Status
from payments.providers.wallets.aggregator import DEFAULT_WALLET, WALLETS, wallet_terms
from portal.errors import PortalError
from portal.models import Merchant, PayType

# Which fincode field records the reference of a wallet operation.
REFERENCE_FIELD = {
    "capture": "merchant_capture_id",
    "cancel": "merchant_revert_id",
    "change": "merchant_update_id",
}


class WalletMethod(AsynchronousMethod):
    pay_type: str = PayType.PAYPAY
    label = PayType.PAYPAY.label
    operations = frozenset({"capture", "cancel", "change"})
    statuses = frozenset({
        Status.UNPROCESSED, Status.AWAITING_CUSTOMER_PAYMENT, Status.AUTHORIZED, Status.CAPTURED,
        Status.CANCELED, Status.EXPIRED, Status.FAILED,
    })  # fmt: skip
    event_prefix = "payments.paypay"
    provider_names = frozenset(WALLETS)

    @cached_property
    def api(self) -> MethodApi:
        from payments.api import method_serializers as m

        return MethodApi(
            register=m.PaypayRegisterRequest,
            execute=m.PaypayExecuteRequest,
            response=m.PaymentPaypayResponse,
            actions=async_actions(),
        )

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        allowed, default = wallet_terms(merchant, mode)
        wallet = data.get("wallet") or default
        if wallet not in allowed:
            raise PortalError(errors.WALLET_NOT_CONTRACTED, field="wallet")
        return {"wallet": wallet}

    def provider_name(self, payment: Payment) -> str:
        return payment.wallet or DEFAULT_WALLET

    def execute_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        expiry = timezone.now() + timedelta(seconds=settings.WALLET_CODE_TTL_SECONDS)
        return {
            "redirect_url": data["redirect_url"],
            "redirect_type": data.get("redirect_type") or "1",
            "code_expiry_date": expiry,
            "payment_term": expiry,
        }

    def completed_fields(
        self, *, payment: Payment, operation: str, reference: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        return {REFERENCE_FIELD[operation]: reference} if operation in REFERENCE_FIELD else {}

    def buyer_request(self, *, payment: Payment, client: Any, base_url: str) -> Any:
        return client.post(payment.wallet_url or "", data={"action": "approve", "follow": "0"})

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        from payments.api.serializers import fincode_time
        from payments.webhooks.payloads import day_text

        return {
            "job_code": payment.job_code,
            "wallet": payment.wallet,
            "code_expiry_date": fincode_time(payment.code_expiry_date),
            "auth_max_date": day_text(payment.auth_max_date),
            "order_description": payment.order_description,
            "code_id": payment.code_id,
            "payment_id": payment.wallet_payment_id,
            "payment_date": fincode_time(payment.payment_date),
            "merchant_payment_id": payment.merchant_payment_id,
            "merchant_update_id": payment.merchant_update_id,
            "merchant_revert_id": payment.merchant_revert_id,
            "merchant_refund_id": None,
        }
