"""Request-scoped context (the client address, for audit records and rate limits) and the
API's answers at the edge (always JSON in fincode's error shape, never cached)."""

from __future__ import annotations

import contextvars
import ipaddress

from django.conf import settings

from portal import errors

_client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


def client_address_of(meta: dict) -> str | None:
    """The client's address: the peer's, or — when the peer is a trusted proxy
    (``FORWARDED_ALLOW_IPS``) — the one ``NUM_PROXIES`` hops back in X-Forwarded-For, which
    each proxy appends to. A hop that is not an IP address is not taken."""
    peer = meta.get("REMOTE_ADDR")
    hops = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not (hops and forwarded and _trusted_proxy(peer)):
        return peer
    parts = [p.strip() for p in forwarded.split(",")]
    if len(parts) < hops:
        return peer  # fewer hops than proxies: the chain is not ours
    try:
        return str(ipaddress.ip_address(parts[-hops]))
    except ValueError:
        return peer


def _trusted_proxy(address: str | None) -> bool:
    allowed = settings.FORWARDED_ALLOW_IPS
    if "*" in allowed:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in allowed)


def current_client_address() -> str | None:
    return _client_address.get()


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_address = client_address_of(request.META)
        token = _client_address.set(request.client_address)
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)


class RejectNulMiddleware:
    """A NUL character in the URL (``%00`` in the path or the query) is a 400.

    No page or API resource has one in its name or its filters, and PostgreSQL text cannot
    hold it: a lookup with it would fail in the database (a 500) rather than find nothing.
    Form and JSON bodies are checked by their fields (Django's and DRF's ``CharField``s refuse
    NUL characters).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            # The 400 answered directly (not raised): with DEBUG on, Django would answer a raised
            # BadRequest with its HTML debug page, even under /v1/.
            from portal.errorviews import bad_request

            return bad_request(request)
        return self.get_response(request)


_API_ERROR_BY_STATUS = {
    400: errors.BAD_REQUEST,
    401: errors.AUTH_MISSING,
    403: errors.PERMISSION_DENIED,
    404: errors.NOT_FOUND,
    405: errors.METHOD_NOT_ALLOWED,
    406: errors.NOT_ACCEPTABLE,
    413: errors.BODY_TOO_LARGE,
    415: errors.UNSUPPORTED_MEDIA_TYPE,
    429: errors.THROTTLED,
    503: errors.SERVICE_UNAVAILABLE,
}


def is_api_path(path: str) -> bool:
    return path == "/v1" or path.startswith("/v1/")


class ApiEdgeMiddleware:
    """Outermost: every answer under ``/v1/`` is ``Cache-Control: no-store``, and every error
    there is JSON in fincode's shape — including those Django answers before (or instead of)
    the API's own handler: a bad ``Host``, an oversized body, a malformed request, and, with
    ``DEBUG`` on, its HTML debug pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api_path(request.path_info):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = _json_error_for(response)
        response["Cache-Control"] = "no-store"
        return response


def _json_error_for(response):
    from portal.api.errors import json_error

    status = response.status_code
    spec = _API_ERROR_BY_STATUS.get(status) or (
        errors.INTERNAL_ERROR if status >= 500 else errors.BAD_REQUEST
    )
    answer = json_error(spec)
    answer.status_code = status
    for header in ("Retry-After", "Allow", "WWW-Authenticate"):
        if header in response:
            answer[header] = response[header]
    return answer
