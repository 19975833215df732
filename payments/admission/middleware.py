"""Admission control at the door: decided before the rest of the stack (sessions, CSRF, DRF,
the database) for the payment-session endpoints, so that a refusal costs next to nothing.

A refused request is answered at once: 429 with ``Retry-After``, fincode's error body
with a distinct ``error_code`` per limit, and a top-level ``message`` (which fincode's
SDK reports as "API call limit exceeded"). An admitted one holds its lease until the
response is ready.

The check is pipelined (``ADMISSION_PIPELINE``): sent to Redis here, its answer read at
the request's first database statement (or at its end, if it has none). Meanwhile the
request is authenticated, parsed and validated — work that writes nothing. A refused
request stops at that first statement, before any database work, and is answered with
the refusal whatever the view had got to. A merchant × method refused lately in this
process is not pipelined: during a burst its refusals cost the check and nothing else.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse

from payments.admission.controller import REASONS, Check, refused_lately
from payments.models import new_order_id
from portal import jsonsafe
from portal.api.authentication import KEY_FORMAT, key_cache, parse_authorization
from portal.api.errors import response_for
from portal.errors import ErrorSpec, PortalError, define
from portal.models import ApiKey, PayType

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
# payment's name, until the payment leaves the states in which a buyer is still paying.
PAYMENT_PATH = re.compile(r"^/v1/payments(?:/(?P<order>[^/]+)(?:/(?P<op>[a-z]+))?)?$")
SESSION_OPEN = frozenset({"UNPROCESSED", "AUTHENTICATED"})
_PAY_TYPES = frozenset(PayType.values)


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
    return body if body["pay_type"] in _PAY_TYPES else None


def _session_name(order_id: str) -> str:
    return f"o:{order_id}"


def _status_after(response) -> tuple[str | None, str | None]:
    """(payment id, status) from a payment answer, if it is one."""
    if response.status_code != 200:
        return None, None
    state = getattr(response, "payment_state", None)  # set by the payment views
    if state is not None:
        return state
    if not response.get("Content-Type", "").startswith("application/json"):
        return None, None
    try:
        body = json.loads(response.content)
    except (ValueError, AttributeError):
        return None, None
    return (body.get("id"), body.get("status")) if isinstance(body, dict) else (None, None)


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
        body = _body(request) if key is not None else None
        if body is None:
            return self.get_response(request)
        session = new_session = None
        if match["order"]:
            session = _session_name(match["order"])
        elif not body.get("id"):
            # The payment's id, reserved now: the new session's lease carries it from the start
            # and needs no renaming when the buyer goes on to pay. A merchant's own ``id`` is
            # not used so (it may name a payment that exists: the lease is renamed instead).
            request.admission_order_id = new_order_id()
            new_session = _session_name(request.admission_order_id)
        merchant, pay_type = key.merchant.public_id, body["pay_type"]
        pipelined = settings.ADMISSION_PIPELINE and not refused_lately(merchant, key.mode, pay_type)
        try:
            check = Check(
                merchant=merchant,
                merchant_id=key.merchant_id,
                mode=key.mode,
                pay_type=pay_type,
                session=session,
                new_session=new_session,
            )
        except (OperationalError, InterfaceError) as exc:  # the contract's limits, unless cached
            return _database_unavailable(exc)
        if pipelined and not check.decided:
            return self._pipelined(request, check, session)
        decision = check.decision()
        if not decision.admitted:
            return refusal(decision.reason, decision.retry_after)
        response = None
        try:
            response = self.get_response(request)
        finally:
            _after(response, decision, session)
        return response

    def _pipelined(self, request, check: Check, session: str | None):
        response = None
        try:
            with connection.execute_wrapper(_Gate(check)):
                response = self.get_response(request)
        except Refused:
            pass
        finally:
            decision = check.decision()  # read in any case: no answer may stay unread on the connection
            if decision.admitted:
                _after(response, decision, session)
        if not decision.admitted:
            return refusal(decision.reason, decision.retry_after)
        return response


class Refused(BaseException):
    """Raised at the first database statement of a request whose pipelined check was refused.

    A BaseException, as asyncio's CancelledError is, so that no ``except Exception`` on
    the way can swallow it and carry on: the request stops before the database.
    """


class _Gate:
    """Database execute wrapper: a statement runs only once the check has admitted the request."""

    def __init__(self, check: Check):
        self.check = check

    def __call__(self, execute, sql, params, many, context):
        if not self.check.decision().admitted:
            raise Refused
        return execute(sql, params, many, context)


def _after(response, decision, session: str | None) -> None:
    """Keep the lease if the session goes on, else give it back once the answer is sent."""
    lease = decision.lease
    order_id, status = _status_after(response) if response is not None else (None, None)
    if status in SESSION_OPEN and order_id:
        # Before the answer leaves: the buyer's next call names this session.
        lease.keep(name=_session_name(order_id))  # the buyer is still paying
    elif session and response is not None and response.status_code in (402, 503, 504):
        lease.keep()  # declined or busy: the buyer may try again within the session
    elif session and response is not None and response.status_code == 409 and decision.continued:
        # Another operation on the payment is under way (its request keeps or releases the
        # session's lease), or the payment is past this step (a client's retry): not kept for
        # the buyer's next step, nor taken from a request still working under it.
        lease.leave()
    elif response is not None and hasattr(response, "_resource_closers"):
        # The session has ended: give the lease back once the answer has been sent (the
        # server closes the response then), not on the client's time. Later only ever
        # means more conservative: the window counts the session a moment longer.
        response._resource_closers.append(lease.release)
    else:
        lease.release()
