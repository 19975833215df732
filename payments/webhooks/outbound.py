"""What a merchant's webhook setting may make us send, and where: public addresses only.

A webhook URL is merchant input that steers a request from inside our network, so it is
checked twice (docs/webhooks.md, "Where webhooks may go"), by ``portal.destinations``:

* When a setting is saved (``check_url``, ``header_value_ok``): the scheme (``https`` in live
  mode, ``http``/``https`` in test mode) and the host as the connection would use it
  (``check_destination``: any spelling of an IP address, names private by definition), and
  the ``Fincode-Signature`` value (printable ASCII, bounded). Names are not looked up then.
* When a delivery is posted: ``client(mode=…)`` connects through ``GuardedTransport``, which
  resolves the host once, refuses unless *every* address is public, and connects to those
  checked addresses itself (no second lookup for DNS rebinding to win; TLS still verifies
  the URL's host name).

Loopback (127/8, ::1) is allowed only in test mode and only with ``WEBHOOK_ALLOW_LOOPBACK``
(on by default in development and test, off in production): local receivers while
developing. No redirect is followed, and no proxy from the environment is used.
"""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

from portal.destinations import (
    BAD_SCHEME,
    BAD_URL,
    NOT_PUBLIC,
    NOT_PUBLIC_NAME,
    DestinationRefused,
    GuardedTransport,
    check_destination,
)
from portal.models import Mode
from portal.outbound import outbound_client
from portal.telemetry import telemetry_enabled

__all__ = [
    "BAD_SCHEME", "BAD_URL", "NOT_PUBLIC", "NOT_PUBLIC_NAME", "SIGNATURE_MAX_LENGTH",
    "DestinationRefused", "check_url", "client", "header_value_ok", "loopback_allowed",
]  # fmt: skip

SIGNATURE_MAX_LENGTH = 60


def loopback_allowed(mode: str) -> bool:
    return mode == Mode.TEST and settings.WEBHOOK_ALLOW_LOOPBACK


def check_url(url: str, *, mode: str) -> None:
    """Raise ``DestinationRefused`` unless ``url`` may be a webhook destination of ``mode`` (no DNS)."""
    schemes = ("https",) if mode == Mode.LIVE else ("http", "https")
    check_destination(url, schemes=schemes, loopback=loopback_allowed(mode))


def header_value_ok(value: str, *, max_length: int = SIGNATURE_MAX_LENGTH) -> bool:
    """Printable ASCII (no CR, LF or other control character), no edge blanks, bounded."""
    return len(value) <= max_length and all(" " <= c <= "~" for c in value) and value == value.strip(" ")


_local = threading.local()


def client(*, mode: str) -> httpx.Client:
    """This thread's client for deliveries of ``mode``: guarded, no redirects, no proxy from the
    environment. Callers give each request its timeout."""
    loopback = loopback_allowed(mode)
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    key = (loopback, telemetry_enabled())
    found = clients.get(key)
    if found is None:
        # The one outbound layer (tracing: ``traceparent`` on every delivery); not its host
        # allowlist, which is for providers: a webhook's rules are the guarded transport's.
        found = clients[key] = outbound_client(
            purpose="webhooks",
            allowlist=False,
            transport=GuardedTransport(loopback=loopback, purpose="webhook"),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "merchant-portal-webhooks/1"},
        )
    return found
