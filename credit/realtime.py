"""The key-value store (Redis): velocity counters, block/allow sets and the deployment pointer.

Everything a check needs from Redis comes back in **one pipelined round trip**:
one ``EVALSHA`` per identifier (phone, e-mail, address, device, IP) that adds
this check to the identifier's sorted set and counts it over 1 h / 24 h / 30 d
by the Redis server's clock, two ``SMISMEMBER`` for the blocklist and
allowlist, and the reads of the deployment pointer and the lists marker.
Each script touches a single key, so the pipeline also works on Redis Cluster.
A check sends the pipeline first and reads its answers after its first PostgreSQL
statement (:class:`PendingRealtime`), so the two round trips overlap.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import redis

from credit.features import VELOCITY_KEYS, VELOCITY_WINDOWS
from portal.redis import get_redis, is_cluster

logger = logging.getLogger(__name__)

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


# A mode's lists and their marker share a hash slot ({lists:mode}): rebuilt in one
# transaction on Redis Cluster too (a rename moved them: the missing marker rebuilds them).
def list_key(mode: str, name: str) -> str:
    return f"credit:{{lists:{mode}}}:{name}list"


def lists_marker_key(mode: str) -> str:
    return f"credit:{{lists:{mode}}}:lists-loaded"


@dataclass(frozen=True)
class Realtime:
    velocity: dict[str, int]
    in_blocklist: bool
    in_allowlist: bool
    state: dict
    lists_loaded: bool
    # False when Redis refused, failed or did not answer in time: the counters read as zero,
    # lists and the deployment pointer come from PostgreSQL, and the check follows the
    # degraded policy (see credit.services: an approval becomes a review).
    available: bool = True


def unavailable() -> Realtime:
    zero = {f"{kind}_apps_{window}": 0 for kind in VELOCITY_KEYS for window, _ in _WINDOWS}
    return Realtime(
        velocity=zero, in_blocklist=False, in_allowlist=False, state={}, lists_loaded=False, available=False
    )


def realtime_fetch(*, mode: str, member: str, identifiers: dict[str, str]) -> Realtime:
    """Count this check (``member``) for each identifier digest and read lists and state, in one round trip."""
    return realtime_send(mode=mode, member=member, identifiers=identifiers).result()


def _queue(client: redis.Redis, sha: str, mode: str, member: str, identifiers: dict[str, str]):
    kinds = [kind for kind in VELOCITY_KEYS if identifiers.get(kind)]
    list_members = [f"{kind}:{identifiers[kind]}" for kind in kinds]
    args = [member, MAX_MEMBERS, *[seconds for _, seconds in _WINDOWS]]
    pipe = client.pipeline(transaction=False)
    for kind in kinds:
        pipe.evalsha(sha, 1, velocity_key(mode, kind, identifiers[kind]), *args)
    if list_members:
        pipe.smismember(list_key(mode, "block"), list_members)
        pipe.smismember(list_key(mode, "allow"), list_members)
    pipe.get(STATE_KEY)
    pipe.exists(lists_marker_key(mode))
    return pipe, kinds, bool(list_members)


def _fetch(mode: str, member: str, identifiers: dict[str, str]) -> Realtime:
    """The round trip, sent and read at once (retried once if Redis lost the script)."""
    global _script_sha
    client = get_redis()
    if is_cluster(client):
        return _fetch_cluster(client, mode, member, identifiers)
    for attempt in (1, 2):
        pipe, kinds, has_lists = _queue(client, _sha(client), mode, member, identifiers)
        try:
            return _realtime(pipe.execute(), kinds, has_lists)
        except redis.exceptions.NoScriptError:
            _script_sha = None  # Redis restarted or flushed its scripts: load and retry once
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _fetch_cluster(client: redis.Redis, mode: str, member: str, identifiers: dict[str, str]) -> Realtime:
    """On Redis Cluster: a cluster's pipeline runs no scripts, so each counter is one call
    (to its key's node); the rest is one pipeline (a round trip per node)."""
    kinds = [kind for kind in VELOCITY_KEYS if identifiers.get(kind)]
    list_members = [f"{kind}:{identifiers[kind]}" for kind in kinds]
    args = [member, MAX_MEMBERS, *[seconds for _, seconds in _WINDOWS]]
    script = client.register_script(VELOCITY_LUA)
    counts = [script(keys=[velocity_key(mode, kind, identifiers[kind])], args=args) for kind in kinds]
    pipe = client.pipeline(transaction=False)
    if list_members:
        pipe.smismember(list_key(mode, "block"), list_members)
        pipe.smismember(list_key(mode, "allow"), list_members)
    pipe.get(STATE_KEY)
    pipe.exists(lists_marker_key(mode))
    return _realtime([*counts, *pipe.execute()], kinds, bool(list_members))


def _realtime(results: list, kinds: list[str], has_lists: bool) -> Realtime:
    velocity = {f"{kind}_apps_{window}": 0 for kind in VELOCITY_KEYS for window, _ in _WINDOWS}
    for kind, counts in zip(kinds, results, strict=False):
        for (window, _), count in zip(_WINDOWS, counts, strict=True):
            velocity[f"{kind}_apps_{window}"] = int(count)
    rest = results[len(kinds) :]
    blocked = allowed = False
    if has_lists:
        blocked, allowed = any(rest[0]), any(rest[1])
        rest = rest[2:]
    state = json.loads(rest[0]) if rest[0] else {}
    return Realtime(
        velocity=velocity, in_blocklist=blocked, in_allowlist=allowed, state=state, lists_loaded=bool(rest[1])
    )


class PendingRealtime:
    """The pipeline of :func:`realtime_fetch`, sent but not yet read.

    A check sends it, runs its first PostgreSQL statement while Redis works, then reads the
    answers with :meth:`result`: the two round trips overlap. :meth:`discard` (always call it,
    e.g. in ``finally``) drops a connection whose answers were never read, so no pooled
    connection is left out of step.
    """

    def __init__(self, mode: str, member: str, identifiers: dict[str, str]) -> None:
        self._args = (mode, member, identifiers)
        self._done: Realtime | None = None
        self._conn = None
        try:
            self._send(mode, member, identifiers)
        except redis.exceptions.RedisError as exc:
            self._done = _unavailable_after(exc)

    def _send(self, mode: str, member: str, identifiers: dict[str, str]) -> None:
        client = get_redis()
        if type(client) is not redis.Redis:  # fakeredis (the laptop default): no socket to overlap
            self._done = _fetch(*self._args)
            return
        self._pool = client.connection_pool
        self._pipe, self._kinds, self._has_lists = _queue(client, _sha(client), mode, member, identifiers)
        conn = self._pool.get_connection()
        try:
            conn.send_packed_command(conn.pack_commands([args for args, _ in self._pipe.command_stack]))
        except BaseException:
            conn.disconnect()
            self._pool.release(conn)
            raise
        self._conn = conn

    def result(self) -> Realtime:
        if self._done is not None:
            return self._done
        try:
            return self._read()
        except redis.exceptions.RedisError as exc:
            self._done = _unavailable_after(exc)
            return self._done

    def _read(self) -> Realtime:
        global _script_sha
        conn, self._conn = self._conn, None
        results: list = []
        try:
            for args, options in self._pipe.command_stack:
                try:
                    results.append(self._pipe.parse_response(conn, args[0], **options))
                except redis.exceptions.ResponseError as exc:
                    results.append(exc)
        except BaseException:
            conn.disconnect()
            raise
        finally:
            self._pool.release(conn)
        errors = [r for r in results if isinstance(r, redis.exceptions.ResponseError)]
        if any(isinstance(e, redis.exceptions.NoScriptError) for e in errors):
            _script_sha = None  # no script ran, so nothing was counted: do it all again
            self._done = _fetch(*self._args)
        elif errors:
            raise errors[0]
        else:
            self._done = _realtime(results, self._kinds, self._has_lists)
        return self._done

    def discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.disconnect()
            self._pool.release(conn)


def _unavailable_after(exc: Exception) -> Realtime:
    logger.warning("credit: Redis unavailable, check decided by the degraded policy: %s", type(exc).__name__)
    return unavailable()


def realtime_send(*, mode: str, member: str, identifiers: dict[str, str]) -> PendingRealtime:
    """Send the round trip of :func:`realtime_fetch` now; read it with ``.result()``."""
    return PendingRealtime(mode, member, identifiers)


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
