"""Generated cost data: FOCUS / CUR writers for every column variant, and anomaly scenarios.

Used by the tests (fixtures of our own, beside the official sample), by the
benchmarks under ``bench/`` and by ``load_budgets_demo``. Deterministic for a
given seed.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from budgets.money import add_months, month_start

# --- Cost lines and writers -------------------------------------------------------------------


@dataclass
class CostLine:
    start: datetime
    end: datetime
    cost: Decimal
    service: str
    sub_account: str
    resource: str = ""
    region: str = "ap-northeast-1"
    tags: dict[str, str] = field(default_factory=dict)
    account: str = "100000000001"
    currency: str = "USD"
    charge: str = "Usage"  # FOCUS ChargeCategory
    frequency: str = "Usage-Based"  # FOCUS ChargeFrequency
    line_type: str = "Usage"  # CUR line_item_line_item_type


_COMMON_10 = {
    "BilledCost": "cost",
    "BillingAccountId": "account",
    "BillingAccountName": "",
    "BillingCurrency": "currency",
    "BillingPeriodEnd": "period_end",
    "BillingPeriodStart": "period_start",
    "ChargeCategory": "charge",
    "ChargeClass": "",
    "ChargeDescription": "generated",
    "ChargeFrequency": "frequency",
    "ChargePeriodEnd": "end",
    "ChargePeriodStart": "start",
    "EffectiveCost": "cost",
    "ListCost": "cost",
    "ConsumedQuantity": "1",
    "ProviderName": "AWS",
    "PublisherName": "AWS",
    "InvoiceIssuerName": "AWS",
    "RegionId": "region",
    "RegionName": "",
    "ResourceId": "resource",
    "ServiceCategory": "Compute",
    "ServiceName": "service",
    "SubAccountId": "sub_account",
    "SubAccountName": "",
    "Tags": "tags",
}


def _variant(drop: Iterable[str] = (), **add: str) -> dict[str, str]:
    columns = {k: v for k, v in _COMMON_10.items() if k not in set(drop)}
    columns.update(add)
    return columns


# Column names per FOCUS version (renamed columns in their old names where they had one).
FOCUS_COLUMNS: dict[str, dict[str, str]] = {
    "0.5": _variant(
        drop=(
            "RegionId",
            "RegionName",
            "ChargeCategory",
            "ChargeClass",
            "EffectiveCost",
            "ConsumedQuantity",
            "ChargeDescription",
            "ChargeFrequency",
            "ListCost",
        ),
        Region="region",
        ChargeType="charge",
        AmortizedCost="cost",
    ),
    "1.0-preview": _variant(
        drop=("RegionId", "RegionName", "ChargeClass", "ConsumedQuantity"),
        Region="region",
        UsageQuantity="1",
        ChargeSubcategory="On-Demand",
    ),
    "1.0": _variant(),
    "1.1": _variant(ServiceSubcategory="Virtual Machines", CapacityReservationId="", SkuMeter="Hours"),
    "1.2": _variant(
        ServiceSubcategory="Virtual Machines",
        BillingAccountType="Billing Account",
        SubAccountType="Account",
        InvoiceId="INV-1",
        PricingCurrency="currency",
    ),
    "1.3": _variant(
        drop=("ProviderName", "PublisherName"),
        ServiceProviderName="AWS",
        HostProviderName="AWS",
        ServiceSubcategory="Virtual Machines",
        BillingAccountType="Billing Account",
        SubAccountType="Account",
        InvoiceId="INV-1",
        x_CostCenter="cc-1",
    ),
}

CUR_COLUMNS = {
    "identity_line_item_id": "",
    "bill_payer_account_id": "account",
    "bill_billing_period_start_date": "period_start",
    "bill_billing_period_end_date": "period_end",
    "line_item_usage_account_id": "sub_account",
    "line_item_line_item_type": "line_type",
    "line_item_usage_start_date": "start",
    "line_item_usage_end_date": "end",
    "line_item_product_code": "service",
    "line_item_resource_id": "resource",
    "line_item_unblended_cost": "cost",
    "line_item_currency_code": "currency",
    "product_servicecode": "service",
    "product_region_code": "region",
    "resource_tags": "tags",
}

_FIELDS = {
    "cost",
    "account",
    "currency",
    "period_end",
    "period_start",
    "end",
    "start",
    "region",
    "resource",
    "service",
    "sub_account",
    "tags",
    "charge",
    "frequency",
    "line_type",
}


def _timestamp(value: datetime, style: str) -> str:
    if style == "rfc3339":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _values(line: CostLine, style: str, null: str, cur: bool = False) -> dict[str, str]:
    period = month_start(line.start.date())
    tags = {f"user_{k}": v for k, v in line.tags.items()} if cur else line.tags
    return {
        "cost": str(line.cost),
        "account": line.account,
        "currency": line.currency,
        "period_start": _timestamp(datetime(period.year, period.month, 1, tzinfo=UTC), style),
        "period_end": _timestamp(
            datetime.combine(add_months(period, 1), datetime.min.time(), tzinfo=UTC), style
        ),
        "start": _timestamp(line.start, style),
        "end": _timestamp(line.end, style),
        "region": line.region or null,
        "resource": line.resource or null,
        "service": line.service,
        "sub_account": line.sub_account,
        "tags": json.dumps(tags) if tags else null,
        "charge": line.charge,
        "frequency": line.frequency,
        "line_type": line.line_type,
    }


def write_csv(
    path: Path,
    lines: Iterable[CostLine],
    *,
    columns: dict[str, str],
    style: str = "sample",
    null: str = "NULL",
    compress: bool = False,
    cur: bool = False,
) -> int:
    """Write lines as a CSV (gzip-compressed with ``compress``); returns the number of rows."""
    opener = gzip.open if compress else open
    count = 0
    with opener(path, "wt", newline="", encoding="utf-8") as handle:  # type: ignore[operator]
        writer = csv.writer(handle)
        writer.writerow(columns)
        for line in lines:
            values = _values(line, style, null, cur)
            writer.writerow([values[v] if v in _FIELDS else v for v in columns.values()])
            count += 1
    return count


def write_focus(path: Path, lines: Iterable[CostLine], *, version: str = "1.0", **options) -> int:
    return write_csv(path, lines, columns=FOCUS_COLUMNS[version], **options)


def write_cur(path: Path, lines: Iterable[CostLine], **options) -> int:
    return write_csv(path, lines, columns=CUR_COLUMNS, style="rfc3339", null="", cur=True, **options)


def write_parquet(path: Path, lines: Iterable[CostLine], *, cur: bool = False, version: str = "1.0") -> int:
    """Parquet with typed columns: decimal costs, timestamps, and a map of tags for CUR."""
    from portal.arrow import pa, pq

    columns = CUR_COLUMNS if cur else FOCUS_COLUMNS[version]
    types = {
        "cost": pa.decimal128(30, 12),
        "start": pa.timestamp("us", tz="UTC"),
        "end": pa.timestamp("us", tz="UTC"),
        "period_start": pa.timestamp("us", tz="UTC"),
        "period_end": pa.timestamp("us", tz="UTC"),
    }
    if cur:
        types["tags"] = pa.map_(pa.string(), pa.string())
    schema = pa.schema([(name, types.get(source, pa.string())) for name, source in columns.items()])
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict] = []
        for line in lines:
            period = month_start(line.start.date())
            values = {
                "cost": line.cost,
                "account": line.account,
                "currency": line.currency,
                "period_start": datetime(period.year, period.month, 1, tzinfo=UTC),
                "period_end": datetime.combine(add_months(period, 1), datetime.min.time(), tzinfo=UTC),
                "start": line.start,
                "end": line.end,
                "region": line.region or None,
                "resource": line.resource or None,
                "service": line.service,
                "sub_account": line.sub_account,
                "tags": ([(f"user_{k}", v) for k, v in line.tags.items()] if cur else json.dumps(line.tags))
                if line.tags
                else None,
                "charge": line.charge,
                "frequency": line.frequency,
                "line_type": line.line_type,
            }
            batch.append({name: values[src] if src in _FIELDS else src for name, src in columns.items()})
            count += 1
            if len(batch) >= 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count


def day_line(day: date, cost: Decimal, *, hours: tuple[int, int] = (0, 24), **fields) -> CostLine:
    start = datetime(day.year, day.month, day.day, hours[0], tzinfo=UTC)
    return CostLine(start=start, end=start + timedelta(hours=hours[1] - hours[0]), cost=cost, **fields)


# --- Scenarios with injected anomalies --------------------------------------------------------------

SERVICES = [
    ("Amazon Elastic Compute Cloud", 0.03),
    ("Amazon Relational Database Service", 0.02),
    ("Amazon Simple Storage Service", 0.08),
    ("AWS Lambda", 0.15),
    ("Amazon CloudFront", 0.12),
    ("Amazon ElastiCache", 0.02),
    ("Amazon Elastic Kubernetes Service", 0.03),
    ("Amazon DynamoDB", 0.10),
]
TYPES = ("scaled_up_left", "not_stopped", "perf_env_left", "mom_increase", "service_spike")


@dataclass
class ResourceSpec:
    id: str
    service: str
    daily: float
    noise: float
    tags: dict[str, str] = field(default_factory=dict)
    first: int = 0  # day index
    last: int | None = None  # last billed day index (None: to the end)
    hours: tuple[int, int] = (0, 24)  # billed hours each day (part-time: e.g. 9–18)
    weekdays_only: bool = False
    factor_from: list[tuple[int, float, float]] = field(
        default_factory=list
    )  # (day, factor, first-day share)
    around_clock_from: int | None = None  # part-time resource left running from this day
    cycle: tuple[int, int] | None = None  # (every N days, runs M days): an episodic job


@dataclass
class ProjectSpec:
    name: str
    sub_account: str
    resources: list[ResourceSpec]
    growth: float  # per day
    spikes: list[tuple[int, str, float]] = field(default_factory=list)  # (day, service, factor)
    broad: list[tuple[int, float]] = field(default_factory=list)  # (day, factor) on every regular resource
    plan_steps: list[tuple[int, float]] = field(
        default_factory=list
    )  # planned increases (month index, factor)


@dataclass
class Event:
    project: str
    type: str  # one of TYPES, or a negative: "planned_scale_up", "perf_env_on_time", …
    start: date
    scope: str
    positive: bool = True


@dataclass
class Scenario:
    start: date
    days: int
    projects: list[ProjectSpec]
    events: list[Event]
    currency: str = "USD"

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def lines(self, account: str = "100000000001") -> Iterator[CostLine]:
        """Daily lines (part-time resources: one line over their billed hours) in date order."""
        rng = random.Random(7)
        for index in range(self.days):
            day = self.day(index)
            for project in self.projects:
                yield from self._project_lines(project, index, day, rng, account)

    def _project_lines(
        self, project: ProjectSpec, index: int, day: date, rng: random.Random, account: str
    ) -> Iterator[CostLine]:
        trend = (1 + project.growth) ** index
        broad = 1.0
        for start, factor in project.broad:
            if index >= start:
                broad *= factor
        for r in project.resources:
            if index < r.first or (r.last is not None and index > r.last):
                continue
            left_on = r.around_clock_from is not None and index >= r.around_clock_from
            if r.weekdays_only and day.weekday() >= 5 and not left_on:
                continue
            if r.cycle and not left_on and (index - r.first) % r.cycle[0] >= r.cycle[1]:
                continue
            hours = r.hours
            if r.around_clock_from is not None and index >= r.around_clock_from:
                hours = (r.hours[0], 24) if index == r.around_clock_from else (0, 24)
            share = (hours[1] - hours[0]) / (r.hours[1] - r.hours[0])
            level = r.daily * share * (1 + rng.gauss(0, r.noise))
            if not r.tags.get("env"):
                level *= trend * broad
            for start, factor, first_share in r.factor_from:
                if index > start:
                    level *= factor
                elif index == start:
                    level *= 1 + (factor - 1) * first_share
            for spike_day, service, factor in project.spikes:
                if spike_day == index and r.service == service:
                    level *= factor
            cost = Decimal(str(round(max(level, 0.0), 6)))
            yield day_line(
                day,
                cost,
                hours=hours,
                service=r.service,
                sub_account=project.sub_account,
                resource=r.id,
                tags=r.tags,
                account=account,
                currency=self.currency,
            )


def generate(
    *, seed: int = 1, projects: int = 40, days: int = 240, start: date = date(2025, 1, 1)
) -> Scenario:
    """Projects with 6–14 resources, organic growth and noise; anomalies of the five types injected
    (about one per project per type slot) and planned changes that must *not* be reported."""
    rng = random.Random(seed)
    specs: list[ProjectSpec] = []
    events: list[Event] = []
    for p in range(projects):
        name = f"svc-{p:03d}"
        project = ProjectSpec(name, f"{700000000000 + p}", [], growth=rng.uniform(-0.0005, 0.002))
        for r in range(rng.randint(6, 14)):
            service, noise = rng.choice(SERVICES)
            project.resources.append(
                ResourceSpec(f"arn:{name}:{r:02d}", service, rng.lognormvariate(3.5, 1.0), noise)
            )
        specs.append(project)
        slots = list(range(60, days - 12, 24))
        rng.shuffle(slots)
        kinds = [
            *TYPES,
            "planned_scale_up",
            "perf_env_on_time",
            "expiry_on_time",
            "planned_growth",
            "new_resource",
        ]
        rng.shuffle(kinds)
        for kind, slot in zip(kinds[: rng.randint(3, 6)], slots, strict=False):
            at = slot + rng.randint(0, 6)
            events.extend(_inject(kind, project, at, rng, start))
    return Scenario(start=start, days=days, projects=specs, events=events)


def _regular(project: ProjectSpec, rng: random.Random, minimum: float = 0.0) -> ResourceSpec:
    candidates = [
        r
        for r in project.resources
        if not r.tags and r.hours == (0, 24) and not r.factor_from and r.first == 0
    ]
    candidates = [r for r in candidates if r.daily >= minimum] or candidates
    return rng.choice(candidates)


def _inject(kind: str, project: ProjectSpec, at: int, rng: random.Random, start: date) -> list[Event]:
    day = start + timedelta(days=at)
    total = sum(r.daily for r in project.resources)
    if kind in ("scaled_up_left", "planned_scale_up"):
        r = _regular(project, rng, minimum=total * 0.03)
        r.factor_from.append((at, rng.uniform(1.6, 3.0), rng.uniform(0.2, 1.0)))
        if kind == "planned_scale_up":
            r.tags = {"planned": "true"}
        return [Event(project.name, kind, day, f"resource:{r.id}", kind == "scaled_up_left")]
    if kind == "not_stopped":
        if rng.random() < 0.25:  # a job that runs a few days every week, left running
            length = rng.randint(2, 4)
            first = at - 7 * rng.randint(3, 5)
            left = first + 7 * ((at - first) // 7)
            r = ResourceSpec(
                f"arn:{project.name}:emr{at}", "Amazon EMR", total * 0.1, 0.03, first=first, cycle=(7, length),
                around_clock_from=left,
            )  # fmt: skip
            project.resources.append(r)
            return [Event(project.name, kind, start + timedelta(days=left + length), f"resource:{r.id}")]
        if rng.random() < 0.5:
            r = ResourceSpec(
                f"arn:{project.name}:dev",
                "Amazon Elastic Compute Cloud",
                total * 0.08,
                0.03,
                first=max(0, at - 40),
                hours=(9, 19),
                weekdays_only=True,
                around_clock_from=at,
            )
            while (start + timedelta(days=at)).weekday() >= 5:
                at += 1
            r.around_clock_from = at
            project.resources.append(r)
            return [Event(project.name, kind, start + timedelta(days=at), f"resource:{r.id}")]
        life = rng.randint(3, 10)
        first = at - life
        expiry = start + timedelta(days=first + life - 1)
        r = ResourceSpec(
            f"arn:{project.name}:batch",
            "Amazon Elastic Compute Cloud",
            total * 0.1,
            0.03,
            tags={"expires": expiry.isoformat()},
            first=first,
        )
        project.resources.append(r)
        return [Event(project.name, kind, expiry + timedelta(days=1), f"resource:{r.id}")]
    if kind == "expiry_on_time":
        life = rng.randint(3, 10)
        expiry = start + timedelta(days=at + life - 1)
        project.resources.append(
            ResourceSpec(
                f"arn:{project.name}:job",
                "Amazon Elastic Compute Cloud",
                total * 0.1,
                0.03,
                tags={"expires": expiry.isoformat()},
                first=at,
                last=at + life - 1,
            )
        )
        return [Event(project.name, kind, day, "resource:job", positive=False)]
    if kind in ("perf_env_left", "perf_env_on_time"):
        window = rng.randint(1, 4)
        tags = {"env": "perf", "test_id": f"lt-{at}", "ttl": f"{window}d"}
        last = None if kind == "perf_env_left" else at + window - 1 - rng.randint(0, window - 1)
        for i in range(rng.randint(2, 4)):
            service = [
                "Amazon Elastic Compute Cloud",
                "Amazon Relational Database Service",
                "Amazon ElastiCache",
            ][i % 3]
            project.resources.append(
                ResourceSpec(
                    f"arn:{project.name}:perf{at}-{i}",
                    service,
                    total * rng.uniform(0.05, 0.2),
                    0.03,
                    tags=tags,
                    first=at,
                    last=last,
                )
            )
        due = start + timedelta(days=at + window)
        return [
            Event(
                project.name,
                kind,
                due if kind == "perf_env_left" else day,
                f"env:perf:lt-{at}",
                kind == "perf_env_left",
            )
        ]
    if kind in ("mom_increase", "planned_growth"):
        month_first = month_start(day)
        if month_first < day:
            month_first = add_months(month_first, 1)
        at = (month_first - start).days
        project.broad.append((at, rng.uniform(1.4, 1.9)))
        if kind == "planned_growth":
            project.plan_steps.append((at, project.broad[-1][1]))
        return [Event(project.name, kind, month_first, "project", kind == "mom_increase")]
    if kind == "service_spike":
        service = _regular(project, rng, minimum=total * 0.03).service
        project.spikes.append((at, service, rng.uniform(3.0, 8.0)))
        return [Event(project.name, kind, day, f"service:{service}")]
    # new_resource: a new, permanent component — normal growth
    project.resources.append(
        ResourceSpec(
            f"arn:{project.name}:new{at}", "Amazon Relational Database Service", total * 0.3, 0.03, first=at
        )
    )
    return [Event(project.name, kind, day, "resource:new", positive=False)]
