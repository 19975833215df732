"""Scenario generator A — "lognormal fleets": multiplicative noise, weekday/weekend seasonality.

Written on its own (it shares nothing with the detector or the other generators). Each project:
history of 50–420 days, total scale log-uniform between 5 and 50,000 USD a day, 4–20 resources over
3–8 services, each with its own lognormal noise (σ 2–20 %) and weekend factor (0.55–1.0). Part-time
dev boxes bill 8–12 h on weekdays. Injected (the truth, with the day the cause began):

- ``mom_increase``: every resource grows 3 % a day for 60 days (cost doubles month over month);
- ``perf_env_left``: a ``env=perf`` instance started and never stopped, no earlier perf test;
- ``scaled_up_left``: one instance × 2.5–4 for seven weeks;
- ``service_spike``: one service × 6–10 for 2–4 days;
- ``not_stopped``: a part-time dev box left running around the clock.

Negatives (must raise nothing): a resize tagged ``planned=true``, a new permanent resource, a perf
test that ends within its tagged ``ttl``.

Output: a list of projects, each ``{"name", "rows", "truth", "plan"}``; a row is
``(day, service, sub_account, resource, region, tags, cost: Decimal, hours_mask, category)``.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

ALL_DAY = (1 << 24) - 1
KINDS = ("mom_increase", "perf_env_left", "scaled_up_left", "service_spike", "not_stopped")
SERVICE_NAMES = [
    "EC2",
    "RDS",
    "S3",
    "Lambda",
    "CloudFront",
    "ElastiCache",
    "EKS",
    "DynamoDB",
    "SQS",
    "Athena",
]


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.0):.6f}")


def _mask(first_hour: int, last_hour: int) -> int:
    return ((1 << last_hour) - 1) ^ ((1 << first_hour) - 1)


def _project(rng: random.Random, index: int, kind: str) -> dict:
    length = rng.randint(50, 420) if kind != "mom_increase" else rng.randint(110, 420)
    first = date(2024, 1, 1) + timedelta(days=rng.randint(0, 200))
    scale = math.exp(rng.uniform(math.log(5), math.log(50_000)))
    n_services = rng.randint(3, 8)
    services = rng.sample(SERVICE_NAMES, n_services)
    sub = f"{700000000000 + index}"
    weights = [rng.random() ** 2 + 0.05 for _ in range(rng.randint(4, 20))]
    total_w = sum(weights)
    resources = []
    for i, w in enumerate(weights):
        part_time = i > 0 and rng.random() < 0.15
        resources.append(
            {
                "id": f"a{index}-r{i}",
                "service": services[i % n_services],
                "level": scale * w / total_w,
                "sigma": rng.uniform(0.02, 0.2),
                "weekend": 1.0 if rng.random() < 0.5 else rng.uniform(0.55, 0.95),
                "part_time": part_time,
                "hours": (rng.randint(7, 9), rng.randint(16, 20)),
                "tags": {"team": f"t{index % 5}"},
                "start": 0,
                "end": length,
            }
        )
    truth: list[tuple[str, date]] = []
    at = rng.randint(45, max(46, length - 20))
    factor = [[1.0] * length for _ in resources]  # per resource, per day
    hours_override: dict[tuple[int, int], int] = {}

    if kind == "mom_increase":
        at = rng.randint(45, length - 62)
        for series in factor:
            for d in range(at, length):
                series[d] = 1.03 ** min(d - at + 1, 60)
        truth.append(("mom_increase", first + timedelta(days=at)))
    elif kind == "perf_env_left":
        resources.append(
            {
                "id": f"a{index}-perf",
                "service": "EC2",
                "level": scale * rng.uniform(0.04, 0.2),
                "sigma": 0.02,
                "weekend": 1.0,
                "part_time": False,
                "hours": (0, 24),
                "tags": {
                    rng.choice(["env", "environment", "purpose"]): rng.choice(
                        ["perf", "perf-test", "loadtest"]
                    )
                },
                "start": at,
                "end": length,
            }
        )
        factor.append([1.0] * length)
        truth.append(
            ("perf_env_left", first + timedelta(days=at + 2))
        )  # the documented default window: 2 days
    elif kind == "scaled_up_left":
        big = [i for i, r in enumerate(resources) if not r["part_time"]]
        target = max(big, key=lambda i: resources[i]["level"] * rng.random())
        mult = rng.uniform(2.5, 4)
        for d in range(at, min(length, at + 49)):
            factor[target][d] = mult
        truth.append(("scaled_up_left", first + timedelta(days=at)))
    elif kind == "service_spike":
        service = max(
            services, key=lambda s: sum(r["level"] for r in resources if r["service"] == s) * rng.random()
        )
        mult = rng.uniform(6, 10)
        members = [i for i, r in enumerate(resources) if r["service"] == service]
        carriers = members if rng.random() < 0.5 else [rng.choice(members)]
        for d in range(at, min(length, at + rng.randint(2, 4))):
            for i in carriers:
                factor[i][d] = mult
        truth.append(("service_spike", first + timedelta(days=at)))
    elif kind == "not_stopped":
        resources.append(
            {
                "id": f"a{index}-dev",
                "service": "EC2",
                "level": scale * rng.uniform(0.03, 0.15),
                "sigma": 0.03,
                "weekend": 1.0,
                "part_time": True,
                "hours": (rng.randint(7, 9), rng.randint(17, 19)),
                "tags": {"owner": "dev"},
                "start": 0,
                "end": length,
            }
        )
        factor.append([1.0] * length)
        for d in range(at, length):
            hours_override[(len(resources) - 1, d)] = ALL_DAY
        truth.append(("not_stopped", first + timedelta(days=at)))

    # Negatives.
    negative = rng.choice(["planned", "new", "perf_ok", "none"])
    neg_at = rng.randint(30, max(31, length - 5))
    injected = {i for i in range(len(resources)) if any(f != 1.0 for f in factor[i])}
    candidates = [k for k in range(len(resources)) if k not in injected and not resources[k]["part_time"]]
    if negative == "planned" and kind != "mom_increase" and candidates:
        i = rng.choice(candidates)
        resources[i]["tags"] = {**resources[i]["tags"], "planned": "true"}
        for d in range(neg_at, length):
            factor[i][d] *= 2.0
    elif negative == "new":
        resources.append(
            {"id": f"a{index}-new", "service": services[0], "level": scale * 0.1, "sigma": 0.05, "weekend": 1.0,
             "part_time": False, "hours": (0, 24), "tags": {"lifetime": "permanent"}, "start": neg_at, "end": length}
        )  # fmt: skip
        factor.append([1.0] * length)
    elif negative == "perf_ok":
        resources.append(
            {"id": f"a{index}-perf-ok", "service": "EC2", "level": scale * 0.1, "sigma": 0.02, "weekend": 1.0,
             "part_time": False, "hours": (0, 24), "tags": {"env": "perf", "ttl": "2d"}, "start": neg_at,
             "end": min(length, neg_at + 2)}
        )  # fmt: skip
        factor.append([1.0] * length)

    rows = []
    for i, r in enumerate(resources):
        for d in range(r["start"], r["end"]):
            day = first + timedelta(days=d)
            weekend = day.weekday() >= 5
            if r["part_time"] and weekend and (i, d) not in hours_override:
                continue
            noise = math.exp(rng.gauss(0, r["sigma"]) - r["sigma"] ** 2 / 2)
            cost = r["level"] * noise * factor[i][d] * (r["weekend"] if weekend else 1.0)
            if r["part_time"]:
                mask = hours_override.get((i, d), _mask(*r["hours"]))
                cost *= mask.bit_count() / (r["hours"][1] - r["hours"][0])
            else:
                mask = ALL_DAY
            rows.append(
                (day, r["service"], sub, r["id"], "us-east-1", dict(r["tags"]), _money(cost), mask, "usage")
            )
    return {"name": f"A{index}", "rows": rows, "truth": truth, "plan": {}}


def generate(seed: int, projects: int = 40) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for index in range(projects):
        out.append(_project(rng, index, KINDS[index % len(KINDS)] if index % 6 != 5 else "none"))
    return out
