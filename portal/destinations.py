"""Destinations that users of the product choose — webhooks, alert and notification channels — are
reached at public addresses only.

A URL that a merchant, an operator or a finance user sets steers a request from inside our
network, so it is checked twice (docs/webhooks.md, "Where webhooks may go"):

* When it is saved (``check_destination``; the ``public_url`` validator of a model field): the
  scheme, and the host as the connection would use it — an IP address in any spelling the C
  library accepts (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``, ``[::ffff:7f00:1]`` …)
  is normalised and must be public; names that are private by definition (``localhost``,
  ``*.internal``, one label …) are refused. Names are not looked up then: what a name resolves
  to at save time proves nothing about later.
* When a request is posted, through ``GuardedTransport`` (``guarded_client``): ``GuardedBackend``
  resolves the host once, refuses unless *every* address is public, and connects to those
  checked addresses itself — there is no second lookup for DNS rebinding to win, and TLS
  still verifies the certificate against the URL's host name (the URL is not rewritten).

Loopback (127/8, ::1) only where the caller allows it (``WEBHOOK_ALLOW_LOOPBACK``: on by default
in development and test, off in production): local receivers while developing. No redirect is
followed, and no proxy from the environment is used.

Merchant webhooks add their own rules on top (``payments.webhooks.outbound``: per mode).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

from portal.outbound import destination_refused, outbound_client, tls_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """Not sent: the destination is not one we may connect to. ``reason`` is shown to whoever set it."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


NOT_PUBLIC = "destination refused: not a public address"
NOT_PUBLIC_NAME = "destination refused: the host name is not a public one"
BAD_SCHEME = "destination refused: only https (live mode) or http/https (test mode)"
BAD_URL = "destination refused: not a valid URL"
BAD_STAFF_SCHEME = "destination refused: https only (http to this machine in development)"

# Refused whatever ``is_global`` says on this Python release (its tables changed in 3.11.x
# and 3.12). Multicast is "global" for ``ipaddress``; it is never a webhook receiver.
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255
        "::/8",  # ::, ::1, IPv4-compatible and -translated forms (mapped and NAT64 are unwrapped first)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # Teredo, benchmarking, ORCHID …
        "2001:db8::/32",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Names that never mean a public host (RFC 6761, 6762, 8375 and ICANN's ".internal").
_LOOPBACK_NAMES = ("localhost",)
_PRIVATE_SUFFIXES = ("local", "internal", "home.arpa", "localdomain", "intranet", "lan")


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4."""
    if ip.version == 4:
        return None
    assert isinstance(ip, ipaddress.IPv6Address)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_allowed(ip: IPAddress, *, loopback: bool = False) -> bool:
    """Public unicast, or loopback when ``loopback`` (test mode with WEBHOOK_ALLOW_LOOPBACK)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        # Loopback reached through NAT64 or 6to4 is someone else's loopback: never.
        mapped = isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None
        return address_allowed(inner, loopback=loopback and mapped)
    if loopback and any(ip in net for net in _LOOPBACK if net.version == ip.version):
        return True
    if any(ip in net for net in _REFUSED_NETWORKS if net.version == ip.version):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def literal_address(host: str) -> IPAddress | None:
    """``host`` read as an IP address the way the C library reads it, or None for a name.

    ``getaddrinfo``/``inet_aton`` take decimal, octal, hex and short forms (``2130706433``,
    ``0177.0.0.1``, ``0x7f.1``, ``127.1``); each becomes the address it connects to.
    """
    text = unquote(host).strip("[]").rstrip(".")
    text = text.split("%", 1)[0]  # an IPv6 zone: fe80::1%eth0
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(text, None, flags=socket.AI_NUMERICHOST)  # never asks DNS
    except (OSError, UnicodeError, ValueError):
        found = []
    if found:
        return ipaddress.ip_address(str(found[0][4][0]).split("%", 1)[0])
    if text and all(c in "0123456789abcdefxABCDEFX." for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def check_destination(url: str, *, schemes: tuple[str, ...], loopback: bool) -> None:
    """Raise ``DestinationRefused`` unless ``url`` (scheme in ``schemes``) names a host we may post
    to: a public address, a public name, or loopback when ``loopback`` (no DNS)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise DestinationRefused(BAD_URL) from exc
    if parsed.scheme not in schemes:
        raise DestinationRefused(BAD_SCHEME)
    if not host:
        raise DestinationRefused(BAD_URL)
    ip = literal_address(host)
    if ip is not None:
        if not address_allowed(ip, loopback=loopback):
            raise DestinationRefused(NOT_PUBLIC)
        return
    name = host.rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        if not loopback:
            raise DestinationRefused(NOT_PUBLIC)
        return
    labels = name.split(".")
    if len(labels) < 2 or any(name == s or name.endswith("." + s) for s in _PRIVATE_SUFFIXES):
        raise DestinationRefused(NOT_PUBLIC_NAME)
    if not all(label and all(c.isalnum() or c in "-_" for c in label) for label in labels):
        raise DestinationRefused(BAD_URL)


def staff_loopback() -> bool:
    """May a destination that staff set (budgets, security alerts) be on this machine? Only
    where ``WEBHOOK_ALLOW_LOOPBACK`` says so (development and test)."""
    return bool(settings.WEBHOOK_ALLOW_LOOPBACK)


def public_url(url: str) -> None:
    """Validator of a URL field that staff set (a Slack or Opsgenie incoming webhook): https to
    a public host; where ``staff_loopback``, http or https to this machine too."""
    loopback = staff_loopback()
    try:
        check_destination(url, schemes=("http", "https"), loopback=loopback)
        if httpx.URL(url).scheme != "https" and not (loopback and _loopback_host(url)):
            raise DestinationRefused(BAD_STAFF_SCHEME)
    except DestinationRefused as exc:
        raise ValidationError(exc.reason, code="destination") from exc


def _loopback_host(url: str) -> bool:
    host = httpx.URL(url).host.rstrip(".")
    ip = literal_address(host)
    if ip is not None:
        return any(ip in net for net in _LOOPBACK if net.version == ip.version)
    return host in _LOOPBACK_NAMES or host.endswith(".localhost")


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of ``host``, in the resolver's order (one lookup; numeric hosts need none)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to checked addresses of the URL's host."""

    def __init__(self, *, loopback: bool, purpose: str, security_event: bool = True):
        self.loopback = loopback
        self.purpose = purpose
        self.security_event = security_event

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError("the host name did not resolve") from exc
        if not addresses:
            raise httpcore.ConnectError("the host name did not resolve")
        if not all(address_allowed(ip, loopback=self.loopback) for ip in addresses):
            destination_refused(
                host, purpose=self.purpose, reason=NOT_PUBLIC, security_event=self.security_event
            )
            raise DestinationRefused(NOT_PUBLIC)
        failure: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


# httpcore's errors as httpx's (the public classes of both; most specific first).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except tuple(core for core, _ in _ERRORS) as exc:
        mapped = next(ours for core, ours in _ERRORS if isinstance(exc, core))
        raise mapped(str(exc)) from exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream):
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        with _as_httpx_errors():
            self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool whose connections go through ``GuardedBackend``.

    Connections are pooled by the URL's host name, so a connection is only ever reused
    for the host whose certificate it verified.
    """

    def __init__(self, *, loopback: bool, purpose: str, security_event: bool = True):
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls_context(),
            network_backend=GuardedBackend(loopback=loopback, purpose=purpose, security_event=security_event),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            answer = self._pool.handle_request(sent)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def guarded_client(
    *,
    purpose: str,
    loopback: bool,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
    security_event: bool = True,
) -> httpx.Client:
    """A client of the outbound layer (``portal.outbound``: logs, tracing, the TLS context) that
    reaches public addresses only (loopback too when ``loopback``): no redirect followed, no
    proxy from the environment; not the providers' host allowlist. A refused destination is
    logged, counted and — unless ``security_event`` is False — recorded as a security event."""
    return outbound_client(
        purpose=purpose,
        allowlist=False,
        transport=GuardedTransport(loopback=loopback, purpose=purpose, security_event=security_event),
        follow_redirects=False,
        trust_env=False,
        headers=headers,
        **({} if timeout is None else {"timeout": timeout}),
    )
