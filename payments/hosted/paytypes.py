"""What the payment page does per pay type (fincode's PaymentSessionPayType): the payment it
registers and executes through the payments core, where the buyer goes next, and when it is paid.
A pay type the page offers is one object here; the page and services ask this table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from payments.models import Payment, Status

if TYPE_CHECKING:
    from payments.hosted.models import PaymentSession

SUCCEEDED = frozenset({Status.AUTHORIZED, Status.CAPTURED, Status.CHECKED})


class PagePayType(Protocol):
    pay_type: str
    label: str  # the tab on the page (Japanese, as fincode's page)

    def register_data(self, session: PaymentSession) -> dict[str, Any]: ...

    def execute_data(
        self, *, session: PaymentSession, payment: Payment, form: dict[str, Any], return_url: str
    ) -> dict[str, Any]: ...

    def next_url(self, payment: Payment, return_url: str) -> str: ...

    def succeeded(self, payment: Payment) -> bool: ...

    def failure(self, payment: Payment) -> str: ...


class _Common:
    pay_type = ""
    label = ""

    def register_data(self, session: PaymentSession) -> dict[str, Any]:
        return {
            "pay_type": self.pay_type,
            "amount": session.amount,
            "tax": session.tax,
            "client_field_1": session.client_field_1 or None,
            "client_field_2": session.client_field_2 or None,
            "client_field_3": session.client_field_3 or None,
        }

    def next_url(self, payment: Payment, return_url: str) -> str:
        # the provider's call runs in Celery: the buyer waits on the return page until it is done
        if payment.status == Status.UNPROCESSED and payment.pending_operation == "execute":
            return return_url
        return ""

    def succeeded(self, payment: Payment) -> bool:
        return payment.status in SUCCEEDED

    def failure(self, payment: Payment) -> str:
        return "お支払いを完了できませんでした。もう一度お試しください。"


class CardPage(_Common):
    """The card is tokenised on the page; 3-D Secure runs on this product's redirect flow."""

    pay_type = "Card"
    label = "クレジットカード"

    def register_data(self, session: PaymentSession) -> dict[str, Any]:
        # 3-D Secure is on unless the merchant turned it off (it is compulsory in Japan since 2025)
        tds_type = session.tds_type or "2"
        return {
            **super().register_data(session),
            "job_code": session.card_job_code,
            "tds_type": tds_type,
            "tds2_type": session.tds2_type or None,
            "td_tenant_name": session.td_tenant_name or None,
        }

    def execute_data(
        self, *, session: PaymentSession, payment: Payment, form: dict[str, Any], return_url: str
    ) -> dict[str, Any]:
        return {
            "pay_type": self.pay_type,
            "access_id": payment.access_id,
            "token": form.get("token") or "",
            "method": "1",
            "return_url": return_url,
            "return_url_on_failure": return_url,
        }

    def next_url(self, payment: Payment, return_url: str) -> str:
        if payment.status != Status.AUTHENTICATED:
            return super().next_url(payment, return_url)
        from django.conf import settings
        from django.urls import reverse

        return settings.PORTAL_BASE_URL + reverse("tds-redirect", args=[payment.access_id])

    def failure(self, payment: Payment) -> str:
        if payment.status == Status.FAILED:
            return "カードの本人認証（3Dセキュア）に失敗しました。別のカードでお試しください。"
        return super().failure(payment)


class KonbiniPage(_Common):
    """The slip is issued on the page; the buyer pays at the shop later (webhooks say when)."""

    pay_type = "Konbini"
    label = "コンビニ払い"

    def execute_data(
        self, *, session: PaymentSession, payment: Payment, form: dict[str, Any], return_url: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pay_type": self.pay_type,
            "access_id": payment.access_id,
            "device_name": "hosted-page",
            "win_width": str(form.get("win_width") or "390")[:5],
            "win_height": str(form.get("win_height") or "844")[:5],
            "pixel_ratio": "1",
            "win_size_type": "2",
        }
        if session.konbini_payment_term_day is not None:
            data["payment_term_day"] = session.konbini_payment_term_day
        return data

    def succeeded(self, payment: Payment) -> bool:
        return payment.status in SUCCEEDED | {Status.AWAITING_CUSTOMER_PAYMENT}


class VirtualaccountPage(KonbiniPage):
    pay_type = "Virtualaccount"
    label = "銀行振込"

    def execute_data(
        self, *, session: PaymentSession, payment: Payment, form: dict[str, Any], return_url: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"pay_type": self.pay_type, "access_id": payment.access_id}
        if session.virtualaccount_payment_term_day is not None:
            data["payment_term_day"] = session.virtualaccount_payment_term_day
        return data


class PaypayPage(_Common):
    """The buyer approves at the wallet and comes back to the page's return URL."""

    pay_type = "Paypay"
    label = "PayPay"

    def register_data(self, session: PaymentSession) -> dict[str, Any]:
        return {
            **super().register_data(session),
            "job_code": session.paypay_job_code or "CAPTURE",
            "order_description": session.order_description or None,
        }

    def execute_data(
        self, *, session: PaymentSession, payment: Payment, form: dict[str, Any], return_url: str
    ) -> dict[str, Any]:
        return {
            "pay_type": self.pay_type,
            "access_id": payment.access_id,
            "redirect_url": return_url,
            "redirect_type": "1",
        }

    def next_url(self, payment: Payment, return_url: str) -> str:
        # the return page sends the buyer on to the wallet (``wallet_url``) and waits for its verdict
        if payment.status == Status.AWAITING_CUSTOMER_PAYMENT:
            return return_url
        return super().next_url(payment, return_url)


PAGE_PAY_TYPES: dict[str, PagePayType] = {
    page.pay_type: page for page in (CardPage(), KonbiniPage(), PaypayPage(), VirtualaccountPage())
}
