"""Direct-debit accounts: a customer's payment methods of ``pay_type`` ``Directdebit``.

Created by applying to the bank (``payments.providers.directdebit``) *before* anything is
written (no lock held over the network; a refused or unreachable bank leaves no row). Online,
the buyer approves at the bank through ``redirect_url`` (usable once); on paper, the bank
registers the form later. The bank's decision arrives by notification (``account_decided``)
and raises ``customers.payment_methods.updated``. The account number is sealed with the card
vault's keys and only its last three digits are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from payments import errors, vault
from payments.methods.asynchronous import JST
from payments.models import CardSecret, Customer, DirectDebitAccount, Payment, PaymentMethodStatus, Status
from payments.providers.async_base import MandateResult, ProviderEvent
from payments.providers.async_registry import provider_by_name
from payments.providers.base import Declined, NotConfigured, ProviderError
from payments.providers.directdebit import DirectDebitBank, MandateRequest
from portal.errors import PortalError
from portal.ids import new_id, random_token

JAPAN_POST = "9900"
PAY_TYPE = "Directdebit"


def mask_account(number: str) -> str:
    """fincode shows an account number's last digits only: ``****999``."""
    return "*" * max(0, len(number) - 3) + number[-3:] if number else ""


def bank(mode: str) -> DirectDebitBank:
    try:
        client = provider_by_name("directdebit", mode)
    except NotConfigured as exc:
        raise PortalError(errors.PROVIDER_NOT_CONFIGURED) from exc
    assert isinstance(client, DirectDebitBank)
    return client


def _notify_url() -> str:
    return f"{settings.PROVIDER_NOTIFY_BASE_URL}/notifications/directdebit"


@dataclass(frozen=True)
class _Application:
    data: dict[str, Any]

    def get(self, name: str) -> str:
        return str(self.data.get(name) or "")


def account_create(*, customer: Customer, data: dict[str, Any]) -> DirectDebitAccount:
    """``POST /v1/customers/{id}/payment_methods`` with ``pay_type`` ``Directdebit``."""
    dd = _Application(data["directdebit"])
    paper = _Application(data["directdebit"].get("paper_application") or {})
    online = dd.get("application_type") == DirectDebitAccount.ApplicationType.ONLINE
    postal = dd.get("bank_code") == JAPAN_POST
    number = dd.get("account_number")
    postal_1 = dd.get("postal_account_number_1") or paper.get("postal_account_number_1")
    postal_2 = dd.get("postal_account_number_2") or paper.get("postal_account_number_2")
    payment_method_id = new_id("pm", 22)
    try:
        mandate = bank(customer.mode).register_mandate(
            MandateRequest(
                reference=payment_method_id,
                application_type=dd.get("application_type"),
                bank_code=dd.get("bank_code"),
                branch_code=dd.get("branch_code"),
                account_type=dd.get("account_type"),
                account_number=number,
                postal_account_number_1=postal_1,
                postal_account_number_2=postal_2,
                account_name_kana=dd.get("account_name_kana"),
                request_form_id=paper.get("request_form_id"),
                notify_url=_notify_url(),
                return_url=data.get("return_url") or "",
            )
        )
    except Declined as exc:
        spec = errors.BANK_NOT_SUPPORTED if exc.reason == "unknown_bank" else errors.ACCOUNT_REFUSED
        raise PortalError(
            spec, field="bank_code" if spec is errors.BANK_NOT_SUPPORTED else "directdebit"
        ) from None
    except ProviderError:
        raise PortalError(errors.BANK_UNAVAILABLE) from None  # no cause: it may quote the request
    status = PaymentMethodStatus.AWAITING_CUSTOMER_ACTION if online else PaymentMethodStatus.INACTIVATED
    if mandate.state == "failed":
        raise PortalError(errors.ACCOUNT_REFUSED, field="directdebit")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        accounts = DirectDebitAccount.objects.filter(customer=customer)
        make_default = data["default_flag"] == "1" or not accounts.exists()
        if make_default:
            accounts.filter(default_flag=True).update(default_flag=False)
        clear = f"{postal_1}-{postal_2}" if postal else number
        secret = vault.seal(vault.ClearCard(clear, ""), purpose=CardSecret.Purpose.ACCOUNT)
        return DirectDebitAccount.objects.create(
            payment_method_id=payment_method_id,
            customer=customer,
            status=status,
            default_flag=make_default,
            application_type=dd.get("application_type"),
            bank_type="1" if postal else "0",
            bank_code=dd.get("bank_code"),
            bank_name=mandate.bank_name,
            branch_code="" if postal else dd.get("branch_code"),
            branch_name="" if postal else mandate.branch_name,
            account_type="" if postal else dd.get("account_type"),
            account_number="" if postal else mask_account(number),
            postal_account_number_1=postal_1 if postal else "",
            postal_account_number_2=mask_account(postal_2) if postal else "",
            account_name=dd.get("account_name"),
            account_name_kana=dd.get("account_name_kana"),
            secret=secret,
            bank_reference=mandate.mandate_id,
            request_form_id=paper.get("request_form_id"),
            preregistered_date=None if online else timezone.now(),
            redirect_token=random_token(32) if online else "",
            bank_redirect_url=mandate.redirect_url,
            return_url=data.get("return_url"),
            return_url_on_failure=data.get("return_url_on_failure"),
            client_field_1=data.get("client_field_1"),
            client_field_2=data.get("client_field_2"),
            client_field_3=data.get("client_field_3"),
            process_date=timezone.now(),
        )


def redirect_url(request, account: DirectDebitAccount) -> str | None:
    """Where the merchant sends the buyer to approve at the bank (online, while awaited)."""
    if not account.redirect_token or account.status != PaymentMethodStatus.AWAITING_CUSTOMER_ACTION:
        return None
    return request.build_absolute_uri(reverse("directdebit-redirect", args=[account.redirect_token]))


def account_redirect_use(*, token: str) -> str | None:
    """The buyer opens ``redirect_url``: the bank's page, the first time only (conditional UPDATE)."""
    used = DirectDebitAccount.objects.filter(
        redirect_token=token,
        redirect_url_accessed=False,
        status=PaymentMethodStatus.AWAITING_CUSTOMER_ACTION,
    ).update(redirect_url_accessed=True, updated=timezone.now())
    if not used:
        return None
    return DirectDebitAccount.objects.values_list("bank_redirect_url", flat=True).get(redirect_token=token)


def _payload(account: DirectDebitAccount) -> dict[str, Any]:
    from payments.api.serializers import fincode_time

    return {
        "shop_id": account.customer.merchant.public_id,
        "customer_id": account.customer.customer_id,
        "payment_method_id": account.payment_method_id,
        "process_date": fincode_time(account.process_date),
        "status": account.status,
        "client_field_1": account.client_field_1,
        "client_field_2": account.client_field_2,
        "client_field_3": account.client_field_3,
        "pay_type": PAY_TYPE,
        "directdebit": {
            "application_type": account.application_type,
            "request_form_id": account.request_form_id or None,
            "paper_failure_description": account.bank_failure_reason or None,
        },
    }


def account_decided(*, mode: str, event: ProviderEvent) -> str:
    """The bank's decision on an application (a notification; inside its transaction)."""
    from payments.webhooks import outbox
    from payments.webhooks.events import PAYMENT_METHOD_UPDATED

    result = event.details
    if not isinstance(result, MandateResult):
        return "ignored"
    account = (
        DirectDebitAccount.objects.select_for_update(of=("self",))
        .select_related("customer__merchant")
        .filter(payment_method_id=event.payment_ref, customer__mode=mode)
        .first()
    )
    if account is None:
        return "unknown_payment_method"
    if result.mandate_id != account.bank_reference:
        return "other_mandate"
    if account.status not in (PaymentMethodStatus.INACTIVATED, PaymentMethodStatus.AWAITING_CUSTOMER_ACTION):
        return "already"
    registered = result.state == "registered"
    now = timezone.now()
    account.status = PaymentMethodStatus.ACTIVATED if registered else PaymentMethodStatus.FAILED
    account.process_date = now
    account.bank_failure_reason = "" if registered else result.reason[:200]
    if registered and result.expected_billable_date:
        account.expected_billable_date = datetime.combine(
            result.expected_billable_date, datetime.min.time(), tzinfo=JST
        )
    account.event_seq += 1
    account.save(
        update_fields=[
            "status", "process_date", "bank_failure_reason", "expected_billable_date", "event_seq", "updated",
        ]
    )  # fmt: skip
    outbox.event_record(
        merchant_id=account.customer.merchant_id,
        mode=mode,
        name=PAYMENT_METHOD_UPDATED,
        sequence=account.event_seq,
        payload=_payload(account),
    )
    return "applied"


def account_get(*, customer: Customer, payment_method_id: str) -> DirectDebitAccount:
    account = DirectDebitAccount.objects.filter(
        customer=customer, payment_method_id=payment_method_id
    ).first()
    if account is None:
        raise PortalError(errors.PAYMENT_METHOD_NOT_FOUND)
    return account


def account_list(*, customer: Customer) -> QuerySet[DirectDebitAccount]:
    return DirectDebitAccount.objects.filter(customer=customer).order_by("created", "id")


def waiting_debits(account: DirectDebitAccount) -> QuerySet[Payment]:
    """The payments of this account the bank has not answered yet (or whose operation is pending)."""
    customer = account.customer
    return Payment.objects.filter(
        merchant_id=customer.merchant_id, mode=customer.mode, payment_method_id=account.payment_method_id
    ).filter(status=Status.AWAITING_PAYMENT_APPROVAL) | Payment.objects.filter(
        merchant_id=customer.merchant_id,
        mode=customer.mode,
        payment_method_id=account.payment_method_id,
        pending_operation__isnull=False,
    )


@transaction.atomic
def account_delete(*, account: DirectDebitAccount) -> None:
    """Delete an account and its sealed number; the oldest other one becomes the default.
    Refused while one of its debits waits for the bank (locks: customer, then account)."""
    Customer.objects.select_for_update().get(pk=account.customer_id)
    account = DirectDebitAccount.objects.select_for_update().select_related("customer").get(pk=account.pk)
    if waiting_debits(account).exists():
        raise PortalError(errors.PAYMENT_METHOD_IN_USE)
    secret_id, was_default = account.secret_id, account.default_flag
    account.delete()
    CardSecret.objects.filter(pk=secret_id).delete()
    if was_default:
        heir = account_list(customer=account.customer).first()
        if heir is not None:
            DirectDebitAccount.objects.filter(pk=heir.pk).update(default_flag=True, updated=timezone.now())


def account_for_debit(*, customer: Customer, payment_method_id: str | None) -> DirectDebitAccount:
    """The account a debit uses (the given one, else the customer's default), locked, ACTIVATED."""
    accounts = DirectDebitAccount.objects.select_for_update().filter(customer=customer)
    if payment_method_id:
        account = accounts.filter(payment_method_id=payment_method_id).first()
        if account is None:
            raise PortalError(errors.PAYMENT_METHOD_NOT_FOUND, field="payment_method_id")
    else:
        account = accounts.filter(default_flag=True).first()
        if account is None:
            raise PortalError(errors.NO_DEFAULT_PAYMENT_METHOD, field="payment_method_id")
    if account.status != PaymentMethodStatus.ACTIVATED:
        raise PortalError(errors.PAYMENT_METHOD_NOT_ACTIVATED, field="payment_method_id")
    return account


class DirectDebitPaymentMethods:
    """The ``Directdebit`` kind of ``/v1/customers/{id}/payment_methods`` (``SavedPaymentMethods``)."""

    pay_type = PAY_TYPE
    details_field = "directdebit"

    def create(self, *, customer: Customer, data: dict[str, Any]) -> DirectDebitAccount:
        return account_create(customer=customer, data=data)

    def get(self, *, customer: Customer, payment_method_id: str) -> DirectDebitAccount:
        return account_get(customer=customer, payment_method_id=payment_method_id)

    def list(self, *, customer: Customer) -> QuerySet[DirectDebitAccount]:
        return account_list(customer=customer)

    def delete(self, *, method: Any) -> None:
        account_delete(account=method)


@dataclass(frozen=True)
class LastResult:
    result_code: str
    withdrawal: datetime | None


def last_result(account: DirectDebitAccount) -> LastResult | None:
    """The latest result the bank gave for this account's debits, and its latest withdrawal (read
    from the payments: one truth, nothing copied onto the account)."""
    customer = account.customer
    debits = Payment.objects.filter(
        merchant_id=customer.merchant_id,
        mode=customer.mode,
        payment_method_id=account.payment_method_id,
        result_code__isnull=False,
    )
    latest = debits.order_by("-updated", "-id").values_list("result_code", flat=True).first()
    if latest is None:
        return None
    withdrawn = debits.aggregate(day=Max("withdrawal_date"))["day"]
    when = datetime.combine(withdrawn, datetime.min.time(), tzinfo=JST) if withdrawn else None
    return LastResult(result_code=latest, withdrawal=when)
