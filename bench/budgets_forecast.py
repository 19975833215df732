"""Forecast backtest: error of the cumulative spend forecast 1, 3 and 6 months ahead.

    .venv/bin/python bench/budgets_forecast.py [--projects 60] [--days 540] [--seed 5]

For every generated project (organic growth or decline, noise, weekly
patterns of part-time resources, steps, spikes, new resources — the same
generator as the anomaly benchmark), cut the history at each month end with at
least two months before it, forecast with each method, and compare the
forecast spend of the next h whole months with the actual. Prints the median
and 90th percentile absolute percentage error per method and horizon.

Methods: ``run_rate`` (mean of the last 28 days, flat), ``linear`` (least
squares on the last 56 days, extrapolated), ``damped`` (the same fit, trend
damped with φ = 0.98 per day — what budgets uses).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--generators",
        nargs="+",
        default=["S"],
        help="S (budgets.scenarios) and/or A B C (bench/budgets_gen_*)",
    )
    args = parser.parse_args()
    for name in args.generators:
        run(name, args)


def series_of(name: str, args) -> dict[str, dict[date, Decimal]]:
    """Daily usage per project of one generator."""
    daily: dict[str, dict[date, Decimal]] = defaultdict(dict)
    if name == "S":
        from budgets.scenarios import generate

        scenario = generate(seed=args.seed, projects=args.projects, days=args.days)
        names = {p.sub_account: p.name for p in scenario.projects}
        for line in scenario.lines():
            series = daily[names[line.sub_account]]
            day = line.start.date()
            series[day] = series.get(day, Decimal(0)) + line.cost
        return daily
    import importlib.util

    module = {"A": "budgets_gen_lognormal", "B": "budgets_gen_additive", "C": "budgets_gen_fleet"}[name]
    spec = importlib.util.spec_from_file_location(module, Path(__file__).parent / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded
    spec.loader.exec_module(loaded)
    for project in loaded.generate(args.seed, args.projects):
        series = daily[project["name"]]
        for row in project["rows"]:
            if row[8] == "usage":
                series[row[0]] = series.get(row[0], Decimal(0)) + row[6]
    return daily


def run(name: str, args) -> None:
    from budgets.forecasting import backtest

    daily = series_of(name, args)
    horizons = (1, 3, 6)
    print(f"generator {name}: {args.projects} projects (seed {args.seed}); absolute % error of the "
          "spend forecast over the next h months")  # fmt: skip
    print(f"{'method':10} " + " ".join(f"{'h=' + str(h) + ' median':>12} {'p90':>6}" for h in horizons))
    for method in ("run_rate", "linear", "damped_raw", "damped"):
        errors: dict[int, list[float]] = defaultdict(list)
        inside: dict[int, list[bool]] = {h: [] for h in horizons}
        for series in daily.values():
            for h, values in backtest(series, horizons=horizons, method=method, inside=inside).items():
                errors[h].extend(values)
        cells = []
        for h in horizons:
            values = sorted(errors[h]) or [float("nan")]
            p90 = values[int(0.9 * (len(values) - 1))]
            cells.append(f"{statistics.median(values):>11.1f}% {p90:>5.1f}%")
        coverage = " ".join(f"h={h} {sum(inside[h]) / max(1, len(inside[h])):.0%}" for h in horizons)
        print(f"{method:10} " + " ".join(cells) + f"   ({len(errors[1])} cut-offs; in P10–P90: {coverage})")


if __name__ == "__main__":
    main()
