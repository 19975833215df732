"""Rules of the detector pinned on hand-built cases (pure functions, no database): a step's noisy day
is no spike, materiality against the project or (when unmistakable) the service, and batch runs
judged against their own run-length history."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from budgets.anomalies import Context, consolidate, detect, resources_from_rows

START = date(2025, 1, 1)
ALL_DAY = (1 << 24) - 1
LEVELS = {"i-web": 300.0, "i-api": 180.0, "db-1": 240.0, "db-2": 90.0, "bucket": 60.0, "queue": 40.0}
SERVICES = {"i-web": "EC2", "i-api": "EC2", "db-1": "RDS", "db-2": "RDS", "bucket": "S3", "queue": "S3"}


def rows(days: int, *, factor=lambda resource, day: 1.0, levels=None, services=None, sigma=0.03, extra=()):
    rng = random.Random(11)
    levels, services = levels or LEVELS, services or SERVICES
    out = []
    for i in range(days):
        day = START + timedelta(days=i)
        for key, level in levels.items():
            cost = level * factor(key, i) * math.exp(rng.gauss(0, sigma))
            out.append((day, services[key], "700", key, "us-east-1", {}, Decimal(f"{cost:.6f}"), ALL_DAY))
    out.extend(extra)
    return out


def findings(data, days: int):
    return consolidate(
        detect(resources_from_rows(data), [START + timedelta(days=i) for i in range(14, days)])
    )


def test_a_noisy_step_is_one_step_not_a_spike():
    """×3–5 from day 70 on with a high day (73) that falls back the next: the high day rises from a
    level already stepped up, so it is the step's noise — one scaled_up_left, never retyped as a spike."""
    noisy = {70: 4.7, 71: 3.5, 72: 3.0, 73: 5.3, 74: 3.0}
    found = findings(
        rows(120, factor=lambda r, i: noisy.get(i, 4.0) if r == "i-api" and 70 <= i < 119 else 1.0), 120
    )
    assert [(f.type, f.resource_id, f.start) for f in found] == [
        ("scaled_up_left", "i-api", START + timedelta(days=70))
    ]


TINY = {**LEVELS, "key-1": 0.5}
TINY_SERVICES = {**SERVICES, "key-1": "KMS"}


def test_a_small_service_tripling_is_reported():
    """0.5 a day (0.05 % of the project) × 3 for seven weeks: below the project's materiality floor but
    unmistakable and all of its service's cost — one step."""
    data = rows(150, levels=TINY, services=TINY_SERVICES,
                factor=lambda r, i: 3.0 if r == "key-1" and 70 <= i < 119 else 1.0)  # fmt: skip
    found = findings(data, 150)
    assert [(f.type, f.resource_id, f.start) for f in found] == [
        ("scaled_up_left", "key-1", START + timedelta(days=70))
    ]
    assert found[0].monthly_impact > 0


def test_a_small_service_spike_is_reported_and_a_doubtful_small_step_is_not():
    spike = rows(120, levels=TINY, services=TINY_SERVICES,
                 factor=lambda r, i: 8.0 if r == "key-1" and 90 <= i < 92 else 1.0)  # fmt: skip
    assert [(f.type, f.start) for f in findings(spike, 120)] == [
        ("service_spike", START + timedelta(days=90))
    ]
    weak = rows(150, levels=TINY, services=TINY_SERVICES,
                factor=lambda r, i: 1.6 if r == "key-1" and 70 <= i < 119 else 1.0)  # fmt: skip
    assert findings(weak, 150) == []  # not unmistakable: it would have to matter to the project


def batch_worker(runs: list[tuple[int, int]], cost: str = "40") -> list[tuple]:
    """A batch worker billing around the clock on the days of its runs (first day, length)."""
    return [(START + timedelta(days=first + k), "Batch", "700", "batch-1", "us-east-1", {}, Decimal(cost), ALL_DAY)
            for first, length in runs for k in range(length)]  # fmt: skip


def test_a_batch_run_two_days_longer_than_its_longest_is_no_anomaly():
    """Runs of 2 days, then one of 4: one run in n + 1 is the longest yet by chance — nothing."""
    runs = [(20, 2), (27, 2), (33, 2), (44, 2), (50, 2), (57, 4), (70, 2), (78, 2)]
    assert findings(rows(90, extra=batch_worker(runs)), 90) == []


def test_a_batch_worker_left_on_is_not_stopped_with_what_it_adds():
    runs = [(20, 2), (27, 2), (33, 2), (44, 2), (50, 2), (57, 60)]
    found = findings(rows(120, extra=batch_worker(runs)), 120)
    assert [(f.type, f.resource_id, f.start) for f in found] == [
        ("not_stopped", "batch-1", START + timedelta(days=59))
    ]
    assert found[0].detected_on == START + timedelta(days=61)  # within two days of its start
    # Its usual day is 10 runs × 2 days × 40 over the 37 days from its first run: leaving it on adds the rest.
    assert found[0].expected == Decimal(400) / 37
    assert found[0].monthly_impact == (Decimal(40) - Decimal(400) / 37) * 30


def test_a_spike_a_week_after_a_broad_jump_is_a_spike():
    """Every resource × 1.7 from day 80 (a month-over-month jump), then the database × 3.6 on day 87
    only: the database was already up the day before (the broad jump), but day 87 is a spike against
    that raised level — one mom_increase and one service_spike."""
    found = findings(
        rows(120, factor=lambda r, i: (1.7 if i >= 80 else 1.0) * (3.6 if r == "db-1" and i == 87 else 1.0)),
        120,
    )
    assert [(f.type, f.start) for f in found] == [
        ("mom_increase", START + timedelta(days=80)),
        ("service_spike", START + timedelta(days=87)),
    ]
    assert found[1].scope == "service:RDS"


def test_a_jump_the_month_after_a_planned_step_is_reported_on_its_day():
    """The plan steps up × 1.6 in March and the costs follow it on March 1st (planned: nothing); on
    April 1st they jump × 1.7 again with no plan behind it: one mom_increase, starting April 1st (the
    March step is part of the usual it is measured against, so it neither explains it nor is its start)."""
    march, april = date(2025, 3, 1), date(2025, 4, 1)
    plan = {date(2025, m, 1): Decimal(100 if m < 3 else 160) for m in range(1, 7)}

    def factor(resource: str, i: int) -> float:
        day = START + timedelta(days=i)
        return (1.6 if day >= march else 1.0) * (1.7 if day >= april else 1.0)

    data = rows(130, factor=factor)
    found = consolidate(
        detect(
            resources_from_rows(data), [START + timedelta(days=i) for i in range(14, 130)], Context(plan=plan)
        )
    )
    assert [(f.type, f.start, f.detected_on) for f in found] == [
        ("mom_increase", april, april + timedelta(days=1))
    ]


def test_one_resource_climbing_alone_is_no_month_over_month_increase():
    """The largest resource (a third of the project) grows 3 % a day, the others stay flat: its
    z-score is capped at the next resource's, so it cannot carry a project-level climb."""
    found = findings(
        rows(150, factor=lambda r, i: 1.03 ** min(max(0, i - 79), 60) if r == "i-web" else 1.0), 150
    )
    assert "mom_increase" not in [f.type for f in found]
