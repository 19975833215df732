"""The buyer's pages: the payment page and the card-registration page at a session's ``link_url``.

The card is typed here and tokenised by the page's script against this product (the session
is the capability; the merchant never sees the number). A page that has expired answers 410;
success sends the buyer to ``success_url`` and cancel to ``cancel_url`` by POST, as fincode does.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.hosted import errors, selectors, services
from payments.hosted.models import CardRegistrationSession, HostedSession, PaymentSession, SessionStatus
from payments.hosted.paytypes import PAGE_PAY_TYPES
from payments.models import Status
from portal.api.errors import error_body
from portal.errors import MALFORMED_JSON, PortalError

CARD_FIELDS = ("card_no", "expire", "holder_name", "security_code")


def _message(request, session: HostedSession | None, *, title: str, text: str, status: int, back: str = ""):
    context = {"session": session, "title": title, "text": text, "back": back}
    return render(request, "hosted/message.html", context, status=status)


def _closed(request, session: HostedSession, exc: PortalError):
    if exc.spec == errors.SESSION_EXPIRED:
        return _message(
            request, session, title="有効期限切れ", status=410,
            text="このページの有効期限が切れています。お手数ですが、ショップでもう一度お手続きください。",
        )  # fmt: skip
    if session.status == SessionStatus.COMPLETED:
        return _message(
            request, session, title="お手続き済み", text="このお手続きは完了しています。", status=200
        )
    if exc.spec == errors.TOO_MANY_ATTEMPTS:
        return _message(
            request, session, title="お手続きできません", status=409,
            text="試行回数の上限に達しました。お手数ですが、ショップでもう一度お手続きください。",
        )  # fmt: skip
    if session.status == SessionStatus.CANCELED:
        return _message(
            request, session, title="キャンセル済み", text="このお手続きはキャンセルされました。", status=200
        )
    return _message(
        request, session, title="処理中", text="ただいま処理中です。しばらくお待ちください。", status=409
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _post_to(request, *, url: str, fields: dict, title: str):
    """A page that POSTs ``fields`` to the merchant's ``url`` as soon as it loads (fincode's redirect)."""

    @csp_update({"form-action": [_origin(url)]})
    def page(request: HttpRequest) -> HttpResponse:
        return render(request, "hosted/autopost.html", {"url": url, "fields": fields, "title": title})

    return page(request)


def _payment_session(session_id: str) -> PaymentSession:
    return selectors.payment_session_get(session_id=session_id)


def _not_found(request):
    return _message(request, None, title="ページが見つかりません", text="URLをご確認ください。", status=404)


def _return_url(session: PaymentSession) -> str:
    return settings.PORTAL_BASE_URL + reverse("hosted-payment-return", args=[session.session_id])


def _success(request, session: PaymentSession):
    payment = session.payment
    fields = {"session_id": session.session_id, "order_id": session.order_id}
    if payment is not None:
        fields.update({"pay_type": payment.pay_type, "status": payment.status})
    if payment is not None and payment.status == Status.AWAITING_CUSTOMER_PAYMENT:
        # konbini slip, bank account: the buyer reads it here, then goes back to the shop
        return render(
            request, "hosted/instructions.html", {"session": session, "payment": payment, "fields": fields}
        )
    if session.success_url:
        return _post_to(request, url=session.success_url, fields=fields, title="ショップに戻ります")
    return _message(request, session, title="お支払い完了", text="お支払いが完了しました。", status=200)


@require_http_methods(["GET", "POST"])
def payment_page(request, session_id: str):
    try:
        session = _payment_session(session_id)
    except PortalError:
        return _not_found(request)
    if session.status == SessionStatus.AUTHENTICATING:
        session, next_url = services.payment_session_return(session=session, return_url=_return_url(session))
        if next_url:
            return redirect(next_url)
    if session.status == SessionStatus.COMPLETED:
        return (
            _success(request, session)
            if request.method == "POST"
            else _closed(request, session, PortalError(errors.SESSION_CLOSED))
        )
    try:
        services.session_open_check(session)
    except PortalError as exc:
        return _closed(request, session, exc)
    error, status = session.last_error, 200
    if request.method == "POST":
        pay_type = request.POST.get("pay_type", "")
        form = {name: request.POST.get(name, "") for name in ("token", "win_width", "win_height")}
        try:
            attempt = services.payment_session_pay(
                session=session, pay_type=pay_type, form=form, return_url=_return_url(session)
            )
        except PortalError as exc:
            if exc.spec in (errors.SESSION_EXPIRED, errors.SESSION_CLOSED, errors.TOO_MANY_ATTEMPTS):
                return _closed(request, session, exc)
            error, status = exc.message, 409 if exc.spec == errors.SESSION_BUSY else 400
            session.refresh_from_db()
        else:
            if attempt.next_url == _return_url(session):  # the wallet (once its page is ready)
                return redirect(attempt.next_url + "?go=1")
            if attempt.next_url:
                return redirect(attempt.next_url)  # 3-D Secure
            if attempt.session.status == SessionStatus.COMPLETED:
                return _success(request, attempt.session)
            error, status = attempt.session.last_error, 402
    offered = [PAGE_PAY_TYPES[pay_type] for pay_type in session.pay_types if pay_type in PAGE_PAY_TYPES]
    context = {
        "session": session,
        "offered": offered,
        "error": error,
        "chosen": request.POST.get("pay_type") or offered[0].pay_type,
        "token_url": reverse("hosted-payment-token", args=[session.session_id]),
        "cancel_url": reverse("hosted-payment-cancel", args=[session.session_id]),
        "expires": timezone.localtime(session.expires_at),
    }
    return render(request, "hosted/payment.html", context, status=status)


@csrf_exempt  # 3-D Secure and the wallet send the buyer back here (POST or GET) from their own pages
@require_http_methods(["GET", "POST"])
def payment_return(request, session_id: str):
    try:
        session = _payment_session(session_id)
    except PortalError:
        return _not_found(request)
    return_url = _return_url(session)
    session, next_url = services.payment_session_return(session=session, return_url=return_url)
    if session.status == SessionStatus.COMPLETED:
        return _success(request, session)
    if next_url == return_url:  # the provider or the wallet has not answered yet
        payment = session.payment
        wallet = payment.wallet_url if payment and payment.status == Status.AWAITING_CUSTOMER_PAYMENT else ""
        if wallet and request.GET.get("go"):
            return redirect(wallet)  # first time the wallet's page is ready: the buyer goes there
        again = return_url + ("?go=1" if request.GET.get("go") else "")
        context = {"session": session, "again": again, "wallet": wallet, "title": "処理中"}
        return render(request, "hosted/waiting.html", context)
    if next_url:
        return redirect(next_url)
    return redirect(reverse("hosted-payment-page", args=[session.session_id]))


def _cancel(request, session: HostedSession):
    try:
        services.session_cancel(session=session)
    except PortalError as exc:
        return _closed(request, session, exc)
    if session.cancel_url:
        return _post_to(
            request,
            url=session.cancel_url,
            fields={"session_id": session.session_id},
            title="ショップに戻ります",
        )
    return _message(
        request, session, title="キャンセルしました", text="お手続きをキャンセルしました。", status=200
    )


def _token(request, session: HostedSession):
    """The page's script tokenises the card here (the answer of ``POST /v1/tokens/cards``)."""
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return JsonResponse(error_body((MALFORMED_JSON.code, MALFORMED_JSON.message)), status=400)
    card = {name: str(body.get(name) or "") for name in CARD_FIELDS}
    try:
        issued = services.session_token_create(session=session, card=card)
    except PortalError as exc:
        return JsonResponse(error_body((exc.spec.code, exc.message)), status=exc.status)
    token = issued.token
    return JsonResponse(
        {"token": issued.raw, "card_no": token.card_no, "brand": token.brand, "expire": token.expire}
    )


# --- Card registration -------------------------------------------------------------------------


def _card_session(session_id: str) -> CardRegistrationSession:
    return selectors.card_session_get(session_id=session_id)


@require_http_methods(["GET", "POST"])
def card_page(request, session_id: str):
    try:
        session = _card_session(session_id)
    except PortalError:
        return _not_found(request)
    try:
        services.session_open_check(session)
    except PortalError as exc:
        return _closed(request, session, exc)
    error, status = session.last_error, 200
    if request.method == "POST":
        try:
            card = services.card_session_register(session=session, token=request.POST.get("token", ""))
        except PortalError as exc:
            if exc.spec in (errors.SESSION_EXPIRED, errors.SESSION_CLOSED, errors.TOO_MANY_ATTEMPTS):
                return _closed(request, session, exc)
            error, status = exc.message, 409 if exc.spec == errors.SESSION_BUSY else 400
        else:
            fields = {
                "session_id": session.session_id,
                "customer_id": session.customer_id,
                "card_id": card.card_id,
            }
            if session.success_url:
                return _post_to(request, url=session.success_url, fields=fields, title="ショップに戻ります")
            return _message(request, session, title="登録完了", text="カードを登録しました。", status=200)
    context = {
        "session": session,
        "error": error,
        "token_url": reverse("hosted-card-token", args=[session.session_id]),
        "cancel_url": reverse("hosted-card-cancel", args=[session.session_id]),
        "expires": timezone.localtime(session.expires_at),
    }
    return render(request, "hosted/card.html", context, status=status)


# --- What both pages share --------------------------------------------------------------------

# ``kind`` (a URL's extra argument) → how its session is found.
FINDERS = {"pay": selectors.payment_session_get, "cards": selectors.card_session_get}


@require_POST
def page_cancel(request, kind: str, session_id: str):
    try:
        session = FINDERS[kind](session_id=session_id)
    except PortalError:
        return _not_found(request)
    return _cancel(request, session)


@csrf_exempt  # a JSON call of the page's own script; the session id is its capability
@require_POST
def page_token(request, kind: str, session_id: str):
    try:
        session = FINDERS[kind](session_id=session_id)
    except PortalError as exc:
        return JsonResponse(error_body((exc.spec.code, exc.message)), status=exc.status)
    return _token(request, session)
