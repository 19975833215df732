"""A pytest plugin loaded before Django's settings (``-p tests.workers`` in pyproject.toml).

Under pytest-xdist each worker process runs its share of the suite on a test database of its
own (pytest-django names it ``test_<name>_gw<N>``) and needs Redis databases of its own too:
the tests flush theirs, and worker tests use the next one as the Celery broker. Worker N gets
``REDIS_URL``'s database + 2N (and the broker + 2N + 1); children started by tests inherit it.
``scripts/test.sh`` picks the number of workers (``default_workers``) unless given ``-n``.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

REDIS_DATABASES = 16  # Redis' default `databases`


def _redis_db(url: str) -> int:
    return int((urlparse(url).path or "/0").strip("/") or 0)


def default_workers(redis_url: str | None = None, cpus: int | None = None) -> int:
    """How many processes ``scripts/test.sh`` runs the suite in when the caller names none: one
    more than the CPUs this process may use, no more than the Redis databases above
    ``REDIS_URL``'s hold (two each); 1 means no xdist at all.

    One more, because a test process spends part of its time waiting for the processes its
    tests start (Celery workers, gunicorn, Chromium, PostgreSQL) and for their timeouts: on two
    CPUs, two test processes kept the CPUs 82 % busy, three kept them 95 % busy (268 s → 240 s)."""
    redis_url = redis_url if redis_url is not None else os.environ.get("REDIS_URL", "")
    wanted = (cpus or len(os.sched_getaffinity(0))) + 1
    room = (REDIS_DATABASES - _redis_db(redis_url)) // 2 if redis_url else wanted
    return max(1, min(wanted, room))


def _redis_url_for_worker(url: str, worker: int) -> str:
    parsed = urlparse(url)
    base = _redis_db(url)
    index = base + 2 * worker
    if index + 1 >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest-xdist worker {worker} would need Redis databases {index}-{index + 1} (REDIS_URL={url}): "
            "use fewer workers (-n) or a lower database in REDIS_URL"
        )
    return urlunparse(parsed._replace(path=f"/{index}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_for_worker(os.environ["REDIS_URL"], int(_worker[2:]))
