"""Burst benchmark (issue 5): one merchant at 100× its normal rate must not slow the others down.

Production-style stack: gunicorn (gthread), PostgreSQL, Redis, and the card acquirer
simulator in its own gunicorn with ~200 ms latency, so that payment sessions overlap.
Each payment is ``POST /v1/payments`` then ``PUT /v1/payments/{id}`` (card, frictionless).

Open loop (arrivals at a fixed rate, whatever the latency):
  phase 1: merchants B and C at their normal rate (the baseline);
  phase 2: merchant A at 100× its normal rate, B and C as before.
A sampler reads A's live window in Redis every few milliseconds.

Then, separately, the cost of the check itself: register latency with admission
control on vs off (same Redis), one request at a time, and the bare ``admit()`` call.

    .venv/bin/python bench/burst.py [--duration 60] [--normal 2] [--window 10] [--workers 4 --threads 16]

Refusals are timed twice: by the client (from the moment the request was due: what a buyer's
server would see, including the load generator's and the kernel's share of the shared cores)
and by the server (gunicorn's access log: from reading the request to writing the answer's
last byte). The server's access log is on, as in production.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    _result,
    async_open_loop_worker,
    bench_env,
    gunicorn,
    machine_line,
    percentile,
    prepare_database,
    run_concurrently,
)
from bench.payments_api import make_tokens, register_execute_op_async, register_op, setup_django

DB = "portal_bench_burst"
REDIS_DB = 6


def drive(arg, rate: float, duration: float, start_at: float, connections: int = 64):
    """One client process offering ``rate`` payments/s, open loop (asyncio: see bench.common)."""
    return async_open_loop_worker((register_execute_op_async, arg, rate, duration, start_at, connections))


def sample_windows(redis_url: str, keys: list[str], until: float) -> dict[str, int]:
    import redis

    r = redis.Redis.from_url(redis_url)
    peaks = dict.fromkeys(keys, 0)
    while time.time() < until:
        now_ms = int(time.time() * 1000)
        pipe = r.pipeline(transaction=False)
        for key in keys:
            pipe.zcount(key, now_ms, "+inf")
        for key, count in zip(keys, pipe.execute(), strict=True):
            peaks[key] = max(peaks[key], count)
        time.sleep(0.003)
    return peaks


def make_merchants(window: int, normal: int, factor: int) -> dict[str, dict]:
    from portal import services
    from portal.models import ApiKey, Contract, Mode
    from tests.support import make_merchant, make_user

    merchants = {}
    for name in ("A", "B", "C", "D"):
        shop = make_merchant(
            name=f"Merchant {name}", methods=["Card"], owner=make_user(email=f"{name.lower()}@burst.example")
        )
        contract = Contract.objects.get(merchant=shop.merchant, pay_type="Card")
        limits = {"concurrency_window": window, "rate_per_second": normal, "burst_factor": factor}
        if name == "D":  # for measuring the check's own cost: limits that never refuse
            limits = {"concurrency_window": 100_000, "rate_per_second": 100_000, "burst_factor": 1}
        services.contract_update(contract=contract, changes=limits, actor=None)
        merchants[name] = {"merchant": shop.merchant, "key": shop.keys[(Mode.TEST, ApiKey.Kind.SECRET)]}
    return merchants


def summarise(name: str, samples, sent: int, window: int | None, peak: int | None) -> dict:
    result = _result(name, 1, samples)
    admitted = result.by_status.get(200, [])
    rejected = result.by_status.get(429, [])
    return {
        "name": name,
        "offered": sent,
        "admitted": len(admitted),
        "rejected": len(rejected),
        "other": sum(count for status, count in result.statuses.items() if status not in (200, 429)),
        "other_statuses": {s: n for s, n in result.statuses.items() if s not in (200, 429)},  # 0: no answer
        "peak": peak,
        "window": window,
        "adm_p50": percentile(admitted, 50),
        "adm_p99": percentile(admitted, 99),
        "rej_p50": percentile(rejected, 50),
        "rej_p99": percentile(rejected, 99),
    }


def server_side_ms(access_log: Path, status: str) -> list[float]:
    """Durations (ms) of the answers with ``status`` in gunicorn's access log (``%(s)s %(D)s``)."""
    durations = []
    with access_log.open() as lines:
        for line in lines:
            fields = line.split()
            if len(fields) == 2 and fields[0] == status and fields[1].isdigit():
                durations.append(int(fields[1]) / 1000)
    return durations


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(
        f"  {'merchant':<10}{'offered':>8}{'admitted':>9}{'rejected':>9}{'other':>6}  {'max in-flight/window':>20}"
        f"  {'admitted p50/p99 ms':>20}  {'rejected p50/p99 ms':>20}"
    )
    for r in rows:
        inflight = f"{r['peak']}/{r['window']}" if r["peak"] is not None else "-"
        rej = f"{r['rej_p50']:.1f} / {r['rej_p99']:.1f}" if r["rejected"] else "-"
        print(
            f"  {r['name']:<10}{r['offered']:>8}{r['admitted']:>9}{r['rejected']:>9}{r['other']:>6}  {inflight:>20}"
            f"  {r['adm_p50']:>8.1f} / {r['adm_p99']:<9.1f}  {rej:>20}"
            + (f"  other statuses: {r['other_statuses']}" if r["other"] else "")
        )


def check_overhead(env: dict, logs: Path, merchant_key: str, seconds: float = 10.0, n: int = 600) -> None:
    """Register latency with admission on vs off (same Redis, same database), and the bare admit().

    A server with admission control and one without answer the requests of one client in turn
    (on, off, on, off, …): both see the same moments of a shared machine, so the difference
    is the check's, not the drift between runs measured one after the other.
    """
    from payments.admission import controller
    from portal.models import Merchant

    print("\nCost of the check itself (one request at a time, in turn to each server):")
    variants = {
        "on": {"ADMISSION_ENABLED": "true"},
        "off": {"ADMISSION_ENABLED": "false"},
    }
    servers = {
        name: gunicorn({**env, **extra}, workers=1, threads=2, log=logs / f"overhead-{i}.log")
        for i, (name, extra) in enumerate(variants.items())
    }
    try:
        ops = {
            name: register_op({"url": server.url, "key": merchant_key}) for name, server in servers.items()
        }
        timings: dict[str, list[float]] = {name: [] for name in servers}
        statuses: dict[str, set[int]] = {name: set() for name in servers}
        warm_until = time.monotonic() + 2
        end = warm_until + seconds
        while time.monotonic() < end:
            for name, op in ops.items():
                started = time.perf_counter()
                status = op()
                if time.monotonic() > warm_until:
                    timings[name].append((time.perf_counter() - started) * 1000)
                    statuses[name].add(status)
    finally:
        for server in servers.values():
            server.stop()
    off = timings["off"]
    for name, values in timings.items():
        print(
            f"  register, admission {name:<4} p50 {percentile(values, 50):6.2f} ms   "
            f"p99 {percentile(values, 99):6.2f} ms   n={len(values)} statuses={sorted(statuses[name])}"
        )
    on = timings["on"]
    print(
        f"  difference: p50 {percentile(on, 50) - percentile(off, 50):+.2f} ms, "
        f"p99 {percentile(on, 99) - percentile(off, 99):+.2f} ms   (goal ≤ 0.3 / ≤ 1 ms)"
    )
    merchant = Merchant.objects.get(name="Merchant D")
    controller.reset()
    timings_admit = []
    for _ in range(n):
        started = time.perf_counter()
        decision = controller.admit(
            merchant=merchant.public_id, merchant_id=merchant.pk, mode="test", pay_type="Card"
        )
        timings_admit.append((time.perf_counter() - started) * 1000)
        if decision.lease:
            decision.lease.release()
    print(
        f"  admit() alone: p50 {percentile(timings_admit, 50):.3f} ms, p99 {percentile(timings_admit, 99):.3f} ms (n={n})"
    )


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """The merchants' terms and the server's size (shared with bench/burst_chaos.py)."""
    parser.add_argument("--normal", type=int, default=2, help="normal rate per merchant (payments/s)")
    parser.add_argument("--factor", type=int, default=5, help="burst factor: admitted up to factor × normal")
    parser.add_argument("--window", type=int, default=10, help="concurrency window per merchant")
    parser.add_argument("--latency", type=float, default=0.2, help="acquirer simulator latency (s)")
    # More processes than cores: a refusal should not wait behind other threads for the GIL.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # 60 s: B and C at 2/s give 120 payments a phase; with 40, "p99" is the single slowest one.
    parser.add_argument("--duration", type=float, default=60.0)
    add_load_arguments(parser)
    parser.add_argument("--a-processes", type=int, default=2, help="client processes offering A's burst")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    base = bench_env(DB, redis_db=REDIS_DB)
    prepare_database(base)
    setup_django(base)
    merchants = make_merchants(args.window, args.normal, args.factor)
    a_rate = 100 * args.normal
    warm_sessions = min(24, args.workers * args.threads)
    tokens_needed = {
        "A": int(args.normal * args.factor * args.duration * 2) + 50 * args.a_processes,  # split per process
        "B": int(args.normal * args.duration * 2.5) + 20,
        "C": int(args.normal * args.duration * 2.5) + 20,
        "D": int(warm_sessions / (args.latency + 0.03) * 3) + 100,  # warm-up: 3 s
    }
    tokens = {name: make_tokens(merchants[name]["merchant"], count) for name, count in tokens_needed.items()}

    simulator = gunicorn(
        {**base, "ACQUIRER_SIMULATOR_LATENCY": str(args.latency)},
        workers=2,
        threads=32,
        log=logs / "acquirer.log",
    )
    env = bench_env(DB, redis_db=REDIS_DB, ACQUIRER_SIMULATOR_URL=f"{simulator.url}/simulators/acquirer")
    access_log = logs / "server-access.log"
    server = gunicorn(
        {**env, "WEB_ACCESS_LOG": str(access_log), "GUNICORN_CMD_ARGS": "--access-logformat '%(s)s %(D)s'"},
        workers=args.workers,
        threads=args.threads,
        log=logs / "server.log",
    )
    print(machine_line())
    print(
        f"server: gunicorn {args.workers} workers × {args.threads} threads; acquirer latency {args.latency * 1000:.0f} ms; "
        f"each merchant: window {args.window}, normal {args.normal}/s, admitted up to {args.normal * args.factor}/s; "
        f"A offered {a_rate}/s (100×), B and C {args.normal}/s; {args.duration:.0f} s per phase; logs in {logs}"
    )
    window_key = "adm:{{{}}}:test:win:Card"
    keys = [window_key.format(merchants[name]["merchant"].public_id) for name in ("A", "B", "C")]
    redis_url = env["REDIS_URL"]
    try:
        args_of = {
            name: {"url": server.url, "key": merchants[name]["key"], "tokens": tokens[name]}
            for name in tokens
        }
        # Warm-up before anything is measured: server threads' first payments (their database
        # connections, imports, caches) at ~24 concurrent sessions (sessions last ~the simulator's
        # latency). Not every thread of a big server: each busy thread of the server and of the
        # simulator holds a PostgreSQL connection, and PostgreSQL's default max_connections is
        # 100. Merchant D has no limits.
        warm_rate = warm_sessions / (args.latency + 0.03)
        warm_at = time.time() + 1.0
        run_concurrently(
            [
                (drive, ({**args_of["D"], "tokens": tokens["D"][i::4]}, warm_rate / 4, 3.0, warm_at, 8))
                for i in range(4)
            ]
        )

        # Phase 1: B and C alone.
        start_at = time.time() + 1.5
        until = start_at + args.duration + 5
        phase1 = run_concurrently(
            [
                (drive, (args_of["B"], args.normal, args.duration, start_at, 8)),
                (drive, (args_of["C"], args.normal, args.duration, start_at, 8)),
                (sample_windows, (redis_url, keys, until)),
            ]
        )
        peaks1 = phase1[2]
        base_rows = [
            summarise(name, *phase1[i], args.window, peaks1[keys[i + 1]]) for i, name in enumerate(["B", "C"])
        ]
        print_table("Phase 1 — without A (baseline):", base_rows)

        # Phase 2: A bursts at 100×, B and C unchanged.
        for name in ("B", "C"):
            args_of[name] = {**args_of[name], "tokens": tokens[name][int(args.normal * args.duration) + 10 :]}
        start_at = time.time() + 1.5
        until = start_at + args.duration + 5
        # A's burst from a couple of client processes (each an asyncio loop; one would do, two
        # keep a client's own pauses out of the tail).
        parts = args.a_processes
        a_tokens = tokens["A"]
        a_jobs = [
            (
                drive,
                (
                    {**args_of["A"], "tokens": a_tokens[i::parts]},
                    a_rate / parts,
                    args.duration,
                    start_at,
                ),
            )
            for i in range(parts)
        ]
        phase2 = run_concurrently(
            [
                *a_jobs,
                (drive, (args_of["B"], args.normal, args.duration, start_at, 8)),
                (drive, (args_of["C"], args.normal, args.duration, start_at, 8)),
                (sample_windows, (redis_url, keys, until)),
            ]
        )
        a_samples = [sample for samples, _sent in phase2[:parts] for sample in samples]
        a_sent = sum(sent for _samples, sent in phase2[:parts])
        phase2 = [(a_samples, a_sent), *phase2[parts:]]
        peaks2 = phase2[3]
        rows = [
            summarise(name, *phase2[i], args.window, peaks2[keys[i]])
            for i, name in enumerate(["A", "B", "C"])
        ]
        print_table("Phase 2 — A at 100× its normal rate:", rows)

        a, b, c = rows
        print("\nGoals:")
        print(
            f"  A's in-flight never above its window: {a['peak']} ≤ {args.window}: {'yes' if a['peak'] <= args.window else 'NO'}"
        )
        served = server_side_ms(access_log, status="429")
        print(
            f"  A's rejections answered fast: p99 {a['rej_p99']:.1f} ms at the client, "
            f"{percentile(served, 99):.1f} ms in the server (p50 {percentile(served, 50):.1f}, n={len(served)}) "
            "(goal ≤ 5 ms)"
        )
        for now, before in ((b, base_rows[0]), (c, base_rows[1])):
            change = now["adm_p99"] / before["adm_p99"] - 1
            print(
                f"  {now['name']}'s p99 {before['adm_p99']:.1f} → {now['adm_p99']:.1f} ms ({change:+.0%}, goal within +20 %)"
            )
        check_overhead(env, logs, merchants["D"]["key"])
    finally:
        server.stop()
        simulator.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
