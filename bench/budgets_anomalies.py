"""Anomaly detection quality: precision, recall and detection delay per type, vs a rolling z-score.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_budgets_bench \\
        .venv/bin/python bench/budgets_anomalies.py [--projects 40] [--days 240] [--seed 1] [--memory]

Generates a scenario (``budgets.scenarios.generate``): multi-month FOCUS data
for many projects with injected anomalies of the five types and planned
changes that must not be reported. By default the data goes through the real
path — FOCUS CSV files per month, ``import_costs``' importer into PostgreSQL,
then the rows the daily scan reads — and the detectors are run causally for
every day (each day sees only data up to that day), as the daily scan would.
``--memory`` skips the database (for tuning).

A finding matches an injected anomaly of the same type and project whose
start is within 2 days of the finding's start. Delay = day detected − true
start. The baseline flags a day when the project's daily cost is more than 3
standard deviations above its previous 28 days (it has no types: its
precision is the share of its flags that match any injected anomaly).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

MATCH_DAYS = 2


def resources_in_memory(scenario):
    from budgets.anomalies import resources_from_rows

    rows: dict[str, list[tuple]] = defaultdict(list)
    names = {p.sub_account: p.name for p in scenario.projects}
    for line in scenario.lines():
        mask = ((1 << line.end.hour if line.end.date() == line.start.date() else 1 << 24) - 1) ^ (
            (1 << line.start.hour) - 1
        )
        rows[names[line.sub_account]].append(
            (
                line.start.date(),
                line.service,
                line.sub_account,
                line.resource,
                line.region,
                line.tags,
                line.cost,
                mask,
            )
        )
    return {name: resources_from_rows(items) for name, items in rows.items()}


def resources_from_database(scenario, workdir: Path):
    import django

    django.setup()
    from django.core.management import call_command

    from budgets import scanning, services
    from budgets.importing import cost_import_create, cost_import_run
    from budgets.models import Project
    from budgets.scenarios import write_focus

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    for spec in scenario.projects:
        project, _ = services.project_upsert(
            name=spec.name, currency=scenario.currency, sub_accounts=[spec.sub_account], tags=[]
        )
        _plan(project, spec, scenario)
    months: dict[date, list] = defaultdict(list)
    for line in scenario.lines():
        months[line.start.date().replace(day=1)].append(line)
    started = time.perf_counter()
    rows = 0
    for month, lines in sorted(months.items()):
        path = workdir / f"focus-{month:%Y-%m}.csv"
        rows += write_focus(path, lines)
        result = cost_import_run(import_id=cost_import_create(path=str(path), queue=False).pk)
        assert result.status == "done", result.error
    print(
        f"imported {rows:,} FOCUS rows in {len(months)} monthly files in {time.perf_counter() - started:.1f} s"
    )
    projects = list(Project.objects.all())
    by_id = {p.pk: p.name for p in projects}
    from budgets.forecasting import Forecast

    end = scenario.day(scenario.days - 1)
    fake = {p.pk: Forecast("USD", end, None, None, 0, 0, 0, 0, None) for p in projects}
    # The scan loads LOOKBACK_DAYS; the bench wants the whole history once.
    saved = scanning.anomalies.LOOKBACK_DAYS
    scanning.anomalies.LOOKBACK_DAYS = scenario.days + 1
    try:
        loaded = scanning.load_resources(list(by_id), fake)
    finally:
        scanning.anomalies.LOOKBACK_DAYS = saved
    plans = {}
    from budgets import selectors

    versions = selectors.current_plan_versions(by_id)
    months_by_version = selectors.plan_months(v.pk for v in versions.values())
    for pid, version in versions.items():
        plans[by_id[pid]] = months_by_version.get(version.pk, {})
    return {by_id[pid]: res for pid, res in loaded.items()}, plans


def _plan(project, spec, scenario):
    """A plan matching the project's normal spend, stepping up where the scenario plans growth."""
    from budgets import services
    from budgets.money import add_months

    monthly = Decimal(round(sum(r.daily for r in spec.resources) * 31))
    first = scenario.start.replace(day=1)
    months = (scenario.days // 30) + 2
    schedule = []
    for i in range(months):
        month = add_months(first, i)
        factor = 1.0
        for at, step in spec.plan_steps:
            if month >= scenario.day(at).replace(day=1):
                factor *= step
        schedule.append(str(Decimal(round(float(monthly) * factor))))
    total = sum(Decimal(x) for x in schedule)
    request = services.budget_request_create(
        project=project, amount=total, currency=scenario.currency, start_month=first, months=months,
        schedule=schedule, purpose="bench",
    )  # fmt: skip
    services.budget_request_decide(request=request, approve=True, actor=None)


def plans_in_memory(scenario):
    from budgets.money import add_months

    out = {}
    for spec in scenario.projects:
        monthly = Decimal(round(sum(r.daily for r in spec.resources) * 31))
        first = scenario.start.replace(day=1)
        plan = {}
        for i in range(scenario.days // 30 + 2):
            month = add_months(first, i)
            factor = 1.0
            for at, step in spec.plan_steps:
                if month >= scenario.day(at).replace(day=1):
                    factor *= step
            plan[month] = Decimal(round(float(monthly) * factor))
        out[spec.name] = plan
    return out


def detect_all(scenario, resources, plans):
    from budgets.anomalies import Context, detect

    first_eval = scenario.day(30)
    days = [
        first_eval + timedelta(days=i) for i in range((scenario.day(scenario.days - 1) - first_eval).days + 1)
    ]
    findings = {}
    started = time.perf_counter()
    for name, res in resources.items():
        findings[name] = detect(res, days, Context(plan=plans.get(name, {})))
    elapsed = time.perf_counter() - started
    return findings, elapsed, len(days)


def baseline_flags(resources, scenario):
    """Rolling z-score on the project's daily cost: flag day t when z ≥ 3 (first day of a run only)."""
    out = {}
    for name, res in resources.items():
        daily: dict[date, float] = defaultdict(float)
        for r in res.values():
            for day, cost in r.cost.items():
                daily[day] += float(cost)
        flags = []
        previous = False
        for i in range(30, scenario.days):
            t = scenario.day(i)
            window = [daily.get(t - timedelta(days=k), 0.0) for k in range(1, 29)]
            mean, stdev = statistics.fmean(window), statistics.pstdev(window)
            flagged = stdev > 0 and (daily.get(t, 0.0) - mean) / stdev >= 3
            if flagged and not previous:
                flags.append(t)
            previous = flagged
        out[name] = flags
    return out


def score(scenario, findings, flags):
    from budgets.scenarios import TYPES

    truth = [e for e in scenario.events if e.positive and e.start >= scenario.day(31)]
    negatives = [e for e in scenario.events if not e.positive]
    rows = []
    for kind in TYPES:
        events = [e for e in truth if e.type == kind]
        found = [(name, f) for name, fs in findings.items() for f in fs if f.type == kind]
        matched_findings = 0
        for name, f in found:
            if any(e.project == name and abs((f.start - e.start).days) <= MATCH_DAYS for e in events):
                matched_findings += 1
        delays, detected = [], 0
        base_hits = 0
        for e in events:
            hits = [
                f for name, f in found if name == e.project and abs((f.start - e.start).days) <= MATCH_DAYS
            ]
            if hits:
                detected += 1
                delays.append(min((f.detected_on - e.start).days for f in hits))
            if any(0 <= (d - e.start).days <= MATCH_DAYS for d in flags.get(e.project, [])):
                base_hits += 1
        rows.append(
            {
                "type": kind,
                "events": len(events),
                "findings": len(found),
                "precision": matched_findings / len(found) if found else float("nan"),
                "recall": detected / len(events) if events else float("nan"),
                "delay_mean": statistics.fmean(delays) if delays else float("nan"),
                "delay_max": max(delays) if delays else float("nan"),
                "baseline_recall": base_hits / len(events) if events else float("nan"),
            }
        )
    all_flags = [(name, d) for name, ds in flags.items() for d in ds]
    flag_hits = sum(
        1
        for name, d in all_flags
        if any(e.project == name and 0 <= (d - e.start).days <= MATCH_DAYS for e in truth)
    )
    base_precision = flag_hits / len(all_flags) if all_flags else float("nan")
    false_on_negatives = sum(
        1
        for e in negatives
        for f in findings.get(e.project, [])
        if 0 <= (f.start - e.start).days <= 30
        and not any(
            t.project == e.project and t.type == f.type and abs((f.start - t.start).days) <= MATCH_DAYS
            for t in truth
        )
    )
    return rows, base_precision, len(all_flags), false_on_negatives, len(negatives)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="skip the database (tuning)")
    args = parser.parse_args()
    from budgets.scenarios import generate

    scenario = generate(seed=args.seed, projects=args.projects, days=args.days)
    print(
        f"scenario: seed {args.seed}, {args.projects} projects, {args.days} days from {scenario.start}, "
        f"{sum(e.positive for e in scenario.events)} injected anomalies, "
        f"{sum(not e.positive for e in scenario.events)} planned changes (negatives)"
    )
    if args.memory:
        import django

        django.setup()
        resources, plans = resources_in_memory(scenario), plans_in_memory(scenario)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            resources, plans = resources_from_database(scenario, Path(tmp))
    findings, elapsed, days = detect_all(scenario, resources, plans)
    print(f"detection: {days} days × {len(resources)} projects, causal, in {elapsed:.1f} s")
    rows, base_precision, base_flags, fp_negatives, negatives = score(
        scenario, findings, baseline_flags(resources, scenario)
    )
    print()
    print(f"{'type':16} {'events':>6} {'found':>6} {'precision':>9} {'recall':>7} {'delay':>11}   "
          f"{'z-score recall':>14} {'z-score precision':>17}")  # fmt: skip
    for r in rows:
        print(
            f"{r['type']:16} {r['events']:6d} {r['findings']:6d} {r['precision']:9.2f} {r['recall']:7.2f} "
            f"{r['delay_mean']:5.2f}/{r['delay_max']:<5} {r['baseline_recall']:14.2f} {base_precision:17.2f}"
        )
    print(
        f"\nbaseline flags: {base_flags}; findings on planned changes (negatives): {fp_negatives} of {negatives}"
    )
    print("delay: mean/max days from the true start to the day of detection")


if __name__ == "__main__":
    main()
