"""Per-provider throttling of outbound calls, shared by every worker through Redis.

The limiter is admission control's GCRA (issue 5, ``payments.admission.gcra.gcra_take``):
one key per provider, so a burst of merchant traffic queued in Celery never calls a
provider faster than ``PROVIDER_RATE_PER_SECOND`` (with ``PROVIDER_BURST``).

Until that module is on this branch, a stand-in with the same signature is used: a
one-second fixed window in one Lua call (not a second GCRA; it is removed when the
real limiter lands). A Redis failure lets the call through (logged): the provider's
own limits and the circuit breaker still protect it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError

from portal.redis import get_redis

logger = logging.getLogger(__name__)

try:  # pragma: no cover - depends on issue 5 being merged
    from payments.admission.gcra import gcra_take  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _WINDOW = """
    local used = redis.call('INCRBY', KEYS[1], ARGV[2])
    if used == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], 1000) end
    if used > tonumber(ARGV[1]) then
      redis.call('DECRBY', KEYS[1], ARGV[2])
      return redis.call('PTTL', KEYS[1])
    end
    return 0
    """

    def gcra_take(redis, key, *, rate_per_second, burst, cost=1):  # type: ignore[no-redef]
        wait_ms = redis.eval(_WINDOW, 1, key, max(1, int(rate_per_second)), cost)
        return wait_ms <= 0, max(0, wait_ms) / 1000


def provider_throttle(name: str) -> float:
    """0 when a call to ``name`` may go now, else the seconds to wait."""
    rate = settings.PROVIDER_RATE_PER_SECOND.get(name, 50)
    try:
        allowed, retry_after = gcra_take(
            get_redis(), f"throttle:{{provider:{name}}}", rate_per_second=rate, burst=settings.PROVIDER_BURST
        )
    except RedisError:
        logger.warning("provider throttle for %s unavailable (Redis); letting the call through", name)
        return 0.0
    return 0.0 if allowed else max(float(retry_after), 0.01)
