"""The providers of the payments that complete later, by name: simulators in test mode, configured
providers in live mode. Which one serves a payment is its pay type's (``AsynchronousMethod.provider_name``)."""

from __future__ import annotations

import threading

from django.conf import settings

from payments.providers.async_base import AsyncProvider
from payments.providers.base import NotConfigured
from payments.providers.directdebit import DirectDebitBank
from payments.providers.http import simulator_key
from payments.providers.konbini import KonbiniNetwork
from payments.providers.virtual_account import VirtualAccountBank
from payments.providers.wallets.aggregator import WALLETS
from portal.models import Mode

PROVIDERS: dict[str, type] = {
    **WALLETS,
    "konbini": KonbiniNetwork,
    "bank": VirtualAccountBank,
    "directdebit": DirectDebitBank,
}
_lock = threading.Lock()
_instances: dict[tuple[str, str, str, str], AsyncProvider] = {}


def provider_by_name(name: str, mode: str) -> AsyncProvider:
    if name not in PROVIDERS:
        raise NotConfigured(f"unknown provider {name}")
    if mode == Mode.TEST:
        base_url = f"{settings.PROVIDER_SIMULATOR_URL.rstrip('/')}/{name}"
    else:
        base_url = settings.PROVIDER_LIVE_URLS.get(name, "")
        if not base_url:
            raise NotConfigured(f"no {name} provider is configured for live mode (PROVIDER_LIVE_URLS)")
    # The simulators' credential goes to the simulators' address only, never to a live provider.
    simulated = base_url.startswith(settings.PROVIDER_SIMULATOR_URL.rstrip("/") + "/")
    api_key = simulator_key(name) if simulated else ""
    key = (name, mode, base_url, api_key)
    found = _instances.get(key)
    if found is None:
        with _lock:
            found = _instances.setdefault(key, PROVIDERS[name](base_url, mode, api_key=api_key))
    return found
