"""The one HTTP client layer for every outbound call: providers and webhook deliveries.

Every ``httpx.Client`` that leaves the process is built by ``outbound_client``:

* **Provider calls** (``allowlist=True``) may reach only the hosts of
  ``OUTBOUND_ALLOWED_HOSTS`` — by default the hosts of the configured provider URLs
  (acquirer, 3-D Secure server, the asynchronous providers, this product's own notification
  URL for the simulators). ``*.example.com`` allows the subdomains of ``example.com``.
  Anything else is refused before a connection is opened: ``OutboundRefused``, one log line
  and ``outbound_refused_total{destination}`` (the FQDN filter of an egress proxy, enforced
  in the process too). A webhook refused at connection time counts as ``destination="webhook"``.
* **An egress proxy**: provider clients honour ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``
  from the environment (httpx's ``trust_env``).
* **Webhook deliveries**, and the channels staff set (budgets' notifications, security
  alerts), keep their own destination rules — public addresses only, checked at connection
  time by ``portal.destinations.GuardedTransport``, never through a proxy from the
  environment — and pass ``allowlist=False``.
* **TLS**: one context per process (``tls_context``), shared by every client: building one
  reads and parses every CA certificate (~30 ms of CPU), and httpx builds one per client
  unless given one.
* **Tracing**: with telemetry on (``portal.telemetry``), each client's transport is traced
  and carries ``traceparent``; off, nothing is added.

E-mail is not HTTP: it goes to ``EMAIL_HOST`` only (Django's SMTP backend).
"""

from __future__ import annotations

import functools
import logging
import ssl
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from prometheus_client import Counter

from portal import telemetry

logger = logging.getLogger(__name__)

REFUSED = Counter(
    "outbound_refused",
    "Outbound HTTP calls refused because their destination host is not allowed.",
    ["destination"],
)


class OutboundRefused(httpx.ConnectError):
    """Not sent: ``destination`` is not in ``OUTBOUND_ALLOWED_HOSTS``.

    An ``httpx.ConnectError`` (raised before any connection is opened), so that the callers'
    mapping of transport errors applies: "could not connect" means certainly not done.
    """

    def __init__(self, destination: str, *, request: httpx.Request | None = None):
        self.destination = destination
        super().__init__(
            f"outbound destination refused: {destination!r} is not in OUTBOUND_ALLOWED_HOSTS",
            request=request,
        )


_SETTINGS = frozenset(
    {
        "OUTBOUND_ALLOWED_HOSTS",
        "ACQUIRER_SIMULATOR_URL",
        "ACQUIRER_LIVE_URL",
        "TDS_SIMULATOR_URL",
        "TDS_SERVER_URL",
        "PROVIDER_SIMULATOR_URL",
        "PROVIDER_LIVE_URLS",
        "PROVIDER_NOTIFY_BASE_URL",
    }
)
_allowed: frozenset[str] | None = None  # computed once; again when a test changes a setting


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _allowed
    if setting in _SETTINGS:
        _allowed = None


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def allowed_hosts() -> frozenset[str]:
    """The provider hosts outbound calls may reach (lower case; ``*.`` entries match subdomains)."""
    global _allowed
    found = _allowed
    if found is not None:
        return found
    explicit = [h.strip().lower().rstrip(".") for h in settings.OUTBOUND_ALLOWED_HOSTS if h.strip()]
    if explicit:
        found = frozenset(explicit)
    else:
        urls = [
            settings.ACQUIRER_SIMULATOR_URL,
            settings.ACQUIRER_LIVE_URL,
            settings.TDS_SIMULATOR_URL,
            settings.TDS_SERVER_URL,
            settings.PROVIDER_SIMULATOR_URL,
            settings.PROVIDER_NOTIFY_BASE_URL,
            *settings.PROVIDER_LIVE_URLS.values(),
        ]
        found = frozenset({_host_of(url) for url in urls if url} - {""})
    _allowed = found
    return found


def host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    hosts = allowed_hosts()
    if "*" in hosts or host in hosts:
        return True
    return any(entry.startswith("*.") and host.endswith(entry[1:]) for entry in hosts)


def refuse(destination: str, *, purpose: str, request: httpx.Request | None = None) -> OutboundRefused:
    """Count and log one destination refused by the allowlist; the error to raise."""
    REFUSED.labels(destination=destination[:253]).inc()
    logger.warning(
        "outbound: refused %s call to %s (not in OUTBOUND_ALLOWED_HOSTS)",
        purpose,
        destination,
        extra={"event.action": "outbound-refused", "destination.domain": destination},
    )
    _security_event(destination, purpose)
    return OutboundRefused(destination, request=request)


def _security_event(destination: str, purpose: str) -> None:
    """A refused destination is a security event too (one per destination and minute)."""
    from security.models import Kind, Severity
    from security.services import security_event_record

    security_event_record(
        kind=Kind.OUTBOUND_REFUSED,
        severity=Severity.WARNING,
        actor_label=f"outbound:{purpose}:{destination[:150]}",
        summary=f"Outbound {purpose} call to {destination[:200]} refused",
        detail={"destination": destination[:253], "purpose": purpose},
        dedupe_seconds=60,
    )


def destination_refused(host: str, *, purpose: str, reason: str, security_event: bool = True) -> None:
    """Count and log one request refused at connection time (``portal.destinations``: not a
    public address) — a merchant's webhook (``purpose="webhook"``), or a channel staff set —
    and, unless ``security_event`` is False, record it as a security event.

    The host is user input: it goes in the log line, not in the metric's label (whose values
    must stay few), which is the purpose.
    """
    REFUSED.labels(destination=purpose).inc()
    logger.warning(
        "outbound: refused %s to %s (%s)",
        "webhook delivery" if purpose == "webhook" else f"{purpose} call",
        host[:253],
        reason,
        extra={"event.action": "outbound-refused", "destination.domain": host[:253]},
    )
    if security_event:
        _security_event(host, f"{purpose} ({reason})"[:60])


def _allowlist_hook(purpose: str):
    def check(request: httpx.Request) -> None:
        host = request.url.host
        if not host_allowed(host):
            raise refuse(host, purpose=purpose, request=request)

    return check


@functools.cache
def tls_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The process's TLS context for outbound calls, built once: httpx's own (certifi's CA
    certificates, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when ``trust_env``), read when the
    first client is built. Shared by clients and threads: httpcore only ever sets the same
    ALPN list on it (HTTP/1.1; no client here speaks HTTP/2)."""
    return httpx.create_ssl_context(trust_env=trust_env)


def outbound_client(
    *,
    purpose: str,
    timeout: httpx.Timeout | float = 5.0,
    allowlist: bool = True,
    transport: httpx.BaseTransport | None = None,
    limits: httpx.Limits | None = None,
    headers: dict[str, str] | None = None,
    base_url: str = "",
    follow_redirects: bool = False,
    trust_env: bool = True,
) -> httpx.Client:
    """An httpx client for ``purpose`` (``acquirer``, ``paypay``, ``webhooks`` …; logs and metrics).

    ``transport``: a replacement transport (the guarded webhook transport; tests' in-process
    transports). Without one, httpx's own, with the environment's proxy when ``trust_env``.
    """
    if (
        transport is not None
        and telemetry.telemetry_enabled()
        and not isinstance(transport, httpx.HTTPTransport)
    ):
        # httpx's own transport is traced by the instrumentation; any other is wrapped here.
        from opentelemetry.instrumentation.httpx import SyncOpenTelemetryTransport

        transport = SyncOpenTelemetryTransport(transport)
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        limits=limits or httpx.Limits(max_connections=50, max_keepalive_connections=10),
        transport=transport,
        verify=tls_context(trust_env=trust_env),
        headers=headers,
        follow_redirects=follow_redirects,
        trust_env=trust_env,
        event_hooks={"request": [_allowlist_hook(purpose)]} if allowlist else None,
    )
