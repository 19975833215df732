"""GCRA (the generic cell rate algorithm, as in redis-cell) in one Redis Lua script.

One key per limit holds the theoretical arrival time (TAT) in integer microseconds.
The clock is Redis ``TIME`` — never the app servers' clocks. All arithmetic is on
integers (Lua numbers are doubles: exact below 2**53 µs, i.e. for centuries), and
the emission interval is rounded *up*, so the limiter can under-admit by at most
a microsecond per request but never over-admit: admitted ≤ burst + rate × time.

``gcra_take(redis, key, rate_per_second=10, burst=20)`` → ``GcraResult``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

# KEYS[1] = limit key
# ARGV = emission interval µs, burst (requests admitted at once), cost, shadow (0/1)
# returns {allowed (1/0), retry_after_us, remaining, would_reject (1/0)}
GCRA_LUA = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local shadow = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local tolerance = interval * burst
local new_tat = tat + interval * cost
local allow_at = new_tat - tolerance
if now < allow_at then
  if shadow == 1 then
    redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
    return {1, allow_at - now, 0, 1}
  end
  return {0, allow_at - now, 0, 0}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
local remaining = math.floor((now - allow_at) / interval)
return {1, 0, remaining, 0}
"""


@functools.lru_cache(maxsize=4096)  # a pure function of a contract's rate: computed once per rate
def emission_interval_us(rate_per_second: int | float | Fraction) -> int:
    """Microseconds between requests at ``rate_per_second``, rounded up (never over-admit)."""
    rate = Fraction(rate_per_second).limit_denominator(1_000_000)
    if rate <= 0:
        raise ValueError("rate must be positive")
    return -(-1_000_000 * rate.denominator // rate.numerator)


@dataclass(frozen=True)
class GcraResult:
    allowed: bool
    retry_after_us: int
    remaining: int
    would_reject: bool = False

    @property
    def retry_after_seconds(self) -> int:
        """For a ``Retry-After`` header: whole seconds, at least 1 when refused."""
        return max(1, -(-self.retry_after_us // 1_000_000)) if not self.allowed else 0


def gcra_step(
    tat: int | None, now_us: int, *, interval_us: int, burst: int, cost: int = 1
) -> tuple[GcraResult, int]:
    """The script's arithmetic for a limit kept in this process (admission control's fail-open
    fallback while Redis is away): the result, and the TAT to keep (unchanged when refused)."""
    tat = now_us if tat is None or tat < now_us else tat
    new_tat = tat + interval_us * cost
    allow_at = new_tat - interval_us * burst
    if now_us < allow_at:
        return GcraResult(False, allow_at - now_us, 0), tat
    return GcraResult(True, 0, (now_us - allow_at) // interval_us), new_tat


class GcraScript:
    """The registered script; ``__call__`` runs it (EVALSHA, loading it on first use)."""

    def __init__(self, redis):
        self.script = redis.register_script(GCRA_LUA)

    def __call__(
        self,
        key: str,
        *,
        rate_per_second: float,
        burst: int,
        cost: int = 1,
        shadow: bool = False,
        client=None,
    ) -> GcraResult:
        allowed, retry_us, remaining, would = self.script(
            keys=[key],
            args=[emission_interval_us(rate_per_second), max(1, int(burst)), int(cost), 1 if shadow else 0],
            client=client,
        )
        return GcraResult(bool(allowed), int(retry_us), int(remaining), bool(would))


def gcra_take(
    redis, key: str, *, rate_per_second: float, burst: int, cost: int = 1, shadow: bool = False
) -> GcraResult:
    """Take ``cost`` units from the limit at ``key``; one round trip."""
    return GcraScript(redis)(key, rate_per_second=rate_per_second, burst=burst, cost=cost, shadow=shadow)
