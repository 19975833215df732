"""Credit-check benchmark: compiled rules vs a naive interpreter, the whole decision, and the HTTP API.

    .venv/bin/python bench/credit.py [--sizes 1000,5000,20000] [--rate 100] [--seconds 20]

For each generated rule set (1k / 5k / 20k rules over the registered features):

(a) rule evaluation alone, compiled (numpy) and through the naive interpreter loop;
(b) the whole decision in process — ``credit.services.credit_check_run``: Redis pipeline,
    PostgreSQL history and bureau document, similarity index, ML score, rules, policy, writes;
(c) ``POST /v1/credit/checks`` through gunicorn (2 × cores + 1 workers × 2 threads, DEBUG off) on PostgreSQL
    and Redis with a live key, open loop at ``--rate`` checks/s from separate client processes
    (after a 3 s warm-up at the same rate);

plus compile time and memory. Uses its own database (``BENCH_DATABASE_URL``, default
``…/portal_credit_bench``, created and migrated here) and Redis DBs 14 (data) and 15 (broker).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_credit_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.update(
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS,
    CELERY_BROKER_URL=BROKER,  # tasks are queued (as in production), not run inside the request
    PORTAL_ENV="development",
    DEBUG="false",
    DJANGO_SETTINGS_MODULE="portal.settings",
    PORTAL_VAR_DIR=str(ROOT / "var" / "bench"),
)

PREFECTURES = [
    "Tokyo",
    "Osaka",
    "Kanagawa",
    "Aichi",
    "Hokkaido",
    "Fukuoka",
    "Kyoto",
    "Hyogo",
    "Saitama",
    "Chiba",
]
DOMAINS = ["example.jp", "mail.example.com", "docomo.ne.jp", "ezweb.ne.jp", "gmail.com", "yahoo.co.jp"]
NUMERIC = {
    "order_amount": (500, 300_000), "item_count": (1, 20), "max_item_amount": (100, 200_000), "buyer_age": (16, 90),
    "order_hour": (0, 23), "phone_apps_1h": (1, 6), "phone_apps_24h": (1, 12), "email_apps_24h": (1, 12),
    "address_apps_30d": (1, 20), "device_apps_24h": (1, 15), "ip_apps_1h": (1, 10), "unpaid_amount": (0, 100_000),
    "overdue_count": (0, 4), "open_exposure": (0, 100_000), "days_since_first_seen": (0, 900),
    "bureau_score": (0, 999), "fraud_similarity": (0, 1), "ml_score": (0, 1),
}  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def gen_leaf(rng: random.Random) -> dict:
    r = rng.random()
    if r < 0.72:
        name = rng.choice(list(NUMERIC))
        low, high = NUMERIC[name]
        value = round(rng.uniform(low, high), 2) if high <= 1 else rng.randint(low, high)
        return {"feature": name, "op": rng.choice([">", ">=", "<", "<=", "==", "!="]), "value": value}
    if r < 0.84:
        return {
            "feature": "prefecture",
            "op": rng.choice(["in", "not_in"]),
            "value": rng.sample(PREFECTURES, 3),
        }
    if r < 0.92:
        return {
            "feature": "email_domain",
            "op": rng.choice(["==", "!=", "in"]),
            "value": rng.sample(DOMAINS, 2),
        }
    return {
        "feature": rng.choice(["shipping_differs", "in_blocklist"]),
        "op": "==",
        "value": rng.random() < 0.5,
    }


def gen_cond(rng: random.Random, depth: int = 0) -> dict:
    if depth < 2 and rng.random() < 0.45:
        kind = rng.choice(["all", "any", "all"])
        return {kind: [gen_cond(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    if depth > 0 and rng.random() < 0.08:
        return {"not": gen_leaf(rng)}
    return gen_leaf(rng)


def gen_rules(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rules = []
    for i in range(n):
        when = {"all": [gen_leaf(rng), gen_cond(rng, 1)]}
        action = rng.choices(["decline", "review", "score"], weights=[1, 2, 60])[0]
        if action != "score":  # hard rules are narrow: one more condition
            when["all"].append(gen_leaf(rng))
        rules.append({"id": f"G{i:05d}", "reason_code": f"RC{i % 97:02d}", "action": action,
                      "weight": rng.randint(1, 15) if action == "score" else 0, "when": when})  # fmt: skip
    # Keep the generator honest: equality/membership values must match the operator's shape.
    for r in rules:
        _fix_shapes(r["when"])
    return rules


def _fix_shapes(cond: dict) -> None:
    for key in ("all", "any"):
        for child in cond.get(key, []):
            _fix_shapes(child)
    if "not" in cond:
        _fix_shapes(cond["not"])
    if "op" in cond:
        if cond["op"] in ("in", "not_in") and not isinstance(cond["value"], list):
            cond["value"] = [cond["value"]]
        if cond["op"] not in ("in", "not_in") and isinstance(cond["value"], list):
            cond["value"] = cond["value"][0]


def gen_applicant(rng: random.Random, buyers: int) -> dict:
    b = rng.randrange(buyers)
    postal = rng.choice(["100-0001", "530-0001", "060-0001", "460-0008", "810-0001", "220-0011"])
    body = {
        "order_id": f"o_{rng.getrandbits(40):x}",
        "amount": rng.randint(500, 60_000),
        "buyer": {
            "name": f"山田 太郎{b}", "name_kana": "ヤマダ タロウ", "email": f"buyer{b}@{rng.choice(DOMAINS)}",
            "phone": f"090{b:08d}", "postal_code": postal, "address": f"東京都千代田区千代田{b % 50}-{b % 7}",
            "birth_date": date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        },
        "items": [{"name": "item", "price": rng.randint(100, 20_000), "quantity": rng.randint(1, 3)}],
        "device": {"fingerprint": f"fp{b % 5000}", "ip": f"203.0.{b % 250}.{rng.randint(1, 250)}"},
    }  # fmt: skip
    if rng.random() < 0.15:
        body["shipping"] = {"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}
    return body


def setup_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--evals", type=int, default=3000)
    parser.add_argument("--decisions", type=int, default=600)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    setup_database()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)

    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from credit import engine, ml, services
    from credit.api.views import CheckRequestSerializer
    from credit.models import CreditCheck, KnownFraud, ScoreModel, Slot
    from credit.reference import matching_rule_ids
    from credit.rules import parse_rule_file
    from portal import services as portal_services
    from portal.models import ApiKey, Merchant, Mode
    from portal.redis import get_redis

    get_redis().flushdb()
    import redis as redis_lib

    redis_lib.Redis.from_url(BROKER).flushdb()
    with connection.cursor() as cursor:  # a clean slate of credit data for comparable figures
        cursor.execute(
            "TRUNCATE credit_shadowdecision, credit_exposure, credit_backtest, credit_creditcheck, "
            "credit_bureaureport, credit_buyer, credit_knownfraud CASCADE"
        )
    merchant = Merchant.objects.filter(name="Bench Shop").first()
    if merchant is None:
        owner = portal_services.user_signup(email=f"bench{time.time_ns()}@example.com", password="bench-password-123",
                                            merchant_name="Bench Shop").user  # fmt: skip
        merchant = Merchant.objects.get(memberships__user=owner)
        portal_services.application_fast_track(
            application=merchant.application, pay_types=["Bnpl"], actor=None
        )
    # (c) calls as a merchant's production traffic does, with a live key: a test-mode answer
    # also carries every matching rule id and the feature snapshot for developers
    # (CREDIT_EXPLAIN_TEST_MODE) — about 4,300 rule ids per answer with the 20,000 rules here.
    key = portal_services.api_key_create(
        merchant=merchant, mode=Mode.LIVE, kind=ApiKey.Kind.SECRET, actor=None
    ).raw

    if not ScoreModel.objects.filter(slot=Slot.LIVE).exists():
        trained = ml.train(samples=20_000, seed=1)
        model = services.score_model_register(trained=trained, actor=None)
        services.score_model_activate(model=model, slot=Slot.LIVE, actor=None)
    rng = random.Random(42)
    KnownFraud.objects.bulk_create(
        [KnownFraud(kind=k, text=f"{'詐欺 太郎' if k == 'name' else '大阪府大阪市浪速区'}{i}") for i in range(1000) for k in ("name", "address")]
    )  # fmt: skip
    services.deployment_publish()
    applicants = [gen_applicant(rng, buyers=3000) for _ in range(5000)]
    inputs = []
    for body in applicants[: args.decisions + 50]:
        serializer = CheckRequestSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        inputs.append(serializer.to_input())

    results = {"machine": f"{os.cpu_count()} CPU cores, shared with other sessions", "sizes": {}}
    for size in [int(s) for s in args.sizes.split(",")]:
        doc = {
            "note": f"bench {size}",
            "policy": {"review_at": 150, "decline_at": 400},
            "rules": gen_rules(size, seed=size),
        }
        parsed = parse_rule_file(doc)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        compiled = engine.build(0, parsed.rules, {}, measure_memory=True)
        row: dict = {
            "compile_ms": round(compiled.compile_seconds * 1000, 1),
            "compile_peak_mb": round(compiled.memory_bytes / 1e6, 1),
            "distinct_conditions": compiled.rules.stats["leaves"],
            "inner_nodes": compiled.rules.stats["inner_nodes"],
        }
        # (a) rule evaluation alone, on feature snapshots of realistic checks
        features = []
        frng = random.Random(size)
        for _ in range(200):
            snap = services.feature_defaults()
            for name, (low, high) in NUMERIC.items():
                snap[name] = round(frng.uniform(low, high), 3) if high <= 1 else frng.randint(low, high)
            snap.update(prefecture=frng.choice(PREFECTURES), email_domain=frng.choice(DOMAINS),
                        shipping_differs=frng.random() < 0.2, in_blocklist=frng.random() < 0.02)  # fmt: skip
            features.append(snap)
        timings = []
        for i in range(args.evals):
            snap = features[i % len(features)]
            t = time.perf_counter()
            compiled.rules.hits(snap)  # (a) is rule evaluation alone; (b) includes the policy
            timings.append(time.perf_counter() - t)
        row["a_compiled_p50_ms"] = round(percentile(timings, 50) * 1000, 3)
        row["a_compiled_p99_ms"] = round(percentile(timings, 99) * 1000, 3)
        naive = []
        for snap in features[:60]:
            t = time.perf_counter()
            matching_rule_ids(parsed.rules, snap)
            naive.append(time.perf_counter() - t)
        row["a_naive_p50_ms"] = round(percentile(naive, 50) * 1000, 2)
        row["a_naive_p99_ms"] = round(percentile(naive, 99) * 1000, 2)
        mismatches = sum(
            compiled.rules.hit_ids(s) != matching_rule_ids(parsed.rules, s) for s in features[:60]
        )
        row["a_mismatches_vs_naive"] = mismatches

        # deploy it for (b) and (c)
        rule_set = services.rule_set_import(doc=doc, actor=None)
        services.rule_set_publish(rule_set=rule_set, actor=None)
        services.rule_set_activate(rule_set=rule_set, slot=Slot.LIVE, actor=None)
        services.deployment_publish()
        engine.compiled_by_id(rule_set.pk)
        row["rss_growth_mb"] = round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1
        )

        # (b) the whole decision in process
        for application in inputs[:20]:  # warm: model, similarity index, connections
            services.credit_check_run(merchant=merchant, mode=Mode.TEST, application=application)
        timings = []
        for application in inputs[20 : 20 + args.decisions]:
            t = time.perf_counter()
            services.credit_check_run(merchant=merchant, mode=Mode.TEST, application=application)
            timings.append(time.perf_counter() - t)
        row["b_decision_p50_ms"] = round(percentile(timings, 50) * 1000, 2)
        row["b_decision_p99_ms"] = round(percentile(timings, 99) * 1000, 2)
        counts = CreditCheck.objects.filter(rule_set=rule_set).values_list("decision").annotate(n=Count("id"))
        row["b_decisions"] = dict(counts.order_by())

        # (c) through gunicorn at a fixed rate
        if not args.skip_http:
            row.update(http_bench(key, applicants, args.rate, args.seconds))
        results["sizes"][size] = row
        print(json.dumps({size: row}, ensure_ascii=False), flush=True)

    print_table(results)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"credit-{timezone.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(results, indent=1))


def _check_op(arg):
    from bench.common import Client

    client = Client(arg["url"], arg["key"], timeout=10)
    bodies = arg["bodies"]
    state = {"i": 0}

    def op() -> int:
        state["i"] += 1
        return client.call("POST", "/v1/credit/checks", bodies[state["i"] % len(bodies)])[0]

    return op


def http_bench(key: str, applicants: list[dict], rate: float, seconds: float) -> dict:
    """Open loop at ``rate`` from separate client processes (http.client; small, frozen heaps)."""
    import gc

    from bench.common import Client, gunicorn, open_loop

    env = dict(
        os.environ,
        WEB_ACCESS_LOG=os.environ.get("BENCH_ACCESS_LOG", ""),
        DB_CONN_MAX_AGE="60",
        # gunicorn's advice for the number of workers, 2 × cores + 1: with fewer, more threads
        # per process, a check waits for the GIL behind its neighbours (p50 +1 ms at 2 × 4 here).
        WEB_CONCURRENCY=os.environ.get("BENCH_WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)),
        WEB_THREADS=os.environ.get("BENCH_WEB_THREADS", "2"),
    )
    log = ROOT / "var" / "bench" / "credit-gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = gunicorn(env, workers=int(env["WEB_CONCURRENCY"]), threads=int(env["WEB_THREADS"]), log=log)
    try:
        rng = random.Random(7)
        warm = Client(server.url, key)
        for _ in range(40):  # warm connections (the workers compiled the live version when they started)
            warm.call("POST", "/v1/credit/checks", rng.choice(applicants))
        processes = int(os.environ.get("BENCH_CLIENT_PROCESSES", "2"))
        args = [
            {"url": server.url, "key": key, "bodies": rng.sample(applicants, 1000)} for _ in range(processes)
        ]
        gc.collect()
        gc.freeze()  # the forked clients must not walk this process's heap (rule sets, applicants)
        # Warm-up at the same rate (every server thread opens its connections), not measured.
        open_loop("warm-up", _check_op, args, rate=rate, duration=3, threads=16)
        result = open_loop("credit check", _check_op, args, rate=rate, duration=seconds, threads=16)
        gc.unfreeze()
        return {
            "c_http_rate": round(result.rate, 1),
            "c_http_p50_ms": round(result.p(50), 2),
            "c_http_p99_ms": round(result.p(99), 2),
            "c_http_mean_ms": round(statistics.fmean(result.latencies_ms), 2),
            "c_http_statuses": result.statuses,
        }
    finally:
        server.stop()


def print_table(results: dict) -> None:
    print(f"\nCredit benchmark ({results['machine']}); milliseconds, p50 / p99")
    head = f"{'rules':>6} | {'(a) compiled':>15} | {'(a) naive loop':>15} | {'(b) decision':>15} | {'(c) HTTP @rate':>22} | compile ms | peak MB"
    print(head)
    print("-" * len(head))
    for size, r in results["sizes"].items():
        http = f"{r.get('c_http_p50_ms', '-')} / {r.get('c_http_p99_ms', '-')} @{r.get('c_http_rate', '-')}/s"
        print(f"{size:>6} | {r['a_compiled_p50_ms']:>6} / {r['a_compiled_p99_ms']:<6} | {r['a_naive_p50_ms']:>6} / "
              f"{r['a_naive_p99_ms']:<6} | {r['b_decision_p50_ms']:>6} / {r['b_decision_p99_ms']:<6} | {http:>22} | "
              f"{r['compile_ms']:>10} | {r['compile_peak_mb']:>7}")  # fmt: skip


if __name__ == "__main__":
    main()
