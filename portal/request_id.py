"""A request id for every request: the client's (or the reverse proxy's) ``X-Request-ID`` when it
is a sane token, else a new one; echoed as a response header, put on the request's span
(``http.request.id``) and on every log line written meanwhile (``portal.logging.EcsContext``)."""

from __future__ import annotations

import contextvars
import os
import re

from opentelemetry import trace

HEADER = "X-Request-ID"
_META = "HTTP_X_REQUEST_ID"
# Letters, digits and a few separators, bounded: the id lands in logs and headers verbatim.
_SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

_current: contextvars.ContextVar[tuple[str, object] | None] = contextvars.ContextVar(
    "request_context", default=None
)


def request_id_of(meta: dict) -> str:
    given = meta.get(_META, "")
    if given and _SANE.fullmatch(given):
        return given
    return os.urandom(16).hex()  # 128 random bits (uuid4's entropy, a third of its cost)


def current_request_id() -> str | None:
    found = _current.get()
    return found[0] if found else None


def current_request() -> object | None:
    """The Django request being answered in this context (for log fields), or None."""
    found = _current.get()
    return found[1] if found else None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request.META)
        request.request_id = request_id
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("http.request.id", request_id)
        token = _current.set((request_id, request))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response
