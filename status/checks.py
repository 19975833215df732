"""The live checks of the status page's components, run by the beat task ``status.run_checks``.

Each check returns a ``CheckResult`` and never raises: a failure to check is itself a result.
Provider checks make one cheap HTTP call through the providers' HTTP client
(``payments.providers.http.client``) with a short timeout — the providers have no health
endpoint, so any HTTP answer below 500 means "reachable" — and read the providers' circuit
breakers (``payments.providers.breaker``), the shared record of their recent failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.db import connections
from django.db.models import Min
from django.utils import timezone

from payments.providers import http
from payments.providers.breaker import breaker_state
from payments.providers.wallets.aggregator import WALLETS
from portal.redis import get_redis
from status.models import State

WALLET_NAMES = {"paypay": "PayPay", "dpay": "d払い", "rakutenpay": "楽天ペイ"}


@dataclass(frozen=True)
class CheckResult:
    state: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    key: str
    name: str
    check: Callable[[], CheckResult]


# --- API: database and Redis ------------------------------------------------------------------


def api_check() -> CheckResult:
    failing = []
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        failing.append(f"database unreachable ({type(exc).__name__})")
    if settings.REDIS_URL:
        try:
            get_redis().ping()
        except Exception as exc:
            failing.append(f"Redis unreachable ({type(exc).__name__})")
    if failing:
        return CheckResult(State.OUTAGE, "; ".join(failing))
    return CheckResult(State.OPERATIONAL, "database and Redis reachable")


# --- Providers ------------------------------------------------------------------------------


def acquirer_base_url() -> str:
    if settings.ACQUIRER_LIVE_URL:
        return settings.ACQUIRER_LIVE_URL
    return settings.ACQUIRER_SIMULATOR_URL if settings.SIMULATORS_ENABLED else ""


def provider_base_url(name: str) -> str:
    """The address the payments of ``name`` go to: the live provider when configured, else the
    simulator (test and staging systems); empty when neither is."""
    live = settings.PROVIDER_LIVE_URLS.get(name, "")
    if live:
        return live
    if settings.SIMULATORS_ENABLED:
        return f"{settings.PROVIDER_SIMULATOR_URL.rstrip('/')}/{name}"
    return ""


def http_probe(name: str, base_url: str) -> CheckResult:
    """One GET of the provider's base address with ``STATUS_PROBE_TIMEOUT``."""
    if not base_url:
        return CheckResult(State.OUTAGE, "not configured")
    timeout = settings.STATUS_PROBE_TIMEOUT
    client = http.client(f"status:{name}", timeout)  # built before the clock starts: not the provider's time
    started = time.perf_counter()
    try:
        response = client.get(base_url.rstrip("/") + "/")
    except httpx.TimeoutException:
        return CheckResult(State.OUTAGE, f"no answer within {timeout:g}s", {"timeout_s": timeout})
    except httpx.TransportError as exc:
        return CheckResult(State.OUTAGE, f"unreachable ({type(exc).__name__})")
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    detail = {"http_status": response.status_code, "latency_ms": elapsed_ms}
    if response.status_code >= 500:
        return CheckResult(State.OUTAGE, f"answering HTTP {response.status_code}", detail)
    if elapsed_ms > settings.STATUS_PROBE_SLOW_MS:
        return CheckResult(State.DEGRADED, f"slow answers ({elapsed_ms:.0f} ms)", detail)
    return CheckResult(State.OPERATIONAL, "reachable", detail)


def breaker_verdict(name: str, probe: CheckResult) -> CheckResult:
    """Combine a probe with the provider's circuit breaker (failures of real payment calls)."""
    breaker = breaker_state(name)
    detail = {**probe.detail, "breaker": breaker.get("state", "closed")}
    if probe.state == State.OUTAGE:
        return CheckResult(probe.state, probe.reason, detail)
    if breaker.get("state") in ("open", "half"):
        return CheckResult(State.OUTAGE, "calls suspended after repeated failures (circuit open)", detail)
    failures = int(breaker.get("failures") or 0)
    if failures:
        detail["recent_failures"] = failures
        return CheckResult(State.DEGRADED, f"{failures} failed call(s) in the last minute", detail)
    return CheckResult(probe.state, probe.reason, detail)


def acquirer_check() -> CheckResult:
    return http_probe("acquirer", acquirer_base_url())


def provider_check(name: str) -> Callable[[], CheckResult]:
    def check() -> CheckResult:
        return breaker_verdict(name, http_probe(name, provider_base_url(name)))

    return check


# --- Webhook delivery lag and Celery queue depth --------------------------------------------


def webhook_lag_check(now: datetime | None = None) -> CheckResult:
    """The age of the oldest pending delivery that is due (waiting for a worker, not a retry)."""
    from payments.webhooks.models import WebhookDelivery

    now = now or timezone.now()
    oldest = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    lag = 0 if oldest is None else max(0, int((now - oldest).total_seconds()))
    detail = {"lag_seconds": lag}
    if lag >= settings.STATUS_WEBHOOK_LAG_OUTAGE:
        return CheckResult(State.OUTAGE, f"deliveries delayed by {lag}s", detail)
    if lag >= settings.STATUS_WEBHOOK_LAG_DEGRADED:
        return CheckResult(State.DEGRADED, f"deliveries delayed by {lag}s", detail)
    return CheckResult(State.OPERATIONAL, f"delivery lag {lag}s", detail)


def queue_depth() -> int | None:
    """Messages waiting in the default task queue; None without a broker (tasks run eagerly)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from portal.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        declared = connection.default_channel.queue_declare(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True
        )
    return int(declared.message_count)


def queue_check() -> CheckResult:
    try:
        depth = queue_depth()
    except Exception as exc:
        if "NOT_FOUND" in str(exc) or "404" in str(exc):
            depth = 0  # RabbitMQ: the queue is declared by the first worker; nothing waits
        else:
            return CheckResult(State.OUTAGE, f"broker unreachable ({type(exc).__name__})")
    if depth is None:
        return CheckResult(State.OPERATIONAL, "no broker: tasks run in the web process", {"depth": 0})
    detail = {"depth": depth}
    if depth >= settings.STATUS_QUEUE_DEPTH_OUTAGE:
        return CheckResult(State.OUTAGE, f"{depth} jobs waiting", detail)
    if depth >= settings.STATUS_QUEUE_DEPTH_DEGRADED:
        return CheckResult(State.DEGRADED, f"{depth} jobs waiting", detail)
    return CheckResult(State.OPERATIONAL, f"{depth} jobs waiting", detail)


# --- The components -------------------------------------------------------------------------


def components() -> list[Component]:
    """The page's components, in display order."""
    return [
        Component("api", "API", api_check),
        Component("card", "Card payments", acquirer_check),
        *(
            Component(f"wallet-{name}", f"QR wallet: {WALLET_NAMES.get(name, name)}", provider_check(name))
            for name in WALLETS
        ),
        Component("konbini", "Konbini payments", provider_check("konbini")),
        Component("bank", "Bank transfer", provider_check("bank")),
        Component("webhooks", "Webhook delivery", webhook_lag_check),
        Component("queue", "Background jobs", queue_check),
    ]


def component_names() -> dict[str, str]:
    return {c.key: c.name for c in components()}


def _safe(check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:  # a broken check reports, it never stops the others
        return CheckResult(State.OUTAGE, f"check failed ({type(exc).__name__})")


REMOTE = {"card", "konbini", "bank"}


def checks_run() -> dict[str, CheckResult]:
    """Run every check: the remote ones (HTTP only) in parallel, the local ones here."""
    items = components()
    remote = [c for c in items if c.key in REMOTE or c.key.startswith("wallet-")]
    with ThreadPoolExecutor(max_workers=max(1, len(remote))) as pool:
        futures = {c.key: pool.submit(_safe, c.check) for c in remote}
        results = {c.key: _safe(c.check) for c in items if c not in remote}
        results.update({key: future.result() for key, future in futures.items()})
    return {c.key: results[c.key] for c in items}
