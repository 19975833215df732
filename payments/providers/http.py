"""HTTP plumbing shared by the asynchronous providers' clients (and the simulators' notifications).

One pooled ``httpx.Client`` per provider (built by ``portal.outbound``: allowed hosts only,
egress proxy, tracing), with that provider's timeouts; no automatic
retries (the Celery task decides). Answers are mapped onto the provider exception
hierarchy: connection refused → ProviderUnavailable (certainly not done), timeout or
5xx/429 → ProviderTimeout/ProviderFailure (outcome unknown: retry with the same
reference), other 4xx → Declined (a definite answer).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Any

import httpx
from django.conf import settings

from payments.providers.base import Declined, ProviderFailure, ProviderTimeout, ProviderUnavailable
from portal.outbound import outbound_client

_lock = threading.Lock()
_clients: dict[tuple[str, float], httpx.Client] = {}
_transport: httpx.BaseTransport | None = None


def set_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests: route provider calls (and simulator notifications) through ``transport``."""
    global _transport
    with _lock:
        _transport = transport
        for client in _clients.values():
            client.close()
        _clients.clear()


def client(name: str, timeout: float, connect: float | None = None) -> httpx.Client:
    key = (name, timeout)
    found = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                connect = min(timeout, settings.PROVIDER_CONNECT_TIMEOUT if connect is None else connect)
                found = outbound_client(
                    purpose=name,
                    timeout=httpx.Timeout(timeout, connect=connect),
                    limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
                    transport=_transport,
                    headers={"User-Agent": "merchant-portal-gateway/1"},
                )
                _clients[key] = found
    return found


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def provider_secret(name: str, mode: str) -> str | None:
    """The secret a provider signs its notifications with (test mode: derived for the simulators)."""
    if mode == "test":
        return settings.PROVIDER_SECRETS.get(f"test_{name}") or hmac_hex(
            settings.SECRET_KEY, f"simulator:{name}".encode()
        )
    return settings.PROVIDER_SECRETS.get(name) or None


def simulator_key(name: str) -> str:
    """The credential our clients present to the simulator ``name`` (test equipment only).

    The simulators answer server-to-server calls of our own provider clients only: without
    it, anyone who learns an access id could read (or cancel) another merchant's operations.
    """
    return hmac_hex(settings.SECRET_KEY, f"simulator-client:{name}".encode())


class JsonApi:
    """Calls one provider's JSON API with its timeout."""

    def __init__(self, name: str, base_url: str, *, api_key: str = ""):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = settings.PROVIDER_TIMEOUTS.get(name, 5.0)
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def call(self, method: str, path: str, payload: dict | None = None, *, missing_ok: bool = False) -> Any:
        """The decoded answer; ``None`` for a 404 when ``missing_ok``."""
        try:
            response = client(self.name, self.timeout).request(
                method, self.base_url + path, json=payload, headers=self.headers
            )
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{self.name}: no answer within {self.timeout}s") from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ProviderUnavailable(f"{self.name}: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise ProviderTimeout(f"{self.name}: {exc.__class__.__name__}") from exc
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status >= 500 or status in (408, 425, 429):
            raise ProviderFailure(f"{self.name}: HTTP {status}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderFailure(f"{self.name}: unreadable answer (HTTP {status})") from exc
        if status >= 400:
            reason = body.get("error") if isinstance(body, dict) else None
            raise Declined(str(reason or f"http_{status}")[:60])
        return body
