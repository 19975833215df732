"""What the pay types that complete later share: every provider call in Celery, the outcome by
the provider's notification (the engine is ``payments.asyncflows``; the rules of each pay type
are the hooks below, overridden in its module)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from payments import errors
from payments.methods.base import MethodApi
from payments.models import JobCode, Payment, Status
from payments.providers.async_base import ProviderEvent
from portal.errors import PortalError
from portal.models import Merchant

JST = ZoneInfo("Asia/Tokyo")


def end_of_day(days: int) -> datetime:
    """fincode's deadlines: 23:59:59.999 Japan time, ``days`` days from today."""
    day = timezone.localdate(timezone=JST) + timedelta(days=days)
    return datetime.combine(day, datetime.max.time(), tzinfo=JST).replace(microsecond=999000)


def async_actions() -> dict[str, type]:
    """The bodies of capture, cancel and change for the pay types that complete later (and BNPL)."""
    from payments.api import method_serializers as m

    return {"capture": m.AsyncCaptureRequest, "cancel": m.AsyncCancelRequest, "change": m.AsyncChangeRequest}


class AsynchronousMethod:
    pay_type: str
    operations: frozenset[str]
    statuses: frozenset[str]
    event_prefix: str
    event_overrides: Mapping[str, str] = {}
    # The providers that serve this pay type (and whose notifications are about its payments).
    provider_names: frozenset[str]
    # Konbini, bank transfer: the buyer's money captures the payment; money after the end raises a flag.
    money_captures = False
    # Where a finished execute leaves the payment (direct debit: the bank's result is awaited).
    execute_status: str = Status.AWAITING_CUSTOMER_PAYMENT

    def fee_class(self, payment: Payment) -> str:
        """fincode's examination class is the pay type's name in lower case (``konbini``, ``paypay``, …)."""
        return self.pay_type.lower()

    @property
    def fee_classes(self) -> frozenset[str]:
        return frozenset({self.pay_type.lower()})

    @property
    def api(self) -> MethodApi:
        raise NotImplementedError

    # --- The PaymentMethod protocol, run by payments.asyncflows ---

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"job_code": JobCode.CAPTURE}

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments.asyncflows.services import payment_execute_async

        return payment_execute_async(payment=payment, data=data, actor=actor)

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        from payments.asyncflows.services import payment_operate_async

        return payment_operate_async(payment=payment, operation=operation, data=data, actor=actor)

    def reconcile(self, *, payment: Payment) -> str:
        from payments.asyncflows.services import payment_reconcile_async

        return payment_reconcile_async(payment=payment)

    def buyer_simulate(self, *, payment: Payment) -> None:
        from payments.asyncflows.services import payment_simulate_buyer

        payment_simulate_buyer(payment=payment)

    def webhook_payload(self, payment: Payment) -> dict[str, Any]:
        raise NotImplementedError

    # --- Hooks of the engine (payments.asyncflows.services) ---

    def provider_name(self, payment: Payment) -> str:
        """The provider that serves ``payment``."""
        (name,) = self.provider_names
        return name

    def execute_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        """The columns an execute stores before the provider is called (deadline, buyer's device …)."""
        raise NotImplementedError

    def completed_fields(
        self, *, payment: Payment, operation: str, reference: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Columns to add when ``operation`` finished at the provider (``fields``: what it told)."""
        return {}

    def money_fields(self, *, payment: Payment, amount: int) -> dict[str, Any]:
        """``money_captures``: the columns the buyer's first payment of ``amount`` sets."""
        return {}

    def late_money_fields(self, *, payment: Payment, amount: int) -> dict[str, Any]:
        """``money_captures``: the columns money arriving after the payment is final sets (besides its flag)."""
        return {}

    def notified_payments(
        self, payments: QuerySet[Payment], *, payment_ref: str, lookup: str
    ) -> QuerySet[Payment]:
        """The payment a notification of this pay type's provider is about (``payments``: of its mode)."""
        return payments.filter(access_id=payment_ref, pay_type=self.pay_type)

    def start_fields(self, *, payment: Payment) -> dict[str, Any]:
        """What the provider call that opens the payment carries besides the common fields."""
        return {}

    def account_event(self, *, mode: str, event: ProviderEvent) -> str:
        """A notification about something other than a payment (a direct-debit account); its outcome."""
        return "ignored"

    def barcode_fields(self, *, payment: Payment, data: dict[str, Any]) -> dict[str, Any]:
        """``PUT /v1/payments/{id}/barcode``: the slip's barcode again (konbini only)."""
        raise PortalError(errors.OPERATION_NOT_SUPPORTED)

    def buyer_request(self, *, payment: Payment, client: Any, base_url: str) -> Any:
        """Test mode: what the buyer does at the simulated provider (an HTTP request; its response)."""
        raise NotImplementedError
