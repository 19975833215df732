"""The issue's hidden scenarios, built here by hand (not with the benchmark's generators): each gives
exactly one anomaly of the right type, and nothing else."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal

from budgets.anomalies import consolidate, detect, resources_from_rows

START = date(2025, 1, 1)
ALL_DAY = (1 << 24) - 1


def rows(days: int, *, seed: int = 7, factor=lambda resource, day: 1.0, extra=()):
    """Six resources over three services, 2–4 % lognormal noise, a weekend dip on two of them."""
    rng = random.Random(seed)
    levels = {"i-web": 300.0, "i-api": 180.0, "db-1": 240.0, "db-2": 90.0, "bucket": 60.0, "queue": 40.0}
    services = {"i-web": "EC2", "i-api": "EC2", "db-1": "RDS", "db-2": "RDS", "bucket": "S3", "queue": "S3"}
    out = []
    for i in range(days):
        day = START + timedelta(days=i)
        for key, level in levels.items():
            weekend = 0.8 if key in ("i-api", "queue") and day.weekday() >= 5 else 1.0
            cost = level * weekend * factor(key, i) * math.exp(rng.gauss(0, 0.03))
            out.append((day, services[key], "700", key, "us-east-1", {}, Decimal(f"{cost:.4f}"), ALL_DAY))
    out.extend(extra)
    return out


def findings(data, days: int):
    resources = resources_from_rows(data)
    return consolidate(detect(resources, [START + timedelta(days=i) for i in range(14, days)]))


def test_three_percent_a_day_for_two_months_is_one_mom_increase():
    found = findings(rows(150, factor=lambda r, i: 1.03 ** min(max(0, i - 79), 60)), 150)
    assert [f.type for f in found] == ["mom_increase"]
    assert abs((found[0].start - (START + timedelta(days=80))).days) <= 2


def test_perf_instance_never_stopped_without_test_history_uses_the_default_window():
    perf = [(START + timedelta(days=i), "EC2", "700", "i-perf", "us-east-1", {"env": "perf"}, Decimal("80"), ALL_DAY)
            for i in range(60, 150)]  # fmt: skip
    found = findings(rows(150, extra=perf), 150)
    assert [(f.type, f.start, f.detected_on) for f in found] == [
        ("perf_env_left", START + timedelta(days=62), START + timedelta(days=62))
    ]
    assert found[0].monthly_impact > 0


def test_one_instance_three_times_dearer_for_seven_weeks_is_one_step():
    found = findings(rows(150, factor=lambda r, i: 3.0 if r == "db-2" and 70 <= i < 119 else 1.0), 150)
    assert [(f.type, f.resource_id, f.start) for f in found] == [
        ("scaled_up_left", "db-2", START + timedelta(days=70))
    ]
    assert (found[0].detected_on - found[0].start).days <= 2


def test_a_three_day_spike_of_one_service_is_exactly_one_service_spike():
    found = findings(rows(120, factor=lambda r, i: 8.0 if r == "bucket" and 90 <= i < 93 else 1.0), 120)
    assert [(f.type, f.start) for f in found] == [("service_spike", START + timedelta(days=90))]
    assert (found[0].detected_on - found[0].start).days <= 2  # first reported as a step, then retyped


def test_a_climb_is_reported_within_a_week_of_its_onset():
    found = findings(rows(150, factor=lambda r, i: 1.03 ** min(max(0, i - 79), 60)), 150)
    assert [f.type for f in found] == ["mom_increase"]
    assert (found[0].detected_on - (START + timedelta(days=80))).days <= 7


def test_weekday_only_resources_make_no_jump_when_one_always_on_resource_steps_up():
    """Resources billed on weekdays only: each Monday is up against a week with its weekend, not
    against the Mondays before; one always-on resource × 3 is a step, nothing else."""
    rng = random.Random(3)
    data = []
    for i in range(150):
        day = START + timedelta(days=i)
        for key, level in {"etl-1": 900.0, "etl-2": 700.0, "etl-3": 500.0}.items():
            if day.weekday() < 5:
                cost = level * math.exp(rng.gauss(0, 0.05))
                data.append((day, "EMR", "700", key, "us-east-1", {}, Decimal(f"{cost:.4f}"), ALL_DAY))
        cost = 120.0 * (3.0 if i >= 100 else 1.0) * math.exp(rng.gauss(0, 0.03))
        data.append((day, "S3", "700", "bucket", "us-east-1", {}, Decimal(f"{cost:.4f}"), ALL_DAY))
    found = findings(data, 150)
    assert [(f.type, f.resource_id, f.start) for f in found] == [
        ("scaled_up_left", "bucket", START + timedelta(days=100))
    ]
