"""The request log's cost: the middleware's work per request, and the writer's COPY.

* per request: ``RequestLogMiddleware`` around a view that returns a ready response, on an
  API request (an ``ApiPrincipal`` on it, as after authentication), minus the same call with
  ``REQUEST_LOG_ENABLED = False``: what logging adds to a request (the append to the buffer);
* flush: ``request_log_flush()`` of ``--rows`` queued rows (masking, one ``COPY``), rows/s.

Needs a migrated database (``DATABASE_URL``; ``--prepare`` drops, creates and migrates it):

    PORTAL_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_request_log \\
        .venv/bin/python -m bench.request_log --prepare

The rows it writes are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def _request():
    from django.test import RequestFactory

    from portal.api.authentication import ApiPrincipal
    from portal.models import ApiKey, Merchant

    request = RequestFactory().get(
        "/v1/payments/o_0123456789abcdef", HTTP_USER_AGENT="bench/1.0 (shop plugin)"
    )
    request.request_id = "bench-" + os.urandom(8).hex()
    request.client_address = "203.0.113.7"
    merchant = Merchant(public_id="mc_bench")
    request.user = ApiPrincipal(ApiKey(merchant=merchant, mode="test", kind=ApiKey.Kind.SECRET))
    return request


def _per_call_us(middleware, request, calls: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(calls):
        middleware(request)
    return (time.perf_counter_ns() - started) / calls / 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="requests per round (flushed at its end)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prepare", action="store_true", help="drop, create and migrate DATABASE_URL first")
    args = parser.parse_args()
    if args.prepare:
        from bench.common import prepare_database

        prepare_database(dict(os.environ))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.http import HttpResponse
    from django.test import override_settings

    from exports.models import RequestLog
    from exports.request_logs import RequestLogMiddleware, request_log_dropped, request_log_flush

    # No writer thread: this script flushes. (override_settings: the module reads its settings
    # once, and again when they change.)
    override_settings(REQUEST_LOG_FLUSH_SECONDS=0, REQUEST_LOG_BUFFER_ROWS=args.rows).enable()
    response = HttpResponse(
        b'{"id":"o_0123456789abcdef","status":"CAPTURED"}', content_type="application/json"
    )
    middleware = RequestLogMiddleware(lambda request: response)
    request = _request()

    off, on, flush = [], [], []
    for _ in range(args.rounds):
        with override_settings(REQUEST_LOG_ENABLED=False):
            off.append(_per_call_us(middleware, request, args.rows))
        with override_settings(REQUEST_LOG_ENABLED=True):
            on.append(_per_call_us(middleware, request, args.rows))
        started = time.perf_counter()
        written = request_log_flush()
        flush.append(written / (time.perf_counter() - started))
        assert written == args.rows, written
    assert request_log_dropped() == 0
    deleted, _ = RequestLog.objects.filter(request_id=request.request_id).delete()

    cost = [b - a for a, b in zip(off, on, strict=True)]
    print(
        f"middleware, logging off: {statistics.median(off):.2f} µs/request (median of {args.rounds} rounds)"
    )
    print(f"middleware, logging on:  {statistics.median(on):.2f} µs/request")
    print(f"request log's cost on the request path: {statistics.median(cost):.2f} µs/request")
    print(
        f"flush of {args.rows:,} rows (mask + one COPY): {statistics.median(flush):,.0f} rows/s "
        f"({args.rows / statistics.median(flush) * 1000:.0f} ms); {deleted:,} bench rows deleted"
    )


if __name__ == "__main__":
    main()
