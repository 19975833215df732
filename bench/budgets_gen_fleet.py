"""Scenario generator C — "instance fleets": cost = hourly price × instance-hours, counts that
autoscale, diurnal usage, batch workers that run in episodes.

Written on its own, in a third style. Each project has 2–6 fleets (an hourly price of 0.005–40 USD,
1–60 instances that follow a Poisson-like autoscaling around a mean, fewer at night and at the
weekend for half of them), one resource per fleet; 45–300 days. Injected:

- ``scaled_up_left``: a fleet moved to an instance type 2.5–4 × as dear, kept for 7 weeks;
- ``service_spike``: a fleet's count × 6–10 for 2–4 days;
- ``mom_increase``: every fleet's mean count grows 3 % a day for 60 days;
- ``perf_env_left``: a ``workload=perf`` fleet started and never stopped, no earlier perf test;
- ``not_stopped``: a batch worker that ran in episodes of 2–5 days keeps running.

Negatives: a fleet moved to a dearer type with ``change=planned``; a new fleet with
``lifetime=permanent``.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

HOURS_ALL = (1 << 24) - 1


def poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def fleet_day(rng, price, mean, diurnal) -> tuple[float, int]:
    """(cost, hours mask) of one fleet-day: 24 hourly counts."""
    cost, mask = 0.0, 0
    for hour in range(24):
        factor = 0.6 + 0.4 * math.sin(math.pi * (hour - 6) / 12) ** 2 if diurnal else 1.0
        count = poisson(rng, max(0.2, mean * factor)) if mean < 200 else round(mean * factor)
        if count:
            cost += count * price
            mask |= 1 << hour
    return cost, mask


def project(rng: random.Random, index: int, kind: str) -> dict:
    length = rng.randint(45, 300) if kind != "mom_increase" else rng.randint(110, 300)
    first = date(2025, 1, 1) + timedelta(days=rng.randint(0, 120))
    services = ["Virtual Machines", "Kubernetes", "Batch", "Databases", "Functions", "Storage"]
    fleets = []
    for f in range(rng.randint(2, 6)):
        fleets.append(
            {
                "id": f"c{index}-fleet{f}",
                "service": services[f],
                "price": 10 ** rng.uniform(-2.3, 1.6),
                "mean": rng.uniform(1.5, 60),
                "diurnal": rng.random() < 0.5,
                "tags": {"app": f"app{index}"},
                "days": (0, length),
                "price_x": {},
                "mean_x": {},
            }
        )
    truth = []
    target = None  # the fleet an anomaly is injected in (a planned change never goes to it)
    at = rng.randint(40, max(41, length - 15))
    if kind == "scaled_up_left":
        target = rng.choice(fleets)
        m = rng.uniform(2.5, 4)
        target["price_x"].update(dict.fromkeys(range(at, min(length, at + 49)), m))
        truth.append((kind, first + timedelta(days=at)))
    elif kind == "service_spike":
        target = max(fleets, key=lambda f: f["price"] * f["mean"] * rng.random())
        m = rng.uniform(6, 10)
        target["mean_x"].update(dict.fromkeys(range(at, at + rng.randint(2, 4)), m))
        truth.append((kind, first + timedelta(days=at)))
    elif kind == "mom_increase":
        at = rng.randint(40, length - 62)
        for fleet in fleets:
            fleet["mean_x"].update({d: 1.03 ** min(d - at + 1, 60) for d in range(at, length)})
        truth.append((kind, first + timedelta(days=at)))
    elif kind == "perf_env_left":
        spend = sum(f["price"] * f["mean"] for f in fleets)
        fleets.append(
            {"id": f"c{index}-perf", "service": "Virtual Machines", "price": spend * rng.uniform(0.02, 0.1),
             "mean": 1000, "diurnal": False, "tags": {"workload": "perf", "app": f"app{index}"},
             "days": (at, length), "price_x": {}, "mean_x": {}}
        )  # fmt: skip
        truth.append((kind, first + timedelta(days=at + 2)))  # the default window (2 days)
    elif kind == "not_stopped":
        spend = sum(f["price"] * f["mean"] for f in fleets)
        worker = {"id": f"c{index}-batch", "service": "Batch", "price": spend * rng.uniform(0.03, 0.12) / 24,
                  "mean": 1000, "diurnal": False, "tags": {"app": f"app{index}", "role": "batch"},
                  "episodes": [], "price_x": {}, "mean_x": {}, "days": (0, 0)}  # fmt: skip
        day, run_max = 2, 0
        while day < at - 6:
            run = rng.randint(2, 5)
            worker["episodes"].append((day, day + run))
            run_max = max(run_max, run)
            day += run + rng.randint(3, 9)
        start = day
        worker["episodes"].append((start, length))  # the last one never ends
        fleets.append(worker)
        truth.append((kind, first + timedelta(days=start + run_max)))
    negative = rng.random()
    neg_at = rng.randint(20, max(21, length - 3))
    others = [f for f in fleets[:3] if f is not target and "episodes" not in f and f["mean"] < 1000]
    if negative < 0.35 and others:
        planned = rng.choice(others)
        planned["tags"] = {**planned["tags"], "change": "planned"}
        planned["price_x"].update({d: planned["price_x"].get(d, 1.0) * 2 for d in range(neg_at, length)})
    elif negative < 0.7:
        fleets.append({"id": f"c{index}-new", "service": "Kubernetes", "price": 0.5, "mean": 4, "diurnal": False,
                       "tags": {"lifetime": "permanent"}, "days": (neg_at, length), "price_x": {}, "mean_x": {}})  # fmt: skip

    rows = []
    sub = f"sub-{index:04d}"
    for fleet in fleets:
        days = (
            [d for a, b in fleet["episodes"] for d in range(a, min(b, length))]
            if "episodes" in fleet
            else range(*fleet["days"])
        )
        for d in days:
            price = fleet["price"] * fleet["price_x"].get(d, 1.0)
            mean = fleet["mean"] * fleet["mean_x"].get(d, 1.0)
            weekend = (first + timedelta(days=d)).weekday() >= 5 and fleet["diurnal"]
            if mean >= 1000:  # a single always-on instance (priced per day in ``price``×24)
                cost, mask = price * 24 / 24 * 24 if "episodes" in fleet else price, HOURS_ALL
            else:
                cost, mask = fleet_day(rng, price, mean * (0.7 if weekend else 1.0), fleet["diurnal"])
            if cost > 0:
                rows.append((first + timedelta(days=d), fleet["service"], sub, fleet["id"], "westeurope",
                             dict(fleet["tags"]), Decimal(f"{cost:.10f}"), mask, "usage"))  # fmt: skip
    return {"name": f"C{index}", "rows": rows, "truth": truth, "plan": {}}


KINDS = ("scaled_up_left", "service_spike", "mom_increase", "perf_env_left", "not_stopped", "quiet")


def generate(seed: int, projects: int = 40) -> list[dict]:
    rng = random.Random(f"fleet-{seed}")
    return [project(rng, i, KINDS[i % len(KINDS)]) for i in range(projects)]
