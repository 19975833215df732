"""The Redis client for domain features (admission control, velocity counters, …).

With ``REDIS_URL`` set: a real client with short timeouts and no retries (a hung
Redis must not hang requests). Without it: fakeredis, an in-process stand-in
with real Redis semantics (Lua included), for the laptop default only.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

_lock = threading.Lock()
_client: redis.Redis | None = None
_fake_server = None


def _make_client() -> redis.Redis:
    if settings.REDIS_URL:
        return redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            retry_on_timeout=False,
            retry=Retry(NoBackoff(), 0),
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
