"""Import speed and memory: FOCUS CSV files of 1,000,000 rows (and a smaller one) through import_costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_budgets_bench \\
        .venv/bin/python bench/budgets_import.py [--rows 1000000 --rows 250000] [--gzip]

Each size is imported by a fresh process (the command's code path: stream,
pre-aggregate, COPY to staging, fold into daily rows) that reports its own
peak RSS, so the figures of two sizes show whether memory grows with the file.
The files are hourly FOCUS 1.0 rows (the official sample's style: 'NULL',
'2024-09-18 22:00:00' timestamps, JSON tags) of the same 1,400 resources: a
bigger file is more hours of them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


RESOURCES = 1_400  # the same resources whatever the size: a bigger file is more hours of them


def write_file(path: Path, rows: int, compress: bool) -> None:
    from budgets.scenarios import FOCUS_COLUMNS

    columns = list(FOCUS_COLUMNS["1.0"])
    opener = gzip.open if compress else open
    hour = datetime(2024, 9, 1, tzinfo=UTC)
    with opener(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        written = 0
        while written < rows:
            start, end = (
                hour.strftime("%Y-%m-%d %H:%M:%S"),
                (hour + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
            )
            period = hour.strftime("%Y-%m-01 00:00:00")
            for r in range(min(RESOURCES, rows - written)):
                tags = json.dumps({"project": f"p{r % 50}", "env": "prod"}) if r % 3 else "NULL"
                values = {
                    "BilledCost": f"{0.01 + (r % 97) * 0.0137 + hour.hour * 0.0001:.11f}",
                    "BillingAccountId": "1234567890123",
                    "BillingCurrency": "USD",
                    "BillingPeriodStart": period,
                    "ChargePeriodStart": start,
                    "ChargePeriodEnd": end,
                    "ServiceName": (
                        "Amazon Elastic Compute Cloud",
                        "Amazon Simple Storage Service",
                        "AWS Lambda",
                    )[r % 3],
                    "SubAccountId": f"{500000000000 + r % 200}",
                    "ResourceId": f"arn:aws:ec2:us-west-2:1:instance/i-{r:08x}",
                    "RegionId": "us-west-2",
                    "Tags": tags,
                }
                writer.writerow([values.get(c, "NULL") for c in columns])
                written += 1
            hour += timedelta(hours=1)


def child(path: str) -> None:
    import django

    django.setup()
    from budgets.importing import cost_import_create, cost_import_run

    started = time.perf_counter()
    result = cost_import_run(import_id=cost_import_create(path=path, queue=False).pk)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"status": result.status, "error": result.error, "read": result.rows_read,
                      "stored": result.rows_stored, "rejected": result.rows_rejected,
                      "seconds": elapsed, "peak_rss_mb": peak_mb}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    sizes = args.rows or [250_000, 1_000_000, 2_000_000]
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    print(
        f"{'rows':>10} {'file MB':>8} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12} {'daily rows stored':>18}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            path = Path(tmp) / (f"focus-{rows}.csv" + (".gz" if args.gzip else ""))
            write_file(path, rows, args.gzip)
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            assert result["status"] == "done" and result["read"] == rows, result
            print(
                f"{rows:>10,} {path.stat().st_size / 1e6:>8.1f} {result['seconds']:>8.1f} "
                f"{rows / result['seconds']:>9,.0f} {result['peak_rss_mb']:>12.0f} {result['stored']:>18,}"
            )
            path.unlink()
    print("machine: 2 cores shared with other sessions; PostgreSQL on the same machine")


if __name__ == "__main__":
    main()
