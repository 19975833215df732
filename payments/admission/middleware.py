"""Admission control at the door: a payment session's request is admitted or refused before the
rest of the stack (sessions, CSRF, DRF, the database), so that a refusal costs next to nothing.

A refused request is answered at once: 429 with ``Retry-After``, fincode's error body
with a distinct ``error_code`` per limit, and a top-level ``message`` (which fincode's
SDK reports as "API call limit exceeded"). An admitted one carries its ``Ticket`` as
``request.admission``: the payment operations say whether the session goes on
(``payments.admission.sessions``), and the ticket is closed when the response is — after
the answer has been sent, streamed or not — or at once if the request fails.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from payments.admission import controller
from payments.admission.controller import REASONS
from payments.admission.sessions import Ticket, session_name
from payments.methods.registry import METHODS
from payments.models import new_order_id
from portal import jsonsafe
from portal.api.authentication import (
    KEY_FORMAT,
    TENANT_HEADER,
    acting_merchant,
    key_cache,
    parse_authorization,
)
from portal.api.errors import response_for
from portal.errors import ErrorSpec, PortalError, define
from portal.models import ApiKey, Merchant

REFUSALS: dict[str, ErrorSpec] = {
    "window": define(
        "E1500000001", 429, "Too many payment sessions in progress for this payment method; retry shortly."
    ),
    "merchant_window": define("E1500000002", 429, "Too many payment sessions in progress; retry shortly."),
    "rate": define("E1500000003", 429, "Payment rate limit for this payment method exceeded; retry shortly."),
    "global_rate": define("E1500000004", 429, "The payment network is busy; retry shortly."),
    "unavailable": define("E1500000005", 503, "Payments are temporarily unavailable; retry shortly."),
}

# Payment sessions: one starts with ``POST /v1/payments`` and goes on through the payment's
# own operations (``PUT /v1/payments/{id}`` execute, 3-D Secure, capture, …) under the
# payment's name, for as long as the operations say (``payments.admission.sessions``).
PAYMENT_PATH = re.compile(r"^/v1/payments(?:/(?P<order>[^/]+)(?:/(?P<op>[a-z]+))?)?$")


def refusal(reason: str, retry_after: int) -> JsonResponse:
    spec = REFUSALS[reason]
    body = {
        "errors": [{"error_code": spec.code, "error_message": spec.message}],
        "message": f"{REASONS[reason]}: retry after {retry_after} s",
    }
    return _answer(spec.status, body, {"Retry-After": str(retry_after)})


def _database_unavailable(exc: Exception) -> JsonResponse:
    """The API's own answer when the database is unreachable: 503, retry shortly (logged)."""
    return _answer(*response_for(exc, "10"))


def _answer(status: int, body: dict, headers: dict[str, str]) -> JsonResponse:
    """An answer given at the door, with its ``Content-Length`` as ``CommonMiddleware`` (which
    such answers skip) sets it: without one, gunicorn sends the body chunked, a third write to
    the socket per answer."""
    response = JsonResponse(body, status=status, headers=headers)
    response["Content-Length"] = str(len(response.content))
    return response


def _principal(request) -> ApiKey | None:
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    try:
        raw = parse_authorization(header)
    except PortalError:
        return None
    if not KEY_FORMAT.match(raw):
        return None
    from portal.services import hash_api_key

    key = key_cache.get(hash_api_key(raw))
    if key is None or key.kind != ApiKey.Kind.SECRET or not key.is_usable():
        return None  # the API answers 401/403 itself
    request.api_key = key  # authentication takes it from here: one lookup per request
    return key


def _acting(request, key: ApiKey) -> Merchant | None:
    """The shop the request acts for (a platform's tenant with ``Tenant-Shop-Id``); None if the
    header names no tenant of this key's platform: the API answers that itself."""
    try:
        return acting_merchant(key, request.META.get(TENANT_HEADER, "").strip())
    except PortalError:
        return None


def _body(request) -> dict | None:
    """The JSON object of a request with a known ``pay_type``, else None (not a payment call)."""
    if request.content_type != "application/json":
        return None
    try:
        body = jsonsafe.loads(request.body or b"null")
    except jsonsafe.JSONBodyError:
        return None  # the API's parser answers 400
    if not isinstance(body, dict) or not isinstance(body.get("pay_type"), str):
        return None  # the API answers what is wrong with it
    return body if body["pay_type"] in METHODS else None


class AdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = PAYMENT_PATH.match(request.path_info) if settings.ADMISSION_ENABLED else None
        if match is None or (request.method, bool(match["order"])) not in (("POST", False), ("PUT", True)):
            return self.get_response(request)
        try:
            key = _principal(request)  # from the database unless cached
        except (OperationalError, InterfaceError) as exc:
            return _database_unavailable(exc)
        if key is None or (body := _body(request)) is None:
            return self.get_response(request)
        try:
            merchant = _acting(request, key)
        except (OperationalError, InterfaceError) as exc:
            return _database_unavailable(exc)
        if merchant is None:
            return self.get_response(request)
        session = new_session = None
        if match["order"]:
            session = session_name(match["order"])
        elif not body.get("id"):
            # The payment's id, reserved now: the new session's lease carries it from the start
            # and needs no renaming when the buyer goes on to pay. A merchant's own ``id`` is
            # not used so (it may name a payment that exists: the lease is renamed instead).
            request.admission_order_id = new_order_id()
            new_session = session_name(request.admission_order_id)
        try:
            decision = controller.admit(
                merchant=merchant.public_id,
                merchant_id=merchant.pk,
                mode=key.mode,
                pay_type=body["pay_type"],
                session=session,
                new_session=new_session,
            )
        except (OperationalError, InterfaceError) as exc:  # the contract's limits, unless cached
            return _database_unavailable(exc)
        if not decision.admitted:
            assert decision.reason is not None  # a refusal says why
            return refusal(decision.reason, decision.retry_after)
        assert decision.lease is not None  # an admitted request holds a lease
        ticket = request.admission = Ticket(decision.lease, continued=decision.continued)
        try:
            response = self.get_response(request)
        except BaseException:
            ticket.close()
            raise
        return closing(response, ticket.close)


def closing(response, then):
    """``response``, whose ``close()`` — called by the server once the answer has been sent (WSGI:
    once the body, streamed or not, has been written) — then calls ``then``."""
    close = response.close

    def close_then():
        try:
            close()
        finally:
            then()

    response.close = close_then
    return response
