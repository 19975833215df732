"""Burst with failures (issue 5): merchant A at 100× its normal rate, B and C at theirs, and in
the middle of it Redis stops (and comes back empty, as a restarted Redis without persistence
does), then a server process holding leases is killed (SIGKILL).

Same production-style stack as ``bench/burst.py`` (gunicorn, PostgreSQL, the card acquirer
simulator with ~200 ms latency), but the server's Redis is a ``redis-server`` of the
benchmark's own, so that it can be stopped. The simulator (the outside world) keeps the
machine's Redis.

Printed per period (by when each payment started) and merchant: offered, answered 200 / 429 /
503 / other, no answer at all, the slowest answer, and A's most leases in use vs its window
(read from Redis every few ms; nothing to read while it is down). Then A's admitted payments
and live leases second by second around the kill: the leases the killed process was working
on lapse after ``ADMISSION_WORKING_LEASE_TTL_SECONDS`` (sessions between two requests keep
theirs for ``ADMISSION_LEASE_TTL_SECONDS``: the buyer's, not the process's), and A's
throughput comes back. With ``--factor 25`` A's window, not its rate, is what refuses.

    .venv/bin/python bench/burst_chaos.py [--duration 45] [--redis-down 12 --redis-up 17 --kill 25]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.burst import add_load_arguments, make_merchants
from bench.common import (
    AsyncClient,
    _async_open_loop,
    bench_env,
    free_port,
    gunicorn,
    machine_line,
    percentile,
    prepare_database,
    run_concurrently,
)
from bench.payments_api import make_tokens, setup_django

DB = "portal_bench_chaos"
SIMULATOR_REDIS_DB = 5


class PrivateRedis:
    """A redis-server of the benchmark's own (no persistence: a restart starts it empty)."""

    def __init__(self, directory: Path, port: int | None = None):
        self.port, self.directory, self.process = port or free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def chaos_op(arg, session):
    """Register + execute one card payment; records (start, ms, status, error code) per payment."""
    client = AsyncClient(session, arg["url"], arg["key"])
    tokens = iter(arg["tokens"])
    records = arg["records"]

    async def op() -> int:
        started, status, code = time.time(), 0, ""
        try:
            status, payment = await client.call(
                "POST", "/v1/payments", {"pay_type": "Card", "job_code": "CAPTURE", "amount": "1000"}
            )
            if status == 200:
                body = {
                    "pay_type": "Card",
                    "access_id": payment["access_id"],
                    "token": next(tokens),
                    "method": "1",
                }
                status, payment = await client.call("PUT", f"/v1/payments/{payment['id']}", body)
            if status != 200:
                code = ",".join(e.get("error_code", "?") for e in payment.get("errors", [])) or "-"
        except Exception as exc:  # no answer: connection reset by a killed process, timeout
            code = type(exc).__name__
        records.append((started, (time.time() - started) * 1000, status, code))
        return status

    return op


def drive(arg, rate: float, duration: float, start_at: float, connections: int = 64):
    import uvloop

    arg = {**arg, "records": []}
    _samples, sent = uvloop.run(_async_open_loop(chaos_op, arg, rate, duration, start_at, connections))
    return arg["records"], sent


def sample_window(redis_url: str, key: str, until: float) -> list[tuple[float, int | None, float]]:
    """A's live leases every few ms (None while Redis does not answer), and how long reading took."""
    import redis

    r = redis.Redis.from_url(redis_url, socket_timeout=0.1, socket_connect_timeout=0.1)
    samples: list[tuple[float, int | None]] = []
    while time.time() < until:
        now = time.time()
        try:
            n = r.zcount(key, int(now * 1000), "+inf")
            samples.append((now, n, (time.time() - now) * 1000))
        except redis.RedisError:
            samples.append((now, None, 0))
            time.sleep(0.05)
        time.sleep(0.003)
    return samples


def workers_of(master_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def events(
    redis_port: int, logs: Path, master_pid: int, start_at: float, down: float, up: float, kill: float
):
    """The failures, at their times; returns what happened when."""
    redis_server = PrivateRedis(logs, redis_port)
    log: list[tuple[float, str]] = []

    def at(offset: float) -> None:
        delay = start_at + offset - time.time()
        if delay > 0:
            time.sleep(delay)

    at(down)
    subprocess.run(["pkill", "-KILL", "-f", f"redis-server 127.0.0.1:{redis_port}"], check=True)
    log.append((time.time(), "Redis stopped (SIGKILL)"))
    at(up)
    redis_server.start()
    log.append((time.time(), "Redis started again, empty"))
    at(kill)
    workers = workers_of(master_pid)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    log.append((time.time(), f"server process {victim} killed (SIGKILL), 1 of {len(workers)}"))
    return log


def period_table(records_of: dict[str, list], bounds: list[tuple[str, float, float]], window, peaks) -> None:
    print(
        f"\n  {'period':<24}{'merchant':<9}{'offered':>8}{'200':>6}{'429':>6}{'503':>6}{'other':>6}{'no answer':>10}"
        f"{'slowest ms':>11}{'429 p99':>9}   in-flight/window"
    )
    for label, start, end in bounds:
        for name, records in records_of.items():
            part = [r for r in records if start <= r[0] < end]
            statuses = [r[2] for r in part]
            refused = [r[1] for r in part if r[2] == 429]
            other = [r for r in part if r[2] not in (0, 200, 429, 503)]
            peak = ""
            if name == "A":
                seen = [n for t, n, _ in peaks if start <= t < end and n is not None]
                peak = f"{max(seen)}/{window}" if seen else f"-/{window} (Redis down)"
                slow = max((ms for t, n, ms in peaks if start <= t < end), default=0)
                peak += f"  (slowest Redis read {slow:.0f} ms)"
            print(
                f"  {label:<24}{name:<9}{len(part):>8}{statuses.count(200):>6}{statuses.count(429):>6}"
                f"{statuses.count(503):>6}{len(other):>6}{statuses.count(0):>10}"
                f"{max((r[1] for r in part), default=0):>11.0f}"
                f"{(percentile(refused, 99) if refused else 0):>9.1f}   {peak}"
            )
            if other:
                print(f"    other answers: {sorted({(r[2], r[3]) for r in other})}")
            if name == "A" and part:
                codes: dict[str, int] = {}
                for r in part:
                    if r[2] != 200:
                        codes[r[3]] = codes.get(r[3], 0) + 1
                admitted = [r[1] for r in part if r[2] == 200]
                print(f"    A: admitted p50 {percentile(admitted, 50):.0f} ms; not admitted: {codes}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=45.0)
    parser.add_argument("--redis-down", type=float, default=12.0, help="seconds into the burst: Redis stops")
    parser.add_argument("--redis-up", type=float, default=17.0, help="… and starts again, empty")
    parser.add_argument("--kill", type=float, default=25.0, help="… a server process is killed")
    add_load_arguments(parser)
    parser.add_argument("--failure-mode", default="open", choices=["open", "closed"])
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    own_redis = PrivateRedis(logs)
    own_redis.start()
    base = bench_env(DB, redis_db=0, REDIS_URL=own_redis.url)
    prepare_database(base)
    setup_django(base)
    merchants = make_merchants(args.window, args.normal, args.factor)
    a_rate = 100 * args.normal
    tokens = {
        "A": make_tokens(
            merchants["A"]["merchant"], int(args.normal * args.factor * args.duration * 2) + 100
        ),
        "B": make_tokens(merchants["B"]["merchant"], int(args.normal * args.duration * 1.5) + 20),
        "C": make_tokens(merchants["C"]["merchant"], int(args.normal * args.duration * 1.5) + 20),
        "D": make_tokens(merchants["D"]["merchant"], 400),
    }
    simulator_env = bench_env(DB, redis_db=SIMULATOR_REDIS_DB, ACQUIRER_SIMULATOR_LATENCY=str(args.latency))
    simulator = gunicorn(simulator_env, workers=2, threads=32, log=logs / "acquirer.log")
    env = {
        **base,
        "ACQUIRER_SIMULATOR_URL": f"{simulator.url}/simulators/acquirer",
        "ADMISSION_FAILURE_MODE": args.failure_mode,
    }
    server = gunicorn(env, workers=args.workers, threads=args.threads, log=logs / "server.log")
    from django.conf import settings

    print(machine_line())
    print(
        f"server: gunicorn {args.workers} workers × {args.threads} threads, its own Redis ({own_redis.url}); "
        f"failure mode {args.failure_mode}, fail-open share {settings.ADMISSION_FAIL_OPEN_SHARE}, "
        f"Redis timeout {settings.ADMISSION_REDIS_TIMEOUT * 1000:.0f} ms; "
        f"lease TTL {settings.ADMISSION_WORKING_LEASE_TTL_SECONDS:.0f} s while worked on, "
        f"{settings.ADMISSION_LEASE_TTL_SECONDS:.0f} s between requests; "
        f"each merchant: window {args.window}, admitted up to {args.normal * args.factor}/s; A offered {a_rate}/s, "
        f"B and C {args.normal}/s; logs in {logs}"
    )
    key_a = f"adm:{{{merchants['A']['merchant'].public_id}}}:test:win:Card"
    try:
        args_of = {name: {"url": server.url, "key": merchants[name]["key"]} for name in merchants}
        warm_at = time.time() + 1.0
        run_concurrently(
            [(drive, ({**args_of["D"], "tokens": tokens["D"][i::2]}, 40, 3.0, warm_at, 8)) for i in range(2)]
        )
        start_at = time.time() + 1.5
        until = start_at + args.duration + 5
        results = run_concurrently(
            [
                *[
                    (
                        drive,
                        ({**args_of["A"], "tokens": tokens["A"][i::2]}, a_rate / 2, args.duration, start_at),
                    )
                    for i in range(2)
                ],
                (drive, ({**args_of["B"], "tokens": tokens["B"]}, args.normal, args.duration, start_at, 8)),
                (drive, ({**args_of["C"], "tokens": tokens["C"]}, args.normal, args.duration, start_at, 8)),
                (sample_window, (own_redis.url, key_a, until)),
                (
                    events,
                    (
                        own_redis.port,
                        logs,
                        server.process.pid,
                        start_at,
                        args.redis_down,
                        args.redis_up,
                        args.kill,
                    ),
                ),
            ]
        )
        records_of = {"A": results[0][0] + results[1][0], "B": results[2][0], "C": results[3][0]}
        peaks, log = results[4], results[5]
        for when, what in log:
            print(f"  t={when - start_at:5.1f} s  {what}")
        down, up, killed = (when for when, _ in log)
        bounds = [
            ("before", start_at, down),
            ("Redis down", down, up),
            ("Redis back (first 2 s)", up, up + 2),
            ("Redis back", up + 2, killed),
            ("after the kill (2 s)", killed, killed + 2),
            ("after the kill", killed, start_at + args.duration + 1),
        ]
        period_table(records_of, bounds, args.window, peaks)
        print("\n  A around the kill, second by second: admitted payments / most live leases")
        line = []
        for second in range(int(killed - start_at) - 3, int(args.duration)):
            t0 = start_at + second
            admitted = sum(1 for r in records_of["A"] if t0 <= r[0] < t0 + 1 and r[2] == 200)
            seen = [n for t, n, _ in peaks if t0 <= t < t0 + 1 and n is not None]
            line.append(f"{second}s:{admitted}/{max(seen) if seen else '-'}")
        print("   " + "  ".join(line))
        slowest = max(r[1] for records in records_of.values() for r in records)
        print(f"\n  slowest answer of the run: {slowest:.0f} ms")
    finally:
        server.stop()
        simulator.stop()
        own_redis.kill()
        # The one the failures started again, in another process.
        subprocess.run(["pkill", "-f", f"redis-server 127.0.0.1:{own_redis.port}"], check=False)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
