"""Signatures of the webhooks we send.

``Webhook-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`` where each ``v1`` is
HMAC-SHA256 over ``"<t>.<raw body>"`` with one of the merchant's valid signing secrets
(two while a secret is being rotated out). Receivers accept the delivery when any
``v1`` matches one of their secrets and ``t`` is recent (docs/webhooks.md).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable

from payments.providers.http import hmac_hex

TOLERANCE_SECONDS = 300


def signature_header(body: bytes, secrets: Iterable[str], timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    message = str(stamp).encode() + b"." + body
    return ",".join([f"t={stamp}", *(f"v1={hmac_hex(secret, message)}" for secret in secrets)])


def verify(body: bytes, header: str, secret: str, *, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (and our tests): any ``v1`` made with ``secret``, and a recent ``t``."""
    stamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if stamp is None or abs(time.time() - stamp) > tolerance:
        return False
    expected = hmac_hex(secret, str(stamp).encode() + b"." + body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
