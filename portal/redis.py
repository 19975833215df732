"""The Redis client for domain features (admission control, velocity counters, …).

With ``REDIS_URL`` set: a real client with short timeouts and no retries (a hung
Redis must not hang requests). With ``REDIS_CLUSTER`` too: a Redis Cluster client
(``REDIS_URL`` names any node; the client finds the others), the same timeouts and no
retries: every multi-key command and script of the product names keys of one hash slot
(``{merchant}`` tags), so it runs unchanged (tests/scale). Without ``REDIS_URL``:
fakeredis, an in-process stand-in with real Redis semantics (Lua included), for the laptop
default only.
"""

from __future__ import annotations

import threading
from typing import cast

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

_lock = threading.Lock()
_client: redis.Redis | None = None
_fake_server = None


def connect(url: str, *, cluster: bool, **options) -> redis.Redis:
    """A client of the Redis at ``url``, or of the Redis Cluster one of whose nodes it names
    (``cluster``), never retrying (``options``: timeouts, pool size, …, per node)."""
    if cluster:
        # The cluster client follows MOVED/ASK redirections itself; it only runs the command
        # API that redis.Redis has (each command routed to its key's node), hence the cast.
        return cast("redis.Redis", RedisCluster.from_url(url, retry=Retry(NoBackoff(), 0), **options))
    return redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **options)


def is_cluster(client: object) -> bool:
    return isinstance(client, RedisCluster)


def _make_client() -> redis.Redis:
    if settings.REDIS_URL:
        return connect(
            settings.REDIS_URL,
            cluster=bool(getattr(settings, "REDIS_CLUSTER", False)),
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            retry_on_timeout=False,
            health_check_interval=30,
            max_connections=int(getattr(settings, "REDIS_MAX_CONNECTIONS", 64)),
        )
    import fakeredis

    global _fake_server
    if _fake_server is None:
        _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_server)


def get_redis() -> redis.Redis:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = _make_client()
    return _client


def reset_redis_client() -> None:
    """Forget the client (tests that change REDIS_URL, or after fork)."""
    global _client
    with _lock:
        _client = None
