"""Buyer-facing pages of our 3-D Secure 2 server and the simulated issuer ACS (test mode).

* ``acs_url`` → ``tds_method``: the 3DS method page; it posts
  ``event=ThreeDSecureMethodFinished`` and ``param`` to the merchant's ``tds2_ret_url``.
* ``challenge_url`` → ``tds_challenge``: the issuer's challenge. The 3DS server
  (``payments.providers.tds``; the simulator in test mode, code 123456) either takes the
  one-time code through this page or hosts the challenge itself (the buyer is sent there
  and comes back here); afterwards it posts ``event=AuthResultReady`` to ``tds2_ret_url``.
* ``redirect_url`` → ``tds_redirect``: the whole flow hosted here; the buyer ends
  on ``return_url`` (or ``return_url_on_failure``) with the payment done.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from payments.methods.card import secure
from payments.models import Payment, Status, ThreeDSecureSession
from portal.db import one_or_none
from portal.errors import PortalError


def _payment(access_id: str) -> Payment:
    payment = one_or_none(Payment.objects.select_related("merchant").filter(access_id=access_id))
    if payment is None:
        raise Http404("Unknown 3-D Secure transaction")
    return payment


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _autopost(request, *, url: str, fields: dict, title: str, text: str):
    """A page that posts ``fields`` to ``url`` (a merchant's URL) as soon as it loads."""

    @csp_update({"form-action": [_origin(url)]})  # django-csp's public decorator
    def page(request: HttpRequest) -> HttpResponse:
        context = {"url": url, "fields": fields, "title": title, "text": text}
        return render(request, "payments/tds_autopost.html", context)

    return page(request)


def _finish_redirect_flow(request, payment: Payment):
    """Redirect flow: authorise (or fail) now, then send the buyer back to the merchant."""
    try:
        payment = secure.payment_secure(payment=payment, actor="3ds-redirect")
        ok = payment.status in (Status.AUTHORIZED, Status.CAPTURED, Status.CHECKED)
    except PortalError:
        payment.refresh_from_db()
        ok = False
    url = payment.return_url if ok else payment.return_url_on_failure
    fields = {"id": payment.order_id, "access_id": payment.access_id, "status": payment.status}
    if url:
        return _autopost(request, url=url, fields=fields, title="Returning to the shop", text="")
    return render(
        request, "payments/tds_result.html", {"payment": payment, "ok": ok}, status=200 if ok else 402
    )


@require_GET
def tds_method(request, access_id: str):
    payment = _payment(access_id)
    if payment.status != Status.AUTHENTICATED or not payment.tds2_ret_url:
        raise Http404("No 3-D Secure method pending")
    return _autopost(
        request,
        url=payment.tds2_ret_url,
        fields={"event": "ThreeDSecureMethodFinished", "param": secure.tds_param(payment, "method")},
        title="Verifying your card",
        text="Checking your card with your bank…",
    )


@csrf_exempt  # the buyer arrives from the merchant's site; the form carries a signed param instead
@require_http_methods(["GET", "POST"])
def tds_challenge(request, access_id: str):
    payment = _payment(access_id)
    session = one_or_none(ThreeDSecureSession.objects.filter(payment=payment))
    if session is None or payment.status != Status.AUTHENTICATED:
        raise Http404("No 3-D Secure challenge pending")
    error, status, result = None, 400, None
    if request.method == "POST" and "code" in request.POST and session.trans_result == "C":
        try:
            secure.tds_param_check(payment, request.POST.get("param", ""))
            session, result = secure.tds_challenge_answer(
                payment=payment, code=request.POST.get("code", "").strip()
            )
        except PortalError as exc:
            error = exc.message
        if session.trans_result == "C" and not error:
            error = f"That code is not right. Attempts left: {3 - session.challenge_attempts}."
    if session.trans_result == "C" and result is None:
        try:
            session, result = secure.tds_challenge_check(payment=payment)
        except PortalError as exc:
            error, status = error or exc.message, exc.status
        if result is not None and result.challenge_required and result.challenge_url and not error:
            return redirect(result.challenge_url)  # the ACS hosts its challenge; it sends the buyer back
    if session.trans_result == "C":
        return render(
            request,
            "payments/tds_challenge.html",
            {
                "payment": payment,
                "param": secure.tds_param(payment, "challenge"),
                "error": error,
                "cardholder_info": result.cardholder_info if result else "",
            },
            status=status if error else 200,
        )
    if payment.tds2_ret_url:
        return _autopost(
            request,
            url=payment.tds2_ret_url,
            fields={"event": "AuthResultReady", "param": secure.tds_param(payment, "result")},
            title="Verification finished",
            text="Returning to the shop…",
        )
    return _finish_redirect_flow(request, payment)


@require_GET
def tds_redirect(request, access_id: str):
    payment = _payment(access_id)
    if payment.status != Status.AUTHENTICATED:
        raise Http404("No 3-D Secure authentication pending")
    session = secure.tds_authenticate(payment=payment, param=secure.tds_param(payment, "method"))
    if session.trans_result == "C":
        return redirect(reverse("tds-challenge", args=[access_id]))
    return _finish_redirect_flow(request, payment)
