"""Security events of API-key use, kept off the hot path: a failure is rare and recorded as it
happens; a success costs a dictionary lookup, and one Redis round trip the first time this
process sees a (key, address) pair, to learn whether the address is new for the key."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from django.conf import settings

from portal.middleware import current_client_address
from portal.redis import get_redis
from security.models import Kind, Severity
from security.services import security_event_record

logger = logging.getLogger("security")

_SEEN_MAX = 50_000
_seen: OrderedDict[tuple[int, str], None] = OrderedDict()
_seen_lock = threading.Lock()
# A key's addresses are remembered this long; an address unseen for longer is new again.
ADDRESS_MEMORY_SECONDS = 90 * 24 * 3600


def api_key_failure(*, request, throttled: bool, key=None, code: str = "") -> None:
    address = current_client_address()
    if throttled:
        security_event_record(
            kind=Kind.API_KEY_THROTTLED,
            severity=Severity.WARNING,
            source_ip=address,
            actor_label=f"address:{address}",
            summary=f"API authentication from {address} throttled after repeated failures",
            dedupe_seconds=60,
        )
    elif key is not None:  # a key we know, but revoked or expired
        security_event_record(
            kind=Kind.API_KEY_REVOKED_USED,
            severity=Severity.WARNING,
            source_ip=address,
            actor_label=f"api_key:{key.masked}",
            merchant=key.merchant,
            summary=f"Revoked or expired {key.get_mode_display().lower()} key {key.masked} used from {address}",
            detail={"key": key.masked, "error_code": code, "path": request.path[:200]},
            dedupe_seconds=60,
        )
    else:
        security_event_record(
            kind=Kind.API_KEY_INVALID,
            severity=Severity.INFO,
            source_ip=address,
            actor_label=f"address:{address}",
            summary=f"Unknown or malformed API key from {address}",
            detail={"error_code": code, "path": request.path[:200]},
        )


def api_key_address_observe(*, key, address: str | None) -> None:
    """A first use of ``key`` from ``address`` (not the key's very first use) is an event."""
    if not address or not settings.SECURITY_TRACK_KEY_ADDRESSES:
        return
    marker = (key.pk, address)
    with _seen_lock:
        if marker in _seen:
            _seen.move_to_end(marker)
            return
        _seen[marker] = None
        if len(_seen) > _SEEN_MAX:
            _seen.popitem(last=False)
    name = f"security:key-addresses:{{{key.pk}}}"
    try:
        with get_redis().pipeline(transaction=True) as pipe:
            pipe.sadd(name, address)
            pipe.scard(name)
            pipe.expire(name, ADDRESS_MEMORY_SECONDS)
            added, count, _ = pipe.execute()
    except Exception:  # Redis down: no event, never a failed request
        logger.warning("key address not checked (Redis unavailable)", exc_info=True)
        with _seen_lock:
            _seen.pop(marker, None)
        return
    if added and count > 1:
        security_event_record(
            kind=Kind.API_KEY_NEW_ADDRESS,
            severity=Severity.INFO,
            source_ip=address,
            actor_label=f"api_key:{key.masked}",
            merchant=key.merchant,
            summary=f"{key.get_mode_display()} key {key.masked} used from a new address {address}",
            detail={"key": key.masked, "addresses_known": count},
        )


def seen_forget() -> None:
    """Tests: forget this process's (key, address) pairs."""
    with _seen_lock:
        _seen.clear()
