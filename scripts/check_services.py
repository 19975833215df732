"""Fail early, with a clear message, when PostgreSQL or Redis is not reachable for the tests."""

import os
import sys
from urllib.parse import urlparse

failures = []
db_url = os.environ["DATABASE_URL"]
parsed = urlparse(db_url)
if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
    failures.append(f"DATABASE_URL must point at PostgreSQL for the tests (got {parsed.scheme}://).")
else:
    import psycopg

    try:
        dsn = db_url.replace(parsed.path, "/postgres", 1) if parsed.path else db_url
        psycopg.connect(dsn, connect_timeout=3).close()
    except Exception as exc:
        failures.append(
            f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({exc.__class__.__name__}: {exc}).\n"
            "   Start it, e.g.: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
            "   or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\n"
            "   or set DATABASE_URL=postgres://user:password@host:port/name"
        )

import redis  # noqa: E402

redis_url = os.environ["REDIS_URL"]
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
except Exception as exc:
    failures.append(
        f"Redis is not reachable at {redis_url} ({exc.__class__.__name__}: {exc}).\n"
        '   Start it, e.g.: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
        "   or: docker run -d -p 6379:6379 redis:7\n"
        "   or set REDIS_URL=redis://host:port/db"
    )

if failures:
    print("\nThe tests need real PostgreSQL and Redis:\n", file=sys.stderr)
    for failure in failures:
        print(" - " + failure, file=sys.stderr)
    sys.exit(2)
print(f"PostgreSQL {parsed.hostname}:{parsed.port or 5432} and Redis {redis_url}: reachable")
