"""Request-scoped context: the client address, for audit records and rate limits."""

from __future__ import annotations

import contextvars

from django.conf import settings

_client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


def client_address_of(meta: dict) -> str | None:
    """The client's address, trusting ``NUM_PROXIES`` hops of X-Forwarded-For."""
    hops = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if parts:
            return parts[-min(hops, len(parts))]
    return meta.get("REMOTE_ADDR")


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
