"""Logging filter that masks anything that looks like a card number (PAN).

Defence in depth: card data must never be logged in the first place, but a
stray ``repr(request.data)`` must not leak a PAN either (PCI DSS 3.4).
"""

from __future__ import annotations

import logging
import re

# 13 to 19 digits, optionally separated by single spaces or dashes.
# Not a part of a decimal number (e.g. a duration like 0.0135462198327105 s).
_PAN = re.compile(r"(?<!\d)(?<!\d\.)(?:\d[ -]?){12,18}\d(?!\d)(?!\.\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def redact_pans(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if not _luhn_ok(digits):
            return match.group(0)
        return "*" * (len(digits) - 4) + digits[-4:]

    return _PAN.sub(mask, text)


class RedactCardNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_pans(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback here so that it is redacted too.
            rendered = logging.Formatter().formatException(record.exc_info)
            redacted = f"{redacted}\n{redact_pans(rendered)}"
            record.exc_info = None
            record.exc_text = None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class EcsContext(logging.Filter):
    """Adds the fields of the Elastic Common Schema that come from the context of a log line:
    ``trace.id``/``span.id`` (the current OpenTelemetry span, when one is recorded),
    ``http.request.id`` (``portal.request_id``) and ``labels.merchant_id`` (the merchant an API
    request acts for). ``ecs_logging.StdlibFormatter`` writes them out; the text format ignores them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from portal.request_id import current_request, current_request_id
        from portal.telemetry import current_trace_ids

        ids = current_trace_ids()
        if ids is not None:
            setattr(record, "trace.id", ids[0])
            setattr(record, "span.id", ids[1])
        request_id = current_request_id()
        if request_id is not None:
            setattr(record, "http.request.id", request_id)
            principal = api_principal_of(current_request())
            if principal is not None:
                setattr(record, "labels.merchant_id", principal.merchant.public_id)
        return True


def api_principal_of(request: object):
    """The API principal authentication already set on ``request``, or None: ``vars()`` and
    ``type()``, not ``getattr()`` or ``isinstance()``, so that a log line (or a request log row)
    never makes the lazy ``request.user`` query the database."""
    from portal.api.authentication import ApiPrincipal

    user = vars(request).get("user") if hasattr(request, "__dict__") else None
    return user if type(user) is ApiPrincipal else None
