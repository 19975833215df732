"""Payments API benchmark: the product as in production (gunicorn, PostgreSQL, Redis), the card
acquirer simulator in its own gunicorn with zero latency.

Measured in the same run, on the same server, at a fixed concurrency (closed loop), each in
``--rounds`` short runs taken in turn with the others (a noisy neighbour hits them alike):
  * GET /v1/ping                      — a bare DRF endpoint (no auth, no database)
  * floor: register                   — the least a registration must do (``bench/floor.py``): one
                                        cached key lookup, one Redis script call, one INSERT …
                                        RETURNING in a transaction, a small JSON answer
  * POST /v1/payments                 — register
  * floor: register + execute         — the floor's register, then one HTTP call to the acquirer
                                        simulator and a second transaction
  * POST /v1/payments + PUT …/{id}    — register + execute (card token, frictionless)
then, open loop at half the saturating rate: p50/p99 of register and of register+execute.

Goals (issue 17): register ≥ 80 % of its floor's requests/s, register+execute ≥ 50 % of its
floor; no figure worse than before (register 25.8 % and register+execute 5.9 % of the ping,
open-loop p99 6.8 / 25.4 ms at half saturation).

Under each saturation figure: the CPU time one request cost, split by who spent it (the
server's workers, the simulator, PostgreSQL, Redis, and the rest of the machine: the load
generator and the kernel). On a machine where all of them share the cores, requests/s is
the cores divided by the "machine" figure, so the ratios are bounded by what PostgreSQL
alone spends on a registration's durable write.

The server runs ``bench.floor_settings`` (the product's settings plus the floor's URLs).

    .venv/bin/python bench/payments_api.py [--duration 12] [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AsyncClient,
    Client,
    CpuMeter,
    Result,
    async_open_loop,
    bench_env,
    closed_loop,
    gunicorn,
    machine_line,
    prepare_database,
)

DB = "portal_bench_payments"
VISA = "4111111111111111"
FLOOR = "/bench/floor/payments"  # bench/floor.py


def setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL", "PORTAL_ENV")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def make_merchant() -> tuple[str, object]:
    """An approved merchant whose contract limits never get in the way of this benchmark."""
    from django.test import override_settings

    from portal import services
    from portal.models import ApiKey, Contract, Mode
    from tests.support import make_merchant as create

    # The approval e-mail is kept in memory, not printed among the figures.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        shop = create(name="Bench Shop", approved=True, methods=["Card"])
    contract = Contract.objects.get(merchant=shop.merchant, pay_type="Card")
    services.contract_update(
        contract=contract,
        changes={"concurrency_window": 100_000, "rate_per_second": 100_000, "burst_factor": 5},
        actor=None,
    )
    return shop.keys[(Mode.TEST, ApiKey.Kind.SECRET)], shop.merchant


def make_tokens(merchant, count: int) -> list[str]:
    """``count`` card tokens, then fresh planner statistics, as a live database has for its
    tables (without them PostgreSQL may look a token up by merchant and filter thousands)."""
    from django.db import connection

    from payments.methods.card.tokens import token_create

    tokens = [
        token_create(
            merchant=merchant,
            mode="test",
            card_no=VISA,
            expire="3012",
            holder_name="BENCH",
            security_code="123",
        ).raw
        for _ in range(count)
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tokens


# Operations (built in each client process): blocking ones for the closed loops, async ones for
# the open loop (one uvloop client per process: see bench.common.async_open_loop_worker).
def register_op_async(arg, session):
    client = AsyncClient(session, arg["url"], arg["key"])
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "1000"}

    async def op() -> int:
        return (await client.call("POST", "/v1/payments", body))[0]

    return op


def register_execute_op_async(arg, session):
    client = AsyncClient(session, arg["url"], arg["key"])
    tokens = iter(arg["tokens"])

    async def op() -> int:
        status, payment = await client.call(
            "POST", "/v1/payments", {"pay_type": "Card", "job_code": "CAPTURE", "amount": "1000"}
        )
        if status != 200:
            return status
        body = {"pay_type": "Card", "access_id": payment["access_id"], "token": next(tokens), "method": "1"}
        return (await client.call("PUT", f"/v1/payments/{payment['id']}", body))[0]

    return op


def ping_op(arg):
    client = Client(arg["url"])
    return lambda: client.call("GET", "/v1/ping")[0]


def register_op(arg, prefix: str = "/v1/payments"):
    client = Client(arg["url"], arg["key"])
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "1000"}
    return lambda: client.call("POST", prefix, body)[0]


def register_execute_op(arg, prefix: str = "/v1/payments"):
    client = Client(arg["url"], arg["key"])
    tokens = iter(arg.get("tokens") or ())  # the floor takes no token

    def op() -> int:
        status, payment = client.call(
            "POST", prefix, {"pay_type": "Card", "job_code": "CAPTURE", "amount": "1000"}
        )
        if status != 200:
            return status
        body = {
            "pay_type": "Card",
            "access_id": payment["access_id"],
            "token": next(tokens, "-"),
            "method": "1",
        }
        return client.call("PUT", f"{prefix}/{payment['id']}", body)[0]

    return op


def floor_register_op(arg):
    return register_op(arg, FLOOR)


def floor_register_execute_op(arg):
    return register_execute_op(arg, FLOOR)


def create_floor_table() -> None:
    from django.db import connection

    from bench.floor import CREATE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (closed loop)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--rounds", type=int, default=3, help="short runs per measurement, taken in turn with the others"
    )
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-payments-"))
    base = bench_env(DB, redis_db=7)
    prepare_database(base)
    setup_django(base)
    create_floor_table()
    key, merchant = make_merchant()

    simulator = gunicorn(base, workers=1, threads=16, log=logs / "acquirer.log")
    env = bench_env(
        DB,
        redis_db=7,
        ACQUIRER_SIMULATOR_URL=f"{simulator.url}/simulators/acquirer",
        DJANGO_SETTINGS_MODULE="bench.floor_settings",
    )
    server = gunicorn(env, workers=args.workers, threads=args.threads, log=logs / "server.log")
    print(machine_line())
    print(
        f"server: gunicorn {args.workers} workers × {args.threads} threads (gthread), PostgreSQL, Redis; "
        f"acquirer simulator: own gunicorn, zero latency; {args.concurrency} concurrent clients; "
        f"{args.duration:.0f} s per run; logs in {logs}\n"
    )
    try:
        clients = [{"url": server.url, "key": key} for _ in range(args.concurrency)]
        # Warm up (connections, caches, JIT-less Python imports).
        closed_loop("warm-up", register_op, clients[:4], duration=2)
        closed_loop("warm-up", floor_register_op, clients[:4], duration=1)

        groups = {"server": [server], "simulator": [simulator]}
        round_seconds = args.duration / args.rounds

        def with_tokens(rate: float) -> list[dict]:
            per_client = int(rate * round_seconds / args.concurrency) + 200
            tokens = make_tokens(merchant, per_client * args.concurrency)
            return [
                {**c, "tokens": tokens[i * per_client : (i + 1) * per_client]} for i, c in enumerate(clients)
            ]

        # Each measurement runs in ``rounds`` short runs, taken in turn with the others, so that
        # a burst of noise on a shared machine falls on the product and its floor alike.
        runs = [
            ("GET /v1/ping (bare DRF)", ping_op, lambda: clients),
            ("floor: register", floor_register_op, lambda: clients),
            ("POST /v1/payments (register)", register_op, lambda: clients),
            ("floor: register + execute", floor_register_execute_op, lambda: clients),
            ("register + execute (card)", register_execute_op, lambda: with_tokens(totals[2][0].rate or 500)),
        ]
        totals = [(Result(name, 0, 0.0), CpuMeter(groups)) for name, _, _ in runs]
        by_round: list[list[float]] = []
        for _ in range(args.rounds):
            rates = []
            for (name, op, setup), (total, meter) in zip(runs, totals, strict=True):
                setup_args = setup()
                with CpuMeter(groups) as cpu:
                    result = closed_loop(name, op, setup_args, duration=round_seconds)
                total.add(result)
                meter.spent = {k: meter.spent.get(k, 0.0) + v for k, v in cpu.spent.items()}
                rates.append(result.rate)
            by_round.append(rates)
        hello, floor, register, floor_both, both = totals

        print("Saturation (closed loop):")
        for result, cpu in (hello, floor, register, floor_both, both):
            print("  " + result.row())
            print("      " + cpu.per_request(result.ops))
        register_floor = register[0].rate / floor[0].rate
        both_floor = both[0].rate / floor_both[0].rate
        each = ", ".join(f"{r[2] / r[1]:.0%}" for r in by_round)
        each_both = ", ".join(f"{r[4] / r[3]:.0%}" for r in by_round)
        print(
            f"\n  register / its floor                 = {register_floor:6.1%}   (goal ≥ 80 %; rounds {each})"
        )
        print(
            f"  register+execute / its floor         = {both_floor:6.1%}   (goal ≥ 50 %; rounds {each_both})"
        )
        print(
            f"  register / ping                      = {register[0].rate / hello[0].rate:6.1%}   (before: 25.8 %)"
        )
        print(
            f"  register+execute / ping              = {both[0].rate / hello[0].rate:6.1%}   (before: 5.9 %)"
        )
        print(f"  floor register / ping                = {floor[0].rate / hello[0].rate:6.1%}")
        print(f"  floor register+execute / ping        = {floor_both[0].rate / hello[0].rate:6.1%}")

        print("\nOpen loop at half the saturating rate:")
        half_register = async_open_loop(
            f"register @ {register[0].rate / 2:.0f}/s",
            register_op_async,
            clients[:2],
            rate=register[0].rate / 2,
            duration=args.duration,
        )
        per_client = int(both[0].rate / 2 * args.duration / 2) + 200
        tokens = make_tokens(merchant, per_client * 2)
        half_both = async_open_loop(
            f"register+execute @ {both[0].rate / 2:.0f}/s",
            register_execute_op_async,
            [{**clients[0], "tokens": tokens[:per_client]}, {**clients[1], "tokens": tokens[per_client:]}],
            rate=both[0].rate / 2,
            duration=args.duration,
        )
        for result in (half_register, half_both):
            print("  " + result.row())
        print("  (before: p99 6.8 / 25.4 ms)")
        ok = register_floor >= 0.8 and both_floor >= 0.5
        print(f"\nFloor goals met: {'yes' if ok else 'no'}")
    finally:
        server.stop()
        simulator.stop()


if __name__ == "__main__":
    main()
