"""Reporting reads from a PostgreSQL streaming replica, with read-your-writes on the primary.

``reporting_db()`` names the database alias a report (the merchant overview, the payments
list and its CSV export, the budgets dashboards) reads from:

- ``"default"`` (the primary) when no replica is configured (``DATABASE_REPLICA_URL``): then
  nothing here runs a query, and ``ReadYourWritesMiddleware`` is not even installed;
- ``"default"`` when the replica is unreachable, or lags more than
  ``REPLICA_MAX_LAG_SECONDS`` (measured on the replica, cached ``REPLICA_STATUS_SECONDS``
  per process; an unreachable replica is not asked again for ``REPLICA_RETRY_SECONDS``);
- ``"default"`` when this web session wrote something the replica has not replayed yet:
  after a successful unsafe request (POST/PUT/PATCH/DELETE answered < 400) by a signed-in
  session, the middleware stores the primary's WAL position (``pg_current_wal_lsn()``) in the
  session; while the replica's ``pg_last_wal_replay_lsn()`` is behind it, that session reads
  the primary. The token is dropped once the replica has it. Exact, no guessed delays.
- otherwise ``"replica"``.

A request decides once: every report of one page reads from the same database. The merchant
API (``/v1/…``, keys not sessions) is exempt and pays nothing. Writes never go to the replica:
only selectors of reports call ``reporting_db()``, and only for reads.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

from portal.middleware import is_api_path

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
SESSION_KEY = "_replica_wal_lsn"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Lag as PostgreSQL's documentation measures it on a standby: 0 when it has replayed all it
# received, else the age of the last transaction it replayed. Not in recovery (the replica alias
# names the primary itself, as in tests with TEST MIRROR): no lag, nothing to wait for.
_STATUS_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def lsn_int(text: str) -> int:
    """A ``pg_lsn`` (``'16/B374D848'``) as an integer, for comparisons."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class ReplicaStatus:
    usable: bool  # reachable, and lagging no more than REPLICA_MAX_LAG_SECONDS
    replay_lsn: int | None  # None: not a standby (has everything) or unknown
    lag: float | None
    at: float  # time.monotonic() of the check

    def has(self, lsn: int) -> bool:
        return self.usable and (self.replay_lsn is None or self.replay_lsn >= lsn)


_status: ReplicaStatus | None = None  # this process's last check (one tuple, swapped whole)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's state, checked at most every ``REPLICA_STATUS_SECONDS`` unless ``fresh``."""
    global _status
    now = time.monotonic()
    cached = _status
    if cached is not None:
        ttl = settings.REPLICA_STATUS_SECONDS if cached.lag is not None else settings.REPLICA_RETRY_SECONDS
        if now - cached.at < ttl and (not fresh or cached.lag is None):
            return cached
    _status = _check(now)
    return _status


def _check(now: float) -> ReplicaStatus:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_STATUS_SQL)
            in_recovery, replay, lag = cursor.fetchone()
    except DatabaseError:
        logger.warning("replica unavailable: reporting reads use the primary", exc_info=True)
        connection.close()  # reconnect on the next check, not reuse a broken connection
        return ReplicaStatus(usable=False, replay_lsn=None, lag=None, at=now)
    if not in_recovery:
        return ReplicaStatus(usable=True, replay_lsn=None, lag=0.0, at=now)
    lag = float(lag) if lag is not None else float("inf")  # never replayed a transaction: unknown
    usable = replay is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
    if not usable:
        logger.info(
            "replica lags %.1f s (bound %s s): reporting reads use the primary",
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
        )
    return ReplicaStatus(usable=usable, replay_lsn=lsn_int(replay) if replay else None, lag=lag, at=now)


@dataclass
class _Request:
    """One web request's read-your-writes token and, once decided, the alias its reports read."""

    token: int | None = None
    alias: str | None = None


_request: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("replica_request", default=None)


def reporting_db() -> str:
    """The alias reporting reads use now: ``"replica"`` or ``"default"`` (see the module's doc)."""
    if not replica_configured():
        return PRIMARY
    current = _request.get()
    if current is not None and current.alias is not None:
        return current.alias
    alias = _decide(current.token if current is not None else None)
    if current is not None:
        current.alias = alias
        if alias == REPLICA:
            current.token = None  # the replica has this session's writes: the session drops it
    return alias


def _decide(token: int | None) -> str:
    status = replica_status()
    if token is not None and status.usable and not status.has(token):
        status = replica_status(fresh=True)  # the cached position may just be older than needed
    if token is not None:
        return REPLICA if status.has(token) else PRIMARY
    return REPLICA if status.usable else PRIMARY


def primary_wal_lsn() -> str:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


class ReadYourWritesMiddleware:
    """After AuthenticationMiddleware. Not installed at all without a replica (no cost)."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path_info):
            return self.get_response(request)
        stored = request.session.get(SESSION_KEY)
        state = _Request(token=lsn_int(stored) if stored else None)
        reset = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(reset)
        if request.method in UNSAFE_METHODS and response.status_code < 400 and _signed_in(request):
            try:
                request.session[SESSION_KEY] = primary_wal_lsn()
            except DatabaseError:  # the answer is made; without a token reads stay possibly stale
                logger.warning("read-your-writes: no WAL position from the primary", exc_info=True)
        elif stored and state.token is None:
            del request.session[SESSION_KEY]
        return response

    def process_exception(self, request, exception):
        """A replica that went away mid-request (or cancelled a query that conflicted with replay):
        a safe request is answered again, from the primary; the replica is left alone for
        ``REPLICA_RETRY_SECONDS``. (A streamed answer, the CSV export, has started: not retried.)"""
        state = _request.get()
        if not (
            isinstance(exception, OperationalError | InterfaceError)  # the connection, a recovery conflict
            and state is not None
            and state.alias == REPLICA
            and request.method in ("GET", "HEAD")
        ):
            return None
        global _status
        _status = ReplicaStatus(usable=False, replay_lsn=None, lag=None, at=time.monotonic())
        connections[REPLICA].close()
        logger.warning("replica failed during %s: answered from the primary", request.path, exc_info=True)
        state.alias = PRIMARY
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
