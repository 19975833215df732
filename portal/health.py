"""Liveness (/healthz) and readiness (/readyz) probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.redis import get_redis

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving requests; touches no dependency."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "ok (embedded)"
    get_redis().ping()
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (eager, no broker configured)"
    from portal.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: database, Redis and broker reachable; 503 naming what is not."""
    checks: dict[str, str] = {}
    ok = True
    for name, check in (("database", _check_database), ("redis", _check_redis), ("broker", _check_broker)):
        started = time.perf_counter()
        try:
            checks[name] = check()
        except Exception as exc:
            ok = False
            # In production the answer names the part and the kind of failure, never the
            # message (hosts, ports, database and user names); the log has it all.
            logger.warning("readyz: %s failing", name, exc_info=True)
            detail = type(exc).__name__ if settings.PRODUCTION else f"{type(exc).__name__}: {str(exc)[:200]}"
            checks[name] = f"error: {detail}"
        checks[f"{name}_ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
    failing = [name for name in ("database", "redis", "broker") if checks[name].startswith("error")]
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if ok else 503)
