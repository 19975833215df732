"""Writes of the hosted pages: create a session, claim it for one attempt, pay or save a card, finish.

The session's status moves only through ``session_move`` (a conditional UPDATE from the status the
caller saw), as ``TRANSITIONS`` allows. One request at a time holds a session (``PROCESSING``,
with a lease: a request that died frees it when the lease ends); a double submit gets
``SESSION_BUSY`` and nothing else happens. Payments are made by the payments core (the
pay type's module from the registry), never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from payments import errors as payment_errors
from payments.hosted import errors
from payments.hosted.models import CardRegistrationSession, HostedSession, PaymentSession, SessionStatus
from payments.hosted.paytypes import PAGE_PAY_TYPES, PagePayType
from payments.methods.card import saved, tokens
from payments.methods.registry import method_for
from payments.models import Card, Customer, Payment, Status
from payments.services import customers, registration
from portal.db import one_or_none
from portal.errors import PortalError
from portal.ids import new_id
from portal.models import Contract, Merchant
from portal.services.mail import mail_send_on_commit

ACTOR = "hosted-page"
DEFAULT_LIFETIME = timedelta(days=1)  # fincode's pages last a day unless ``expire`` says otherwise
MAX_ATTEMPTS = 10  # pay (or register) attempts per page: a leaked link is no card-testing tool
LEASE = timedelta(seconds=90)  # an attempt's hold on its session (provider calls time out sooner)

TRANSITIONS: dict[str, set[str]] = {
    SessionStatus.CREATE: {SessionStatus.PROCESSING, SessionStatus.CANCELED},
    SessionStatus.PROCESSING: {SessionStatus.CREATE, SessionStatus.AUTHENTICATING, SessionStatus.COMPLETED},
    # at 3-D Secure or the wallet: the payment's outcome decides, or the buyer gives up
    SessionStatus.AUTHENTICATING: {SessionStatus.CREATE, SessionStatus.COMPLETED, SessionStatus.CANCELED},
    SessionStatus.COMPLETED: set(),
    SessionStatus.CANCELED: set(),
}
S = TypeVar("S", bound=HostedSession)


def contracted_pay_types(*, merchant: Merchant) -> set[str]:
    return set(
        Contract.objects.filter(merchant=merchant, status=Contract.Status.ACTIVE).values_list(
            "pay_type", flat=True
        )
    )


def _common_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: data.get(name) or ""
        for name in (
            "success_url", "cancel_url", "shop_service_name", "receiver_mail", "mail_customer_name",
            "shop_mail_template_id", "tds_type", "tds2_type", "td_tenant_name",
        )
    }  # fmt: skip
    fields["guide_mail_send_flag"] = data.get("guide_mail_send_flag") == "1"
    fields["expires_at"] = data.get("expire") or timezone.now() + DEFAULT_LIFETIME
    if fields["expires_at"] <= timezone.now():
        raise PortalError(errors.EXPIRE_PAST, field="expire")
    return fields


def payment_session_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> PaymentSession:
    """``POST /v1/sessions``: a payment page for the pay types asked, each under an active contract."""
    transaction_data = data["transaction"]
    pay_types = list(dict.fromkeys(transaction_data.get("pay_type") or ["Card"]))
    missing = [pay_type for pay_type in pay_types if pay_type not in contracted_pay_types(merchant=merchant)]
    if missing:
        raise PortalError(errors.PAY_TYPE_NOT_CONTRACTED, field="transaction")
    amount, tax = transaction_data["amount"], transaction_data.get("tax") or 0
    if amount < 1:
        raise PortalError(errors.AMOUNT_REQUIRED, field="transaction")
    for pay_type in pay_types:  # the contract's limit per payment, as a payment's registration checks
        registration.payment_amount_check(merchant=merchant, mode=mode, pay_type=pay_type, total=amount + tax)
    card = data.get("card") or {}
    konbini = data.get("konbini") or {}
    paypay = data.get("paypay") or {}
    virtualaccount = data.get("virtualaccount") or {}
    common = _common_fields({**data, **{k: v for k, v in card.items() if k.startswith("td")}})
    order_id = transaction_data.get("order_id") or new_id("o", 22)
    if Payment.objects.filter(merchant=merchant, mode=mode, order_id=order_id).exists():
        raise PortalError(errors.ORDER_ID_EXISTS, field="transaction")
    session = PaymentSession(
        merchant=merchant,
        mode=mode,
        pay_types=pay_types,
        order_id=order_id,
        amount=amount,
        tax=tax,
        client_field_1=transaction_data.get("client_field_1") or "",
        client_field_2=transaction_data.get("client_field_2") or "",
        client_field_3=transaction_data.get("client_field_3") or "",
        card_job_code=card.get("job_code") or "AUTH",
        konbini_payment_term_day=konbini.get("payment_term_day"),
        konbini_reception_mail_send_flag=konbini.get("konbini_reception_mail_send_flag") == "1",
        paypay_job_code=paypay.get("job_code") or "",
        order_description=paypay.get("order_description") or "",
        virtualaccount_payment_term_day=virtualaccount.get("payment_term_day"),
        virtualaccount_reception_mail_send_flag=virtualaccount.get("virtualaccount_reception_mail_send_flag")
        == "1",
        thanks_mail_send_flag=data.get("thanks_mail_send_flag") == "1",
        **common,
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise PortalError(errors.ORDER_ID_EXISTS, field="transaction") from exc
    _guide_mail(session, route="hosted-payment-page", subject="お支払いのご案内")
    return session


def card_session_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> CardRegistrationSession:
    """``POST /v1/card_sessions``: a card-registration page for a customer (made on first use if new)."""
    if saved.CardPaymentMethods.pay_type not in contracted_pay_types(merchant=merchant):
        raise PortalError(errors.PAY_TYPE_NOT_CONTRACTED, field="customer_id")
    if (data.get("tds_type") or "0") != "0":  # as the payment methods' card registration
        raise PortalError(errors.TDS_ON_REGISTRATION, field="tds_type")
    session = CardRegistrationSession(
        merchant=merchant,
        mode=mode,
        customer_id=data.get("customer_id") or new_id("c", 22),
        customer_name=data.get("customer_name") or "",
        completion_mail_send_flag=data.get("completion_mail_send_flag") == "1",
        **_common_fields(data),
    )
    session.save()
    _guide_mail(session, route="hosted-card-page", subject="カード登録のご案内")
    return session


# --- Mails (fincode's guide and completion mails) -------------------------------------------------


def _greeting(session: HostedSession) -> str:
    return f"{session.mail_customer_name} 様\n\n" if session.mail_customer_name else ""


def _guide_mail(session: HostedSession, *, route: str, subject: str) -> None:
    """``guide_mail_send_flag=1``: the link is mailed to ``receiver_mail`` once the session is saved."""
    if not (session.guide_mail_send_flag and session.receiver_mail):
        return
    link = settings.PORTAL_BASE_URL + reverse(route, args=[session.session_id])
    expires = timezone.localtime(session.expires_at).strftime("%Y/%m/%d %H:%M")
    mail_send_on_commit(
        to=session.receiver_mail,
        subject=f"【{session.service_name}】{subject}",
        body=f"{_greeting(session)}{session.service_name} より{subject}です。\n"
        f"次のページでお手続きください（有効期限 {expires}）。\n\n{link}\n",
    )


def _completion_mail(session: HostedSession, *, wanted: bool, text: str) -> None:
    if wanted and session.receiver_mail:
        mail_send_on_commit(
            to=session.receiver_mail,
            subject=f"【{session.service_name}】{text}",
            body=f"{_greeting(session)}{session.service_name} での{text}。\n",
        )


# --- The session's state ------------------------------------------------------------------------


def _rows(session: HostedSession) -> QuerySet[Any]:
    """The table of ``session``'s kind."""
    return cast(Any, type(session)).objects.all()


def session_move(session: S, *, to: str, **fields: Any) -> S:
    """Move ``session`` from the status it was read with to ``to``, if nobody moved it meanwhile."""
    if to not in TRANSITIONS[session.status]:
        raise PortalError(errors.SESSION_CLOSED)
    now = timezone.now()
    held = {"claimed_until": session.claimed_until} if session.status == SessionStatus.PROCESSING else {}
    updated = (
        _rows(session)
        .filter(pk=session.pk, status=session.status, **held)
        .update(status=to, updated=now, **fields)
    )
    if not updated:
        raise PortalError(errors.SESSION_BUSY)
    session.status, session.updated = to, now
    for name, value in fields.items():
        setattr(session, name, value)
    return session


def session_open_check(session: HostedSession, *, now: datetime | None = None) -> None:
    """The 4xx for a session the buyer can no longer use (expired, done, cancelled)."""
    if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELED):
        raise PortalError(errors.SESSION_CLOSED)
    if session.expires_at <= (now or timezone.now()):
        raise PortalError(errors.SESSION_EXPIRED)


def session_claim(session: S) -> S:
    """Hold the session for one attempt: one UPDATE that only an open, unexpired, unheld session passes."""
    now = timezone.now()
    free = Q(status=SessionStatus.CREATE) | Q(status=SessionStatus.PROCESSING, claimed_until__lt=now)
    updated = (
        _rows(session)
        .filter(free, pk=session.pk, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS)
        .update(
            status=SessionStatus.PROCESSING,
            claimed_until=now + LEASE,
            updated=now,
            last_error="",
            attempts=F("attempts") + 1,
        )
    )
    if not updated:
        session.refresh_from_db()
        session_open_check(session, now=now)
        if session.attempts >= MAX_ATTEMPTS:
            raise PortalError(errors.TOO_MANY_ATTEMPTS)
        raise PortalError(errors.SESSION_BUSY)
    session.status, session.claimed_until = SessionStatus.PROCESSING, now + LEASE
    return session


def session_cancel(*, session: S) -> S:
    """The buyer cancels on the page (open, or back from 3-D Secure / the wallet without paying)."""
    session_open_check(session)
    return session_move(session, to=SessionStatus.CANCELED)


# --- Paying on the page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    session: PaymentSession
    payment: Payment
    next_url: str  # where the buyer goes now (3-D Secure, the wallet), or "" when the page is done


def _reusable(payment: Payment, page_type: PagePayType) -> bool:
    """An earlier attempt's payment that this attempt executes again (after a declined card, say)."""
    return payment.status == Status.UNPROCESSED and PAGE_PAY_TYPES.get(payment.pay_type) is page_type


def _session_payment(session: PaymentSession, page_type: PagePayType) -> Payment:
    """The payment this attempt executes: the session's own, unless it cannot take this attempt."""
    current = session.payment
    if current is not None and _reusable(current, page_type):
        return current
    # the first attempt pays under the session's order_id; after a failed payment or a change of
    # pay type the next payment gets an id of its own (the session follows it)
    order_id = session.order_id if current is None else new_id("o", 22)
    data = page_type.register_data(session)
    try:
        payment = registration.payment_register(
            merchant=session.merchant, mode=session.mode, data={**data, "id": order_id}, actor=ACTOR
        )
    except PortalError as exc:
        if current is None and exc.spec == payment_errors.ORDER_ID_EXISTS:
            raise PortalError(errors.ORDER_ID_EXISTS) from exc
        raise
    PaymentSession.objects.filter(pk=session.pk).update(payment=payment, order_id=order_id)
    session.payment, session.order_id = payment, order_id
    return payment


def payment_session_pay(
    *, session: PaymentSession, pay_type: str, form: dict[str, Any], return_url: str
) -> Attempt:
    """The buyer pays on the page with ``pay_type``; ``return_url`` is where 3-D Secure or the
    wallet sends them back (``payment_session_return``)."""
    if pay_type not in session.pay_types:
        raise PortalError(errors.PAY_TYPE_NOT_OFFERED, field="pay_type")
    page_type = PAGE_PAY_TYPES[pay_type]
    session = session_claim(session)
    try:
        payment = _session_payment(session, page_type)
        data = page_type.execute_data(session=session, payment=payment, form=form, return_url=return_url)
        payment = method_for(pay_type).execute(payment=payment, data=data, actor=ACTOR)
    except PortalError as exc:
        session_move(session, to=SessionStatus.CREATE, claimed_until=None, last_error=exc.message[:200])
        raise
    except BaseException:
        session_move(session, to=SessionStatus.CREATE, claimed_until=None)
        raise
    next_url = page_type.next_url(payment, return_url)
    if next_url:
        session_move(session, to=SessionStatus.AUTHENTICATING, claimed_until=None)
    elif page_type.succeeded(payment):
        session_move(session, to=SessionStatus.COMPLETED, claimed_until=None)
        _completion_mail(session, wanted=session.thanks_mail_send_flag, text="お支払い手続きが完了しました")
    else:
        session_move(
            session, to=SessionStatus.CREATE, claimed_until=None, last_error=page_type.failure(payment)
        )
    return Attempt(session=session, payment=payment, next_url=next_url)


def payment_session_return(*, session: PaymentSession, return_url: str) -> tuple[PaymentSession, str]:
    """Back from 3-D Secure or the wallet (or waiting for the provider): the payment's status says
    whether the page is done, and where the buyer goes if not yet. Idempotent."""
    if session.status != SessionStatus.AUTHENTICATING or session.payment_id is None:
        return session, ""
    payment = Payment.objects.get(pk=session.payment_id)
    session.payment = payment
    page_type = PAGE_PAY_TYPES[payment.pay_type]
    try:
        if page_type.succeeded(payment):
            session = session_move(session, to=SessionStatus.COMPLETED)
            _completion_mail(
                session, wanted=session.thanks_mail_send_flag, text="お支払い手続きが完了しました"
            )
            return session, ""
        if next_url := page_type.next_url(payment, return_url):
            return session, next_url  # still at 3-D Secure, the wallet or the provider
        return session_move(session, to=SessionStatus.CREATE, last_error=page_type.failure(payment)), ""
    except PortalError:  # another request moved it first: read what it decided
        session.refresh_from_db()
        return session, ""


# --- Saving a card on the page -------------------------------------------------------------------


def card_session_register(*, session: CardRegistrationSession, token: str) -> Card:
    """The buyer's card (a token made on the page) becomes the customer's card; the customer is
    made now if the session named a new one."""
    session = session_claim(session)
    try:
        with transaction.atomic():
            customer = one_or_none(
                Customer.objects.filter(
                    merchant=session.merchant, mode=session.mode, customer_id=session.customer_id
                )
            )
            if customer is None:
                customer = customers.customer_create(
                    merchant=session.merchant,
                    mode=session.mode,
                    data={"id": session.customer_id, "name": session.customer_name},
                )
            card = saved.card_create(customer=customer, token=token, default_flag=False)
    except BaseException as exc:
        message = exc.message[:200] if isinstance(exc, PortalError) else ""
        session_move(session, to=SessionStatus.CREATE, claimed_until=None, last_error=message)
        raise
    session_move(session, to=SessionStatus.COMPLETED, claimed_until=None, card=card)
    _completion_mail(session, wanted=session.completion_mail_send_flag, text="カードの登録が完了しました")
    return card


def session_token_create(*, session: HostedSession, card: dict[str, str]) -> tokens.IssuedToken:
    """The page tokenises the buyer's card for its own merchant (as ``POST /v1/tokens/cards``)."""
    session_open_check(session)
    return tokens.token_create(merchant=session.merchant, mode=session.mode, **card)
