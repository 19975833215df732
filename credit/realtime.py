"""The key-value store (Redis): velocity counters, block/allow sets and the deployment pointer.

Everything a check needs from Redis comes back in **one pipelined round trip**:
one ``EVALSHA`` per identifier (phone, e-mail, address, device, IP) that adds
this check to the identifier's sorted set and counts it over 1 h / 24 h / 30 d
by the Redis server's clock, two ``SMISMEMBER`` for the blocklist and
allowlist, and the reads of the deployment pointer and the lists marker.
Each script touches a single key, so the pipeline also works on Redis Cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from credit.features import VELOCITY_KEYS, VELOCITY_WINDOWS
from portal.redis import get_redis

# Counts saturate here: an identifier's sorted set never holds more members.
MAX_MEMBERS = 10_000
STATE_KEY = "credit:state"
STATE_TTL = 60  # seconds: the pointer is rebuilt from PostgreSQL at most this long after a lost update

VELOCITY_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local keep = tonumber(ARGV[#ARGV]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - keep)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[1], keep)
local out = {}
for i = 3, #ARGV do
  out[#out + 1] = redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[i]) * 1000), '+inf')
end
return out
"""
_WINDOWS = list(VELOCITY_WINDOWS.items())  # ascending; the last is the retention
_script_sha: str | None = None


def _sha(client: redis.Redis) -> str:
    global _script_sha
    if _script_sha is None:
        _script_sha = client.script_load(VELOCITY_LUA)
    return _script_sha


def velocity_key(mode: str, kind: str, digest: str) -> str:
    return f"credit:{mode}:v:{kind}:{digest}"


def list_key(mode: str, name: str) -> str:
    return f"credit:{mode}:{name}list"


def lists_marker_key(mode: str) -> str:
    return f"credit:{mode}:lists-loaded"


@dataclass(frozen=True)
class Realtime:
    velocity: dict[str, int]
    in_blocklist: bool
    in_allowlist: bool
    state: dict
    lists_loaded: bool


def realtime_fetch(*, mode: str, member: str, identifiers: dict[str, str]) -> Realtime:
    """Count this check (``member``) for each identifier digest and read lists and state, in one round trip."""
    client = get_redis()
    kinds = [kind for kind in VELOCITY_KEYS if identifiers.get(kind)]
    list_members = [f"{kind}:{identifiers[kind]}" for kind in kinds]
    args = [member, MAX_MEMBERS, *[seconds for _, seconds in _WINDOWS]]
    for attempt in (1, 2):
        sha = _sha(client)
        pipe = client.pipeline(transaction=False)
        for kind in kinds:
            pipe.evalsha(sha, 1, velocity_key(mode, kind, identifiers[kind]), *args)
        if list_members:
            pipe.smismember(list_key(mode, "block"), list_members)
            pipe.smismember(list_key(mode, "allow"), list_members)
        pipe.get(STATE_KEY)
        pipe.exists(lists_marker_key(mode))
        try:
            results = pipe.execute()
            break
        except redis.exceptions.NoScriptError:
            global _script_sha
            _script_sha = None  # Redis restarted or flushed its scripts: load and retry once
            if attempt == 2:
                raise
    velocity = {f"{kind}_apps_{window}": 0 for kind in VELOCITY_KEYS for window, _ in _WINDOWS}
    for kind, counts in zip(kinds, results, strict=False):
        for (window, _), count in zip(_WINDOWS, counts, strict=True):
            velocity[f"{kind}_apps_{window}"] = int(count)
    rest = results[len(kinds) :]
    blocked = allowed = False
    if list_members:
        blocked, allowed = any(rest[0]), any(rest[1])
        rest = rest[2:]
    state = json.loads(rest[0]) if rest[0] else {}
    return Realtime(
        velocity=velocity, in_blocklist=blocked, in_allowlist=allowed, state=state, lists_loaded=bool(rest[1])
    )


def state_write(state: dict, *, only_if_missing: bool) -> None:
    """Publish the deployment pointer. Checks that rebuilt it from PostgreSQL write only if it is
    missing; changes (activation, rollback) overwrite it, so a slow reader cannot undo them."""
    get_redis().set(STATE_KEY, json.dumps(state), ex=STATE_TTL, nx=only_if_missing)


def state_clear() -> None:
    get_redis().delete(STATE_KEY)


def lists_replace(*, mode: str, block: list[str], allow: list[str]) -> None:
    """Rebuild both sets of a mode from the database's entries (members ``kind:digest``)."""
    client = get_redis()
    pipe = client.pipeline(transaction=True)
    for name, members in (("block", block), ("allow", allow)):
        pipe.delete(list_key(mode, name))
        for start in range(0, len(members), 1000):
            pipe.sadd(list_key(mode, name), *members[start : start + 1000])
    pipe.set(lists_marker_key(mode), "1")
    pipe.execute()


def list_add(*, mode: str, name: str, member: str) -> None:
    get_redis().sadd(list_key(mode, name), member)


def list_remove(*, mode: str, name: str, member: str) -> None:
    get_redis().srem(list_key(mode, name), member)
