"""Every outbound call to an asynchronous provider goes through ``guarded``: throttle, breaker, timeout."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from payments.providers.async_base import CallDeferred
from payments.providers.base import Declined, ProviderFailure, ProviderTimeout, ProviderUnavailable
from payments.providers.breaker import breaker_allow, breaker_failure, breaker_success
from payments.providers.throttle import provider_throttle

T = TypeVar("T")


def guarded(name: str, call: Callable[[], T]) -> T:
    """Run ``call`` (an HTTP call with the provider's timeout) if throttle and breaker allow it.

    Raises ``CallDeferred`` without calling when they do not.
    """
    wait = provider_throttle(name)
    if wait:
        raise CallDeferred(f"{name}: throttled", wait)
    wait = breaker_allow(name)
    if wait:
        raise CallDeferred(f"{name}: circuit open", wait)
    try:
        result = call()
    except (ProviderTimeout, ProviderFailure, ProviderUnavailable):
        breaker_failure(name)
        raise
    except Declined:
        breaker_success(name)  # a definite answer: the provider is healthy
        raise
    breaker_success(name)
    return result
