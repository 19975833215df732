"""What the HTTP clients of the asynchronous providers share: the JSON API and signature checks."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from payments.providers.async_base import ProviderAnswer, ProviderState, ProviderStatus
from payments.providers.base import NotConfigured
from payments.providers.http import JsonApi, hmac_hex, provider_secret
from portal import jsonsafe
from portal.validators import is_ascii_digits

# A signed notification older than this is refused (replayed captures of old traffic).
SIGNATURE_TOLERANCE_SECONDS = 300


class BadNotification(ValueError):
    """A notification body that cannot be understood (after its signature was checked)."""


def header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name) or headers.get(name.lower()) or ""


def same(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def fresh_stamp(stamp: str) -> bool:
    return is_ascii_digits(stamp) and abs(time.time() - int(stamp)) <= SIGNATURE_TOLERANCE_SECONDS


def parse_time(value: Any) -> datetime:
    if not value:
        return timezone.now()
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadNotification(f"bad time {value!r}") from exc
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def load(body: bytes) -> dict:
    """A notification's JSON object (strict JSON: no NaN or Infinity, which Python would accept)."""
    try:
        data = jsonsafe.loads(body, parse_constant=_not_json)
    except jsonsafe.JSONBodyError as exc:
        raise BadNotification("not JSON") from exc
    if not isinstance(data, dict):
        raise BadNotification("not a JSON object")
    if _has_nul(data):  # PostgreSQL text cannot hold it: refuse now rather than fail on every retry
        raise BadNotification("NUL character in a string")
    return data


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class HttpAsyncProvider:
    """Base of one provider client: its JSON API, its notification secret, its state words."""

    name = ""
    # The provider's words for our states (ProviderState).
    states: dict[str, ProviderState] = {}

    def __init__(self, base_url: str, mode: str, *, api_key: str = ""):
        self.api = JsonApi(self.name, base_url, api_key=api_key)
        self.mode = mode
        secret = provider_secret(self.name, mode)
        if not secret:
            raise NotConfigured(f"no notification secret for {self.name} ({mode})")
        self.secret = secret

    def state(self, word: str) -> ProviderState:
        if word not in self.states:
            raise BadNotification(f"unknown state {word!r}")
        return self.states[word]

    def sign_hex(self, message: bytes) -> str:
        return hmac_hex(self.secret, message)

    def answer(self, reference: str, body: dict) -> ProviderAnswer:
        raise NotImplementedError

    def answers(self, requests: dict[str, Any]) -> dict[str, ProviderAnswer]:
        return {ref: self.answer(ref, body) for ref, body in (requests or {}).items()}

    def status_of(self, body: dict | None, view: dict | None = None) -> ProviderStatus:
        """``body``: the provider's status answer (None: unknown payment); ``view``: the part with the state."""
        if body is None:
            return ProviderStatus(exists=False)
        current = self.answer("", view if view is not None else body)
        return ProviderStatus(
            exists=True,
            state=current.state,
            amount=current.amount,
            details=current.details,
            answers=self.answers(body.get("requests", {})),
        )
