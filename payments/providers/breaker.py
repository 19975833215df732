"""A circuit breaker per provider, its state in Redis so that every process shares it.

Closed: calls go through; ``PROVIDER_BREAKER_FAILURES`` failures (timeouts, network
errors, 5xx) within ``PROVIDER_BREAKER_WINDOW`` seconds open it. Open: calls are not
made for ``PROVIDER_BREAKER_COOLDOWN`` seconds (the task is retried later), so a slow
or failing provider costs nothing to the others. Then half-open: one probe call at a
time; a success closes the breaker, a failure opens it again.

Each decision is one Lua script reading the clock with Redis ``TIME`` (never the
processes' clocks). The key has a hash tag per provider (Redis Cluster). If Redis
is unreachable the breaker lets calls through (logged): timeouts still bound them.
"""

from __future__ import annotations

import logging
from typing import cast

from django.conf import settings
from redis.exceptions import RedisError

from portal.redis import get_redis

logger = logging.getLogger(__name__)

# KEYS[1]: the breaker hash. ARGV: action, threshold, window_ms, cooldown_ms.
# Returns milliseconds to wait (0: go ahead) for "allow"; 0 otherwise.
_SCRIPT = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local key, action = KEYS[1], ARGV[1]
local threshold, window, cooldown = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HGET', key, 'state') or 'closed'
local until_ = tonumber(redis.call('HGET', key, 'until') or '0')
if action == 'allow' then
  if state == 'closed' then return 0 end
  if now < until_ then return until_ - now end
  -- cool-down over (or the last probe vanished): let one probe through
  redis.call('HSET', key, 'state', 'half', 'until', now + cooldown)
  return 0
elseif action == 'success' then
  if state ~= 'closed' or redis.call('HEXISTS', key, 'failures') == 1 then redis.call('DEL', key) end
  return 0
else
  if state == 'half' then
    redis.call('HSET', key, 'state', 'open', 'until', now + cooldown, 'opened', now)
    redis.call('PEXPIRE', key, cooldown * 10)
    return 0
  end
  if state == 'open' then return 0 end
  local start = tonumber(redis.call('HGET', key, 'start') or '0')
  local failures = 1
  if now - start <= window then failures = tonumber(redis.call('HGET', key, 'failures') or '0') + 1
  else redis.call('HSET', key, 'start', now) end
  if failures >= threshold then
    redis.call('HSET', key, 'state', 'open', 'until', now + cooldown, 'opened', now, 'failures', 0)
    redis.call('PEXPIRE', key, cooldown * 10)
  else
    redis.call('HSET', key, 'failures', failures)
    redis.call('PEXPIRE', key, window * 2)
  end
  return 0
end
"""


def _key(name: str) -> str:
    return f"breaker:{{provider:{name}}}"


def _run(name: str, action: str) -> float:
    try:
        waited = get_redis().eval(
            _SCRIPT,
            1,
            _key(name),
            action,
            settings.PROVIDER_BREAKER_FAILURES,
            settings.PROVIDER_BREAKER_WINDOW * 1000,
            settings.PROVIDER_BREAKER_COOLDOWN * 1000,
        )
    except RedisError:
        logger.warning("circuit breaker of %s unavailable (Redis); letting the call through", name)
        return 0.0
    return int(waited or 0) / 1000


def breaker_allow(name: str) -> float:
    """0 when a call may go, else the seconds until the breaker lets a probe through."""
    return _run(name, "allow")


def breaker_success(name: str) -> None:
    _run(name, "success")


def breaker_failure(name: str) -> None:
    _run(name, "failure")


def breaker_state(name: str) -> dict[str, str]:
    """For operators and tests: the raw state (empty: closed, no recent failure)."""
    try:
        # bytes: the client does not decode responses
        raw = cast("dict[bytes, bytes]", get_redis().hgetall(_key(name)))
    except RedisError:
        return {"state": "unknown"}
    return {k.decode(): v.decode() for k, v in raw.items()} or {"state": "closed"}
