"""Admission control: admit a payment session, or refuse at once with a reason to retry later.

* Concurrency windows: a session takes a lease (sorted set member, score = expiry)
  and gives it back when it ends; a crashed process's leases expire by themselves;
  long sessions are renewed by a background thread.
* Throughput: GCRA per merchant × method (and per method for everyone).
* Limits come from the merchant's contracts (cached per process for a few seconds,
  so operators' changes apply within seconds), global ones from settings.
* One Redis round trip decides, ``admit()``: one ``EVALSHA`` through redis-py's public
  ``Script`` (the global limit shares the script on a single Redis; on Redis Cluster it
  lives on its own slot and costs admitted requests a second trip). Short timeouts, no
  retries; when Redis fails, a configurable fallback: fail open to a per-process share of
  the window and the rate, or fail closed.
* A lease is given back, kept for the buyer's next step or left by explicit calls
  (``Lease.release()``, ``Lease.keep()``, ``Lease.leave()``): see ``payments.admission.sessions``.
* A throughput refusal is held in the process until the GCRA's next slot (at most
  ``ADMISSION_LIMITS_TTL_SECONDS``): Redis would refuse every new session until then.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import cast

import redis
from django.conf import settings
from redis.commands.core import Script

from payments.admission import metrics
from payments.admission.gcra import emission_interval_us, gcra_step
from payments.admission.scripts import ADMIT_LUA, REFUSED_LUA, RELEASE_LUA, RENAME_LUA, RENEW_LUA, USAGE_LUA
from portal.cache import ProcessCache
from portal.db import one_or_none
from portal.ids import random_bytes
from portal.pay_types import contract_defaults
from portal.redis import connect, is_cluster

logger = logging.getLogger(__name__)

REASONS = {
    "window": "concurrency window (merchant × method)",
    "merchant_window": "concurrency window (merchant)",
    "rate": "throughput (merchant × method)",
    "global_rate": "throughput (method, all merchants)",
    "unavailable": "admission control unavailable (fail closed)",
}


@dataclass(frozen=True)
class Limits:
    pay_type: str
    window: int
    window_shadow: bool
    rate: float  # admitted payments per second (normal rate × burst factor)
    burst: int  # GCRA bucket depth
    rate_shadow: bool
    merchant_window: int = 0  # 0: no merchant-wide window
    global_rate: float = 0.0  # 0: no global limit
    global_burst: int = 0
    global_shadow: bool = False
    max_amount: int = 0  # the contract's maximum total per payment
    contracted: bool = True  # an active contract exists


# --- Limits from contracts (per-process cache) ------------------------------------------

_limits_cache: ProcessCache[Limits] = ProcessCache(lambda: settings.ADMISSION_LIMITS_TTL_SECONDS)


def limits_for(*, merchant_id: int, pay_type: str) -> Limits:
    """The merchant's terms for ``pay_type`` (cached per process for ADMISSION_LIMITS_TTL_SECONDS)."""
    return _limits_cache.get(
        (merchant_id, pay_type), lambda: _load_limits(merchant_id=merchant_id, pay_type=pay_type)
    )


def forget_limits() -> None:
    _limits_cache.clear()


def _load_limits(*, merchant_id: int, pay_type: str) -> Limits:
    from portal.models import Contract

    contract = one_or_none(Contract.objects.filter(merchant_id=merchant_id, pay_type=pay_type))
    defaults = contract_defaults(pay_type)
    window = contract.concurrency_window if contract else defaults["concurrency_window"]
    normal = contract.rate_per_second if contract else defaults["rate_per_second"]
    factor = contract.burst_factor if contract else defaults["burst_factor"]
    rate = max(1, normal * factor)
    global_limits = settings.ADMISSION_GLOBAL_RATE.get(pay_type) or {}
    return Limits(
        pay_type=pay_type,
        window=max(1, window),
        window_shadow=bool(contract and contract.window_shadow),
        rate=rate,
        burst=max(1, round(rate * settings.ADMISSION_BURST_SECONDS)),
        rate_shadow=bool(contract and contract.rate_shadow),
        merchant_window=settings.ADMISSION_MERCHANT_WINDOW,
        global_rate=float(global_limits.get("rate", 0)),
        global_burst=int(global_limits.get("burst", 0)),
        global_shadow=bool(global_limits.get("shadow", False)),
        max_amount=contract.max_amount if contract else defaults["max_amount"],
        contracted=bool(contract and contract.status == Contract.Status.ACTIVE),
    )


# --- Redis ----------------------------------------------------------------------------------

_client_lock = threading.Lock()
_client: redis.Redis | None = None
_scripts: dict[str, Script] = {}


def redis_client() -> redis.Redis:
    """The client admission control talks to Redis with (``ADMISSION_REDIS_URL``, else
    ``REDIS_URL``; the embedded stand-in when neither is set)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                if settings.REDIS_URL:
                    client = connect(
                        settings.ADMISSION_REDIS_URL or settings.REDIS_URL,
                        cluster=settings.ADMISSION_REDIS_CLUSTER,
                        socket_timeout=settings.ADMISSION_REDIS_TIMEOUT,
                        socket_connect_timeout=settings.ADMISSION_REDIS_TIMEOUT,
                        retry_on_timeout=False,
                        max_connections=256,
                        # No CLIENT SETINFO on connect: two round trips more for every new
                        # connection of the pool, at a burst's onset.
                        driver_info=None,
                    )
                else:
                    from portal.redis import get_redis

                    client = get_redis()
                for name, source in (
                    ("admit", ADMIT_LUA),
                    ("refused", REFUSED_LUA),
                    ("renew", RENEW_LUA),
                    ("release", RELEASE_LUA),
                    ("rename", RENAME_LUA),
                    ("usage", USAGE_LUA),
                ):
                    _scripts[name] = client.register_script(source)
                # Published last: other threads read _client without the lock.
                _client = client
    return _client


def reset() -> None:
    """Forget the client and local state (tests, and after fork)."""
    global _client, _down_until, _failing
    with _client_lock:
        _client = None
        _scripts.clear()
    _down_until, _failing = 0.0, False
    forget_limits()
    _holds.clear()
    with _held_lock:
        _held_counts.clear()
    with _local_lock:
        _local_in_use.clear()
        _local_tats.clear()


def _script(name: str) -> Script:
    redis_client()
    return _scripts[name]


def window_keys(merchant: str, mode: str, pay_type: str, limits: Limits) -> list[str]:
    keys = [f"adm:{{{merchant}}}:{mode}:win:{pay_type}"]
    if limits.merchant_window:
        keys.append(f"adm:{{{merchant}}}:{mode}:win")
    return keys


def stats_key(merchant: str, mode: str) -> str:
    return f"adm:{{{merchant}}}:{mode}:stats"


# --- Leases ----------------------------------------------------------------------------------


@dataclass
class Lease:
    lease_id: str
    keys: list[str]
    local_key: tuple | None = None
    started: float = field(default_factory=time.monotonic)
    released: bool = False

    def leave(self) -> None:
        """This request is done with the lease, which another request of its session holds too
        (or held): that request keeps or releases it; if none does, it lapses within its
        working TTL. (Also the first step of releasing and keeping it.)"""
        self.released = True
        renewer.forget(self)
        if self.local_key is not None:
            _local_release(self.local_key)  # local fallback leases never outlive a request

    def release(self) -> None:
        if self.released:
            return
        self.leave()
        if self.local_key is not None:
            return
        try:
            _script("release")(keys=self.keys, args=[self.lease_id])
        except redis.RedisError:
            # The lease expires by itself after its TTL.
            logger.warning("admission: could not release lease %s; it will expire", self.lease_id)

    def keep(self, name: str | None = None) -> None:
        """The session goes on after this request: keep the lease (under ``name``) for the
        buyer's next step, ADMISSION_LEASE_TTL_SECONDS; no process works on it meanwhile."""
        if self.local_key is None and (not name or name == self.lease_id):
            # Not on the request's time: the renewer gives it the longer TTL within a second,
            # well before its working TTL runs out, with the other renewals of that second.
            self.released = True
            renewer.keep(self)
            return
        self.leave()
        if self.local_key is not None:
            return
        assert name is not None  # without a new name, the first branch kept it
        try:
            _script("rename")(keys=self.keys, args=[self.lease_id, name, _ttl_ms()])
            self.lease_id = name
        except redis.RedisError:
            logger.warning("admission: could not keep lease %s; it lapses in seconds", self.lease_id)


def _ttl_ms() -> int:
    """A session's lease between its requests."""
    return int(settings.ADMISSION_LEASE_TTL_SECONDS * 1000)


def _working_ttl_ms() -> int:
    """A session's lease while a process works on one of its requests (and renews it)."""
    return int(settings.ADMISSION_WORKING_LEASE_TTL_SECONDS * 1000)


@dataclass
class _Calls:
    calls: list

    def execute(self) -> list:
        return [call() for call in self.calls]


# The most leases one renewal call extends (a call runs alone in Redis: a few ms at most).
RENEW_BATCH = 500


class Renewer:
    """One thread per process renews the leases of its requests, each a third of the way to
    their lapsing (ADMISSION_WORKING_LEASE_TTL_SECONDS): if the process dies, they lapse."""

    def __init__(self):
        self.leases: dict[str, Lease] = {}  # lease id → lease, while a request works on it
        self.kept: dict[str, list[str]] = {}  # lease id → window keys, to be kept between requests
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()

    def track(self, lease: Lease) -> None:
        with self.lock:
            self.leases[lease.lease_id] = lease
            self.kept.pop(lease.lease_id, None)  # worked on again: the working TTL applies
            self._running()

    def keep(self, lease: Lease) -> None:
        with self.lock:
            self.leases.pop(lease.lease_id, None)
            self.kept[lease.lease_id] = lease.keys
            self._running()

    def start(self) -> None:
        with self.lock:
            self._running()

    def _running(self) -> None:
        if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self.run, name="admission-renewer", daemon=True)
            self.thread.start()

    def forget(self, lease: Lease) -> None:
        with self.lock:
            self.leases.pop(lease.lease_id, None)
            self.kept.pop(lease.lease_id, None)

    def run(self) -> None:
        while True:
            time.sleep(settings.ADMISSION_RENEW_INTERVAL_SECONDS)
            flush_held_refusals()
            self.renew()

    def renew(self) -> None:
        """Renew the due working leases and keep the kept ones, in one round trip."""
        due, kept = self.take()
        if due or kept:
            self.send(due, kept)

    def take(self) -> tuple[list[Lease], dict[str, list[str]]]:
        horizon = time.monotonic() - settings.ADMISSION_WORKING_LEASE_TTL_SECONDS / 3
        with self.lock:
            due = [lease for lease in self.leases.values() if lease.started < horizon]
            kept, self.kept = self.kept, {}
        return due, kept

    @staticmethod
    def pipeline(due: list[Lease], kept: dict[str, list[str]]):
        # One call per set of windows and TTL with its leases (the working ones first), up to
        # RENEW_BATCH a call: a second's renewals cost a call per merchant × method, not one
        # per lease.
        groups: dict[tuple[tuple[str, ...], int], list[str]] = {}
        working_ttl, kept_ttl = _working_ttl_ms(), _ttl_ms()
        for lease in due:
            groups.setdefault((tuple(lease.keys), working_ttl), []).append(lease.lease_id)
        for lease_id, keys in kept.items():
            groups.setdefault((tuple(keys), kept_ttl), []).append(lease_id)
        renewals: list[tuple[list[str], list[str | int]]] = [
            (list(keys), [ttl, *lease_ids[i : i + RENEW_BATCH]])
            for (keys, ttl), lease_ids in groups.items()
            for i in range(0, len(lease_ids), RENEW_BATCH)
        ]
        client = redis_client()
        if is_cluster(client):
            # A Redis Cluster's pipeline runs no scripts: one call per set of windows (each to
            # its merchant's node), sent when "executed".
            return _Calls(
                [
                    lambda keys=keys, args=args: _script("renew")(keys=keys, args=args)
                    for keys, args in renewals
                ]
            )
        pipe = client.pipeline(transaction=False)
        for keys, args in renewals:
            _script("renew")(keys=keys, args=args, client=pipe)  # the pipeline loads it if need be
        return pipe

    def send(self, due: list[Lease], kept: dict[str, list[str]]) -> None:
        renewed_at = time.monotonic()
        try:
            self.pipeline(due, kept).execute()
        except redis.RedisError as exc:
            logger.warning("admission: could not renew %d leases (%s)", len(due) + len(kept), exc)
            with self.lock:  # tried again in a second (a lapsed lease is not brought back: ZADD XX)
                again = {lease_id: keys for lease_id, keys in kept.items() if lease_id not in self.leases}
                self.kept = {**again, **self.kept}
            return
        with self.lock:
            for lease in due:
                lease.started = renewed_at
            for lease_id in kept:
                # Worked on again while its keep was on the way: back to the working TTL at the
                # next round, so that its process's death still frees it within seconds.
                if (working := self.leases.get(lease_id)) is not None:
                    working.started = 0.0


renewer = Renewer()
atexit.register(renewer.renew)  # a server process stopping gracefully keeps its sessions' leases
_lease_counter = itertools.count()


def _new_lease_id() -> str:
    return f"{os.getpid()}-{next(_lease_counter)}-{random_bytes(4).hex()}"


# --- Fallback when Redis fails --------------------------------------------------------------------

_down_until = 0.0
_failing = False  # the last answer this process asked Redis for failed
_local_lock = threading.Lock()
_local_in_use: dict[tuple, int] = {}
_local_tats: dict[tuple, int] = {}  # the local rates' GCRA theoretical arrival times, µs (monotonic)
_last_warning = 0.0


def _local_release(key: tuple) -> None:
    with _local_lock:
        _local_in_use[key] = max(0, _local_in_use.get(key, 0) - 1)


class _NotRetriedYet(redis.ConnectionError):
    """Redis failed less than ADMISSION_REDIS_RETRY_SECONDS ago: not asked again yet."""


def _fallback(
    merchant: str, mode: str, pay_type: str, limits: Limits, error: Exception, goes_on: bool = False
) -> Decision:
    """Decided without Redis. ``goes_on``: the request continues a session (its payment's
    next step). As in Redis, where the session's live lease admits it whatever the limits, it
    is not refused (the buyer's payment is under way); it is counted in the local window, which
    refuses new sessions meanwhile."""
    global _down_until, _last_warning, _failing
    failure_mode = settings.ADMISSION_FAILURE_MODE
    metrics.FAILURES.labels(mode=failure_mode).inc()
    if not isinstance(error, _NotRetriedYet):
        now = time.monotonic()
        _down_until = now + settings.ADMISSION_REDIS_RETRY_SECONDS
        if not _failing or now - _last_warning > 10:  # the first failure, then one line each 10 s
            _failing, _last_warning = True, now
            logger.warning(
                "admission: Redis unavailable (%s: %s); failing %s, asking again in %s s",
                type(error).__name__, error, failure_mode, settings.ADMISSION_REDIS_RETRY_SECONDS,
            )  # fmt: skip
    if failure_mode != "open":
        return Decision(
            False, "unavailable", settings.ADMISSION_REDIS_RETRY_SECONDS, None, 0, limits.window, True
        )
    # Each process takes its share of the window and of the rate (the processes do not see
    # each other: the share is the operators' guess of one process's part of the traffic).
    key = (merchant, mode, pay_type)
    share = settings.ADMISSION_FAIL_OPEN_SHARE
    cap = max(1, int(limits.window * share))
    with _local_lock:
        in_use = _local_in_use.get(key, 0)
        if not goes_on:
            if in_use >= cap:
                return Decision(False, "window", 1, None, in_use, cap, True)
            if not limits.rate_shadow:
                taken, tat = gcra_step(
                    _local_tats.get(key),
                    time.monotonic_ns() // 1000,
                    interval_us=emission_interval_us(limits.rate * share),
                    burst=max(1, round(limits.burst * share)),
                )
                if not taken.allowed:
                    return Decision(False, "rate", taken.retry_after_seconds, None, in_use, cap, True)
                _local_tats[key] = tat
        _local_in_use[key] = in_use + 1
    return Decision(True, None, 0, Lease(_new_lease_id(), [], local_key=key), in_use + 1, cap, True)


def _answered() -> None:
    """Redis answered a check: if it had failed, say that it is back."""
    global _failing
    if _failing:
        _failing = False
        logger.warning("admission: Redis answers again; checks are decided in Redis")


# --- The check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    admitted: bool
    reason: str | None
    retry_after: int  # seconds
    lease: Lease | None
    in_use: int
    cap: int
    fallback: bool = False
    shadow: tuple[str, ...] = ()
    continued: bool = False  # an existing session's lease was renewed


def admit(
    *,
    merchant: str,
    merchant_id: int,
    mode: str,
    pay_type: str,
    session: str | None = None,
    new_session: str | None = None,
    limits: Limits | None = None,
) -> Decision:
    """Admit one payment session of ``merchant`` for ``pay_type``, or refuse it: one Redis round
    trip (``redis_admit``), or none when a throughput refusal is held in this process.

    ``session`` names an existing session (a payment): if it still holds a live lease,
    the lease is renewed and the request admitted without counting it again.
    ``new_session`` names the lease of a new session up front (a payment id nobody else can
    hold yet), so that it needs no renaming when the session goes on.
    ``limits``: the terms to apply, if the caller has them (default: the merchant's contract).
    A timeout, a dead Redis or a failed script give the fallback decision.
    """
    started = time.perf_counter()
    if limits is None:
        limits = limits_for(merchant_id=merchant_id, pay_type=pay_type)
    decision = _held(merchant, mode, pay_type, limits) if session is None else None
    if decision is None:
        try:
            if time.monotonic() < _down_until:
                raise _NotRetriedYet("failed lately; not asked again yet")
            decision = redis_admit(
                merchant=merchant, mode=mode, pay_type=pay_type, limits=limits, session=session,
                new_session=new_session,
            )  # fmt: skip
        except redis.RedisError as exc:
            decision = _fallback(merchant, mode, pay_type, limits, exc, goes_on=session is not None)
        else:
            _answered()
    _settle(merchant, pay_type, decision, time.perf_counter() - started)
    return decision


def _settle(merchant: str, pay_type: str, decision: Decision, seconds: float) -> None:
    metrics.CHECK_SECONDS.observe(seconds)
    metrics.decision_counter(
        merchant, pay_type, "admitted" if decision.admitted else "rejected", decision.reason or ""
    ).inc()
    for reason in decision.shadow:
        metrics.SHADOW.labels(merchant=merchant, method=pay_type, reason=reason).inc()
    if decision.admitted and decision.lease and not decision.fallback:
        renewer.track(decision.lease)


class _Marks:
    """Per-process marks on a merchant × mode × method, each lapsing after its own time."""

    def __init__(self):
        self.marks: dict[tuple[str, str, str], tuple[float, str]] = {}  # → (until, on monotonic; value)

    def set(self, key: tuple[str, str, str], seconds: float, value: str = "") -> None:
        self.marks[key] = (time.monotonic() + seconds, value)

    def get(self, key: tuple[str, str, str]) -> tuple[float, str] | None:
        """(seconds left, value) while the mark holds, else None."""
        mark = self.marks.get(key)
        if mark is None:
            return None
        left = mark[0] - time.monotonic()
        if left > 0:
            return left, mark[1]
        self.marks.pop(key, None)
        return None

    def clear(self) -> None:
        self.marks.clear()


# --- Throughput refusals held locally ---------------------------------------------------------------
#
# A GCRA refusal says when the next request can pass: the cell's time only ever moves forward
# (whoever is admitted pushes it further), so until then Redis refuses every new session of
# that merchant × method, whichever process asks. This process refuses them itself meanwhile,
# without a round trip: the same answer, sooner. Never longer than ADMISSION_LIMITS_TTL_SECONDS
# (a limit raised by an operator applies as fast as before). Sessions that go on are always
# asked about in Redis (their live lease admits them whatever the rate). The refusals are
# counted in the operators' per-minute stats by the renewer thread, each second.

_holds = _Marks()  # value: the refusal's reason
_held_counts: dict[tuple[str, str, str], int] = {}  # (merchant, mode, stats field) → refusals
_held_lock = threading.Lock()


def _hold(merchant: str, mode: str, pay_type: str, reason: str, retry_us: int) -> None:
    _holds.set(
        (merchant, mode, pay_type), min(retry_us / 1_000_000, settings.ADMISSION_LIMITS_TTL_SECONDS), reason
    )


def _held(merchant: str, mode: str, pay_type: str, limits: Limits) -> Decision | None:
    hold = _holds.get((merchant, mode, pay_type))
    if hold is None:
        return None
    remaining, reason = hold
    field = f"{int(time.time() // 60)}:refused:{pay_type}:{reason}"
    with _held_lock:
        _held_counts[(merchant, mode, field)] = _held_counts.get((merchant, mode, field), 0) + 1
    renewer.start()
    return Decision(False, reason, max(1, math.ceil(remaining)), None, 0, limits.window)


def flush_held_refusals() -> None:
    """Add the refusals decided from holds to the operators' per-minute stats in Redis."""
    global _held_counts
    with _held_lock:
        counts, _held_counts = _held_counts, {}
    if not counts:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for (merchant, mode, field), n in counts.items():
            pipe.hincrby(stats_key(merchant, mode), field, n)
            pipe.expire(stats_key(merchant, mode), 600)
        pipe.execute()
    except redis.RedisError:
        logger.warning("admission: could not count %d held refusals", sum(counts.values()))


def redis_admit(
    *,
    merchant: str,
    mode: str,
    pay_type: str,
    limits: Limits,
    session: str | None = None,
    new_session: str | None = None,
) -> Decision:
    """The check in Redis: one ``EVALSHA`` of the ADMIT script (redis-py's ``Script``, which
    loads the script again if Redis lost it). Raises ``redis.RedisError`` when Redis fails."""
    windows = window_keys(merchant, mode, pay_type, limits)
    window_args: list = [limits.window, int(limits.window_shadow)]
    reasons = ["window"]
    if limits.merchant_window:
        window_args += [limits.merchant_window, 0]
        reasons.append("merchant_window")
    cells = [f"adm:{{{merchant}}}:{mode}:rate:{pay_type}"]
    cell_args: list = [emission_interval_us(limits.rate), limits.burst, int(limits.rate_shadow)]
    reasons.append("rate")
    separate_global = bool(limits.global_rate) and settings.ADMISSION_REDIS_CLUSTER
    if limits.global_rate and not separate_global:
        cells.append(f"adm:global:{mode}:rate:{pay_type}")
        cell_args += [
            emission_interval_us(limits.global_rate),
            limits.global_burst or limits.global_rate,
            int(limits.global_shadow),
        ]
        reasons.append("global_rate")
    lease_id = session or new_session or _new_lease_id()
    minute = str(int(time.time() // 60))
    args = [
        lease_id,
        _working_ttl_ms(),
        len(windows),
        *window_args,
        len(cells),
        *cell_args,
        minute,
        pay_type,
        int(bool(session)),
        *reasons,
    ]
    answer = _script("admit")(keys=[*windows, *cells, stats_key(merchant, mode)], args=args)
    admitted, reason_index, retry_us, in_use, shadow, continued = answer
    if continued:
        return Decision(True, None, 0, Lease(lease_id, windows), int(in_use), limits.window, continued=True)
    shadow_reasons = tuple(
        reasons[int(i) - 1]
        for i in (shadow.decode() if isinstance(shadow, bytes) else shadow).split(",")
        if i
    )
    if not admitted:
        reason = reasons[int(reason_index) - 1]  # counted in the stats hash by the script itself
        retry = max(1, -(-int(retry_us) // 1_000_000)) if retry_us else 1
        if reason in ("rate", "global_rate") and int(retry_us) > 0:
            _hold(merchant, mode, pay_type, reason, int(retry_us))
        return Decision(False, reason, retry, None, int(in_use), limits.window, shadow=shadow_reasons)
    lease = Lease(lease_id, windows)
    if separate_global:
        from payments.admission.gcra import gcra_take

        result = gcra_take(
            redis_client(), f"adm:global:{mode}:rate:{pay_type}", rate_per_second=limits.global_rate,
            burst=limits.global_burst or int(limits.global_rate), shadow=limits.global_shadow,
        )  # fmt: skip
        if not result.allowed:
            lease.release()
            _count_refusal(merchant, mode, pay_type, "global_rate")
            return Decision(
                False, "global_rate", result.retry_after_seconds, None, int(in_use), limits.window
            )
    return Decision(True, None, 0, lease, int(in_use), limits.window, shadow=shadow_reasons)


def _count_refusal(merchant: str, mode: str, pay_type: str, reason: str) -> None:
    with contextlib.suppress(redis.RedisError):
        _script("refused")(
            keys=[stats_key(merchant, mode)], args=[str(int(time.time() // 60)), f"{pay_type}:{reason}"]
        )


def usage(*, merchant: str, mode: str, pay_types: list[str]) -> dict[str, int]:
    """Live leases per method for the operators' page (reaps expired leases)."""
    keys = [f"adm:{{{merchant}}}:{mode}:win:{pay_type}" for pay_type in pay_types]
    if not keys:
        return {}
    counts = _script("usage")(keys=keys, args=[])
    return {pay_type: int(count) for pay_type, count in zip(pay_types, counts, strict=True)}


def recent_stats(*, merchant: str, mode: str, minutes: int = 5) -> dict[str, int]:
    """Admitted/refused counts of the last ``minutes`` minutes."""
    # bytes: the client does not decode responses
    raw = cast("dict[bytes, bytes]", redis_client().hgetall(stats_key(merchant, mode)))
    first = int(time.time() // 60) - minutes + 1
    totals: dict[str, int] = {}
    for name, value in raw.items():
        minute, _, what = name.decode().partition(":")
        if int(minute) >= first:
            totals[what] = totals.get(what, 0) + int(value)
    return totals
