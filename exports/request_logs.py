"""Request logs without a write on the request's path.

``RequestLogMiddleware`` appends one tuple per answered request to an in-process bounded
buffer (a ``deque``: no lock, no I/O, no formatting). One daemon thread per process, started
by the first request of that process (so a Gunicorn worker starts its own after the fork),
drains the buffer every ``REQUEST_LOG_FLUSH_SECONDS`` (sooner when ``FLUSH_ROWS`` are waiting)
with one ``COPY exports_requestlog … FROM STDIN`` on its own database connection (Django's
connections are per thread). Card numbers are masked and fields truncated there, off the
request's path. A full buffer drops the row and counts it (a warning at most every
``REQUEST_LOG_WARN_SECONDS``); the process's exit flushes what is left, best effort.

``REQUEST_LOG_FLUSH_SECONDS = 0`` starts no thread: rows wait for ``request_log_flush()``,
which writes them on the caller's connection (tests: inside the test's transaction).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db import close_old_connections, connections, transaction
from django.dispatch import receiver

from portal.logging import api_principal_of, redact_pans

logger = logging.getLogger(__name__)

FLUSH_ROWS = 500  # wake the writer when this many rows wait
COPY_ROWS = 10_000  # rows per COPY at most
COLUMNS = (
    "occurred_at", "duration_us", "request_id", "method", "path", "route", "status_code",
    "merchant_id", "key_mode", "client_address", "user_agent", "response_bytes",
)  # fmt: skip
COPY_SQL = f"COPY exports_requestlog ({', '.join(COLUMNS)}) FROM STDIN"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (time_ns at the start, perf_counter_ns duration, request id, method, path, route, status,
#  merchant public id, key mode, client address, user agent, response bytes): raw values.
Row = tuple

_buffer: deque[Row] = deque()
_wake = threading.Event()
_stop = threading.Event()
_start_lock = threading.Lock()
_state_lock = threading.Lock()
_writer: threading.Thread | None = None
_dropped = 0  # rows refused by a full buffer or lost by a failed COPY, since the process started
_reported = 0  # … of which a warning has told
_warned_at = _failed_at = float("-inf")


# The REQUEST_LOG_* settings, read once (an attribute of ``django.conf.settings`` costs about a
# microsecond to read, a third of the request's logging) and again when a test changes them.
_enabled = False
_buffer_rows = 0
_flush_seconds = 0.0
_warn_seconds = 60.0


def _configure() -> None:
    global _enabled, _buffer_rows, _flush_seconds, _warn_seconds
    _enabled = settings.REQUEST_LOG_ENABLED
    _buffer_rows = settings.REQUEST_LOG_BUFFER_ROWS
    _flush_seconds = settings.REQUEST_LOG_FLUSH_SECONDS
    _warn_seconds = settings.REQUEST_LOG_WARN_SECONDS


_configure()


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("REQUEST_LOG_"):
        _configure()


def request_log_dropped() -> int:
    """Rows dropped in this process since it started (full buffer or failed write)."""
    return _dropped


def request_log_pending() -> int:
    return len(_buffer)


def _count_dropped(rows: int) -> None:
    global _dropped
    with _state_lock:
        _dropped += rows


def request_log_append(row: Row) -> bool:
    """Queue one request's row; False (and counted) when the buffer is full. Never blocks."""
    if len(_buffer) >= _buffer_rows:
        _count_dropped(1)
        return False
    _buffer.append(row)
    if _writer is None and _flush_seconds > 0:
        _writer_start()
    if len(_buffer) >= FLUSH_ROWS and not _wake.is_set():  # is_set() takes no lock; set() does
        _wake.set()
    return True


def _text(value: str | None, limit: int) -> str | None:
    """Free text as stored: no NUL (PostgreSQL text cannot hold one), card numbers masked."""
    if not value:
        return None
    return redact_pans(value[: limit * 2].replace("\x00", ""))[:limit]


def _clean(row: Row) -> tuple:
    """The table's values of a raw row: times converted, free text masked and truncated."""
    (at_ns, duration_ns, request_id, method, path, route, status, merchant, mode, address, agent, size) = row
    return (
        EPOCH + timedelta(microseconds=at_ns // 1000),
        duration_ns // 1000,
        request_id[:128],
        _text(method, 16) or "",
        _text(path, 2000) or "",
        _text(route, 500),
        status,
        merchant,
        str(mode) if mode is not None else None,  # Mode is a str enum: its value, not its name
        _text(address, 64),
        _text(agent, 256),
        size,
    )


def _copy(rows: Iterable[Row], *, using: str = "default") -> None:
    # atomic: a failed COPY inside a caller's transaction (a test's) rolls back to a savepoint.
    with (
        transaction.atomic(using=using),
        connections[using].cursor() as cursor,
        cursor.copy(COPY_SQL) as copy,
    ):
        for row in rows:
            copy.write_row(_clean(row))


def _take(limit: int) -> list[Row]:
    rows: list[Row] = []
    try:
        while len(rows) < limit:
            rows.append(_buffer.popleft())
    except IndexError:
        pass
    return rows


def _warn_dropped() -> None:
    global _reported, _warned_at
    if _dropped > _reported and time.monotonic() - _warned_at >= _warn_seconds:
        logger.warning("request log: %s rows dropped (%s in all)", _dropped - _reported, _dropped)
        _reported, _warned_at = _dropped, time.monotonic()


def _log_failure(rows: int) -> None:
    """The write's exception, at most every ``REQUEST_LOG_WARN_SECONDS`` (a database that is
    down fails every second)."""
    global _failed_at
    if time.monotonic() - _failed_at >= _warn_seconds:
        _failed_at = time.monotonic()
        logger.exception("request log: a write failed, %s rows lost", rows)


def request_log_flush() -> int:
    """Write the queued rows now, on this thread's connection; returns how many were written.

    A failed write loses its batch (counted as dropped) and is logged, never raised: the
    caller is the writer thread, the process's exit, or a test.
    """
    written = 0
    while rows := _take(COPY_ROWS):
        try:
            _copy(rows)
        except Exception:
            _count_dropped(len(rows))
            _log_failure(len(rows))
            break
        written += len(rows)
    _warn_dropped()
    return written


def _writer_loop() -> None:
    while not _stop.is_set():
        _wake.wait(_flush_seconds or 1.0)
        _wake.clear()
        try:  # the thread must outlive any error, or the buffer would fill and drop for good
            close_old_connections()  # this thread's connection: reopened after an error or its max age
            request_log_flush()
        except Exception:
            _log_failure(0)
    request_log_flush()
    connections.close_all()


def _writer_start() -> None:
    global _writer
    with _start_lock:
        if _writer is None:
            thread = threading.Thread(target=_writer_loop, name="request-log-writer", daemon=True)
            thread.start()
            _writer = thread


def request_log_stop(timeout: float = 5.0) -> None:
    """Stop the writer thread after a last flush (at the process's exit)."""
    global _writer
    thread = _writer
    if thread is None:
        return
    _stop.set()
    _wake.set()
    thread.join(timeout)
    _writer = None
    _stop.clear()


def _after_fork_in_child() -> None:
    """A forked process (a Gunicorn worker) starts empty, without the parent's thread."""
    global _writer, _wake, _stop, _start_lock, _state_lock, _dropped, _reported
    _buffer.clear()
    _writer = None
    _wake, _stop = threading.Event(), threading.Event()
    _start_lock, _state_lock = threading.Lock(), threading.Lock()
    _dropped = _reported = 0


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(request_log_stop)


def _merchant_and_mode(request) -> tuple[str | None, str | None]:
    """The merchant a request acted for: an API key's (as the ECS logs find it) or a merchant
    page's (``request.membership``, merchant preloaded)."""
    principal = api_principal_of(request)
    if principal is not None:
        return principal.merchant.public_id, principal.mode
    membership = vars(request).get("membership")
    if membership is not None:
        return membership.merchant.public_id, None
    return None, None


class RequestLogMiddleware:
    """Outermost but for ``RequestIdMiddleware``: it times everything after it, sees refusals
    by the middleware after it, and reads what authentication left on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled:
            return self.get_response(request)
        at_ns = time.time_ns()
        started = time.perf_counter_ns()
        response = self.get_response(request)
        duration_ns = time.perf_counter_ns() - started
        attributes = vars(request)
        match = attributes.get("resolver_match")
        merchant, mode = _merchant_and_mode(request)
        request_log_append(
            (
                at_ns,
                duration_ns,
                attributes.get("request_id", ""),
                request.method or "",
                request.path,
                match.route if match is not None else None,
                response.status_code,
                merchant,
                mode,
                attributes.get("client_address"),
                request.META.get("HTTP_USER_AGENT"),
                None if response.streaming else len(response.content),
            )
        )
        return response
