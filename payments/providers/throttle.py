"""Per-provider throttling of outbound calls, shared by every worker through Redis.

The limiter is admission control's GCRA (``payments.admission.gcra``): one key per
provider, so a burst of merchant traffic queued in Celery never calls a provider
faster than ``PROVIDER_RATE_PER_SECOND`` (with bursts of ``PROVIDER_BURST``). A
Redis failure lets the call through (logged): timeouts and the circuit breaker
still protect the provider.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError

from payments.admission.gcra import gcra_take
from portal.redis import get_redis

logger = logging.getLogger(__name__)


def provider_throttle(name: str) -> float:
    """0 when a call to ``name`` may go now, else the seconds to wait."""
    rate = settings.PROVIDER_RATE_PER_SECOND.get(name, 50)
    try:
        result = gcra_take(
            get_redis(), f"throttle:{{provider:{name}}}", rate_per_second=rate, burst=settings.PROVIDER_BURST
        )
    except RedisError:
        logger.warning("provider throttle for %s unavailable (Redis); letting the call through", name)
        return 0.0
    return 0.0 if result.allowed else max(result.retry_after_us / 1_000_000, 0.001)
