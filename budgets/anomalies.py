"""Anomaly detection on a project's daily costs per resource (pure functions, no database).

Every detector is *causal*: the finding for day ``t`` uses only data up to
``t`` (``detected_on``), so running it for every day of a history gives the
same answers the daily scan gave — that is how the benchmark measures the
detection delay. Scores are computed in floats (statistics); the amounts a
finding reports (expected, actual, impact) are Decimal sums of the costs.

The rules (docs/budgets.md explains them with examples):

``scaled_up_left``
    An established resource (billed on ≥ 10 of the 14 days before) whose
    daily cost is above ``max(1.3 × median, median + 4 × MAD)`` on two full
    days in a row; the start is the first (possibly partial) day of the step.
``not_stopped``
    A resource billing (nearly) every hour beyond the lifetime its tags give
    (``expires``/``ttl``/``until``/… ), or beyond its own history: it used to
    be stopped every day (billed ≤ 16 h) and now bills all day.
``perf_env_left``
    Cost tagged as a test/perf/staging environment that still bills after the
    test window: the window comes from the tags, else from the project's
    earlier test environments, else ``DEFAULT_TEST_WINDOW_DAYS``.
``mom_increase``
    A jump: the project's daily cost (test environments excluded) ``MOM_RATIO``
    above the same weekdays of the weeks before on two days in a row, most
    resources up together. Or a climb: the resources' log costs, fitted
    together, grow from a common onset (a hinge) significantly (``CLIMB_Z``),
    broadly and at ≥ ``MOM_RATIO`` a month. Never carried by one resource, nor
    matched by a planned increase of the budget since the usual it is measured against.
``service_spike``
    An established service's daily cost ≥ ``SPIKE_RATIO`` × its median and
    far outside its usual spread; when one resource carries it, only once it
    has fallen back the next day (else it is a step: ``scaled_up_left``).

Resources tagged ``planned=true`` (or ``change=planned``) are not flagged.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from statistics import median
from typing import NamedTuple

import numpy as np

ZERO = Decimal(0)
BASELINE_DAYS = 14
MIN_BILLED_DAYS = 10
STEP_RATIO = 1.45
STRONG_STEP_RATIO = 2.0  # … reported on its second day; a weaker step on its third
WEAK_STEP_FLOOR = 0.9  # … its third day at least this far from the usual to the threshold
STEP_MADS = 4.0
SPIKE_RATIO = 1.8
SPIKE_MADS = 6.0
MOM_RATIO = 1.25
MOM_BASE_DAYS = 7
MOM_WEEKS = 4  # a jump: against the same weekdays of the 4 weeks before
MOM_COMMON = 1.2
MOM_COOLDOWN_DAYS = 35
ONSET_WINDOW = 75
CLIMB_WINDOW = 56  # a climb: the resources' last 8 weeks fitted together …
CLIMB_ONSETS = 28  # … with a growth from one of the last 4 weeks
CLIMB_CLIP = 4.0  # (outlying days clipped to ± 4 robust σ)
CLIMB_MIN_HISTORY = 35  # (a shorter history: all of it, from 5 weeks)
CLIMB_Z = 5.0  # … significant (Stouffer's z over the resources)
CLIMB_BROAD = 0.6  # … in most resources (their growth's z ≥ 1)
ONSET_JUMP_TOLERANCE = 1.25  # a jump's own day unless a hinge fits this much better
STEP_SETTLE_DAYS = 3  # a step that fits better rules a climb out; once it is 3 days old …
STEP_EVIDENCE = 2.0  # … only when it fits clearly better: 2 ln B ≥ 2 (Kass–Raftery)
ONSET_REFIT_DAYS = 14  # an increase's start: re-estimated from newer days for two weeks after its report
DEFAULT_TEST_WINDOW_DAYS = 2  # a test environment without lifetime tags or earlier tests
MULTI_DAY_SPIKE_RATIO = 2.5  # one resource up for days, then back: a spike from this ratio
SPIKE_MAX_DAYS = 5  # one resource up this long at most, then back: a spike, not a step
SAME_CAUSE_DAYS = 3  # findings of one resource (or service) this close are one cause
FULL_DAY_HOURS = 20
PART_TIME_HOURS = 16
MIN_IMPACT_SHARE = 0.005  # of the project's monthly cost: smaller changes are noise …
SERVICE_IMPACT_SHARE = 0.05  # … unless unmistakable (a strong step, a spike) and this much of its service
EPISODE_MARGIN_DAYS = 3  # an episodic resource: a run this much longer than its longest is left on
LOOKBACK_DAYS = 75

TEST_ENV_KEYS = ("env", "environment", "stage", "purpose", "workload", "usage", "type", "tier")
TEST_ENV_VALUE = re.compile(
    r"perf|load[-_ ]?test|stress|bench|staging|(^|[^a-z])(test|testing|stg|qa|uat)([^a-z]|$)", re.IGNORECASE
)
TEST_GROUP_KEYS = ("test_id", "test-id", "testid", "run_id", "test_run", "loadtest_id", "perf_test", "test")
LIFETIME_KEYS = (
    "expires", "expiry", "expiration", "expire", "expires_at", "expiration_date", "until", "end", "end_date",
    "enddate", "stop_after", "delete_after", "stop_by", "ttl", "lifetime", "duration", "test_window",
    "window", "window_end", "test_end",
)  # fmt: skip
PLANNED_KEYS = ("planned", "planned_change", "change")
PERMANENT = frozenset({"permanent", "none", "never", "forever", "infinite", "-"})


@dataclass
class Finding:
    type: str
    scope: str
    start: date
    detected_on: date
    service: str = ""
    resource_id: str = ""
    sub_account_id: str = ""
    region: str = ""
    expected: Decimal = ZERO  # per day
    actual: Decimal = ZERO  # per day, average over the evidence days
    monthly_impact: Decimal = ZERO
    contributors: list[dict] = field(default_factory=list)
    explanation: str = ""
    estimated_on: date | None = None  # the last day of data its start was estimated from (when revised)


@dataclass
class Resource:
    key: str
    service: str
    sub_account: str
    region: str
    tags: dict[str, str]
    cost: dict[date, Decimal] = field(default_factory=dict)
    hours: dict[date, int] = field(default_factory=dict)  # bit mask of billed UTC hours
    floats: dict[date, float] = field(default_factory=dict)  # the costs as floats, for the scores

    @property
    def first_day(self) -> date:
        return min(self.cost)

    def c(self, day: date) -> float:
        return self.floats.get(day, 0.0)

    def billed_hours(self, day: date) -> int:
        return self.hours.get(day, 0).bit_count()


@dataclass
class Context:
    """What the detectors know besides costs: the plan (month → amount) and causes already answered."""

    plan: Mapping[date, Decimal] = field(default_factory=dict)
    suppressed: set[tuple[str, str]] = field(default_factory=set)


# --- Input -------------------------------------------------------------------------------------


def resources_from_rows(rows: Iterable[tuple]) -> dict[str, Resource]:
    """Rows (day, service, sub_account, resource_id, region, tags, cost, hours_mask) → resources."""
    out: dict[str, Resource] = {}
    parsed: dict[str, dict] = {}
    for day, service, sub_account, resource_id, region, tags, cost, mask in rows:
        key = resource_id or f"{service}@{sub_account}/{region}"
        if isinstance(tags, str):
            tags = parsed.get(tags) or parsed.setdefault(tags, json.loads(tags))
        res = out.get(key)
        if res is None:
            res = out[key] = Resource(key, service, sub_account, region, dict(tags or {}))
        elif tags and tags is not res.tags:
            res.tags.update(tags)
        res.cost[day] = res.cost.get(day, ZERO) + cost
        res.hours[day] = res.hours.get(day, 0) | (mask or 0)
    for res in out.values():
        res.floats = {day: float(cost) for day, cost in res.cost.items()}
    return out


def _tag(tags: Mapping[str, str], keys: Iterable[str]) -> str | None:
    lowered = {k.lower().removeprefix("user:").removeprefix("user_"): v for k, v in tags.items()}
    for key in keys:
        if key in lowered and str(lowered[key]).strip():
            return str(lowered[key]).strip()
    return None


def test_group(tags: Mapping[str, str]) -> str | None:
    """The test environment a resource belongs to (None: not a test/perf/staging resource)."""
    lowered = {k.lower().removeprefix("user:").removeprefix("user_"): str(v) for k, v in tags.items()}
    env = next(
        (lowered[k] for k in TEST_ENV_KEYS if k in lowered and TEST_ENV_VALUE.search(lowered[k])), None
    )
    if env is None:
        return None
    run = _tag(tags, TEST_GROUP_KEYS)
    return f"{env}:{run}" if run else env


def is_planned(tags: Mapping[str, str]) -> bool:
    value = (_tag(tags, PLANNED_KEYS) or "").lower()
    return value in {"true", "yes", "1", "planned"}


_DURATION = re.compile(r"^P?T?(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|d|days?|w|weeks?)?$", re.IGNORECASE)


def tagged_end(tags: Mapping[str, str], first_day: date) -> date | None:
    """The last day a resource may bill according to its tags (a date, or a duration from its first day)."""
    value = _tag(tags, LIFETIME_KEYS)
    if not value:
        return None
    if value.lower() in PERMANENT:
        return date.max
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = _DURATION.match(value.strip())
    if not match:
        return None
    amount, unit = float(match.group(1)), (match.group(2) or "d").lower()
    days = amount / 24 if unit.startswith("h") else amount * 7 if unit.startswith("w") else amount
    return first_day + timedelta(days=max(0, int(-(-days // 1)) - 1))


# --- Helpers -----------------------------------------------------------------------------------


def _days(end: date, count: int) -> list[date]:
    return [end - timedelta(days=i) for i in range(count, 0, -1)]


def _baseline(values: list[float]) -> tuple[float, float]:
    mid = median(values)
    return mid, median(abs(v - mid) for v in values)


def _weekday_usual(cost: Callable[[date], float | None], day: date, first: date) -> float | None:
    """The median cost of ``day``'s weekday over the ``MOM_WEEKS`` weeks before (those since
    ``first``; None with fewer than two): weekly patterns (weekday-only resources) are the usual."""
    values = [cost(d) or 0.0 for k in range(1, MOM_WEEKS + 1) if (d := day - timedelta(days=7 * k)) >= first]
    return median(values) if len(values) >= 2 else None


def _avg(resource_costs: Iterable[Decimal], days: int) -> Decimal:
    return sum(resource_costs, ZERO) / days


def _month_start(day: date) -> date:
    return day.replace(day=1)


class ClimbFit(NamedTuple):
    """The resources' joint growth fit (``Detector._climb_fit``)."""

    onset: date
    z: float  # Stouffer's z over the resources, the largest capped at the second largest
    rise: float  # fitted rise of the total since the onset (without the top grower)
    monthly: float  # fitted growth over a month (without the top grower)
    broad: float  # share of the resources growing (z ≥ 1)
    services: int  # services with a growing resource
    base: float  # daily cost of the week before the onset
    step_margin: float  # 2 ln B of the best step against the growth (> 0: a step fits better)
    step_age: int  # days since the best step's first day (0: a step today)


# --- Detectors -------------------------------------------------------------------------------------


class Detector:
    """All five detectors over one project's resources; ``run(days)`` gives the findings of those days."""

    def __init__(self, resources: Mapping[str, Resource], context: Context | None = None):
        self.resources = resources
        self.context = context or Context()
        self.tests = {k: g for k, r in resources.items() if (g := test_group(r.tags))}
        self.planned = {k for k, r in resources.items() if is_planned(r.tags)}
        self.regular = [r for k, r in resources.items() if k not in self.tests]
        self._service_count = len({r.service for r in self.regular})
        self._mom_cache: dict[date, tuple[float, float, date, bool] | None] = {}
        self._usual_cache: dict[tuple[str, date, int], tuple[float, int]] = {}
        self._service_cache: dict[tuple[str, date], float] = {}
        self.first_day = min((r.first_day for r in resources.values() if r.cost), default=date.min)
        self._daily_total: dict[date, float] = {}
        for r in self.regular:
            for day, cost in r.cost.items():
                self._daily_total[day] = self._daily_total.get(day, 0.0) + float(cost)

    def run(self, days: Iterable[date]) -> list[Finding]:
        findings: list[Finding] = []
        for t in sorted(days):
            impact_floor = MIN_IMPACT_SHARE * 30 * self._mean_total(t, 28)
            findings += self.scaled_up(t, impact_floor)
            findings += self.service_spikes(t, impact_floor)
            findings += self.spike_ends(t, impact_floor)
            findings += self.not_stopped(t)
            findings += self.perf_envs(t)
            findings += self.mom(t)
        return [f for f in findings if (f.type, f.scope) not in self.context.suppressed]

    def _usual(self, r: Resource, end: date, days: int) -> tuple[float, int]:
        """(median cost, billed days) of a resource over the ``days`` days before ``end`` (memoised)."""
        key = (r.key, end, days)
        cached = self._usual_cache.get(key)
        if cached is None:
            values = [r.c(d) for d in _days(end, days)]
            cached = self._usual_cache[key] = (median(values), sum(1 for v in values if v > 0))
        return cached

    def _mean_total(self, t: date, count: int) -> float:
        return sum(self._daily_total.get(d, 0.0) for d in _days(t, count)) / count

    def _service_usual(self, service: str, end: date) -> float:
        """The service's usual daily cost: the median of its total over the 28 days before ``end``."""
        key = (service, end)
        cached = self._service_cache.get(key)
        if cached is None:
            members = [r for r in self.regular if r.service == service]
            totals = [sum(r.c(d) for r in members) for d in _days(end, BASELINE_DAYS * 2)]
            cached = self._service_cache[key] = median(totals)
        return cached

    def _material(self, service: str, end: date, excess: float, impact_floor: float, certain: bool) -> bool:
        """Whether a daily ``excess`` matters: ≥ ``MIN_IMPACT_SHARE`` of the project's cost (the
        ``impact_floor`` is a month's), or — for a change that is unmistakable (``certain``: a strong
        step, a spike) — ≥ ``SERVICE_IMPACT_SHARE`` of its service's usual cost. A small service
        tripling is news to whoever owns it even when the project hardly notices (as a per-service
        monitor with a percentage threshold would say); a doubtful change must matter to the project."""
        if excess * 30 >= impact_floor:
            return True
        return certain and excess >= SERVICE_IMPACT_SHARE * self._service_usual(service, end)

    # 1. scaled up and left
    def _step(self, r: Resource, t: date) -> tuple[float, float] | None:
        """(baseline, threshold) when the resource is established and stable before ``t - 1``."""
        values = [r.c(d) for d in _days(t - timedelta(days=2), BASELINE_DAYS * 2)]
        if sum(1 for v in values[-BASELINE_DAYS:] if v > 0) < MIN_BILLED_DAYS:
            return None
        mid, _ = _baseline(values[-BASELINE_DAYS:])
        _, mad = _baseline([v for v in values if v > 0])
        if mid <= 0:
            return None
        return mid, max(mid * STEP_RATIO, mid + STEP_MADS * 1.4826 * mad)

    def common_factor(self, t: date, days: int = BASELINE_DAYS, exclude: Resource | None = None) -> float:
        """How much the project's established resources moved together (median ratio to their baseline)."""
        ratios = []
        for r in self.regular:
            if r is exclude:
                continue
            mid, billed = self._usual(r, t - timedelta(days=2), days)
            if mid > 0 and billed >= days * MIN_BILLED_DAYS / BASELINE_DAYS:
                ratios.append(min(r.c(t - timedelta(days=1)), r.c(t)) / mid)
        return max(1.0, median(ratios)) if len(ratios) >= 3 else 1.0

    def total_factor(self, t: date, r: Resource) -> float:
        """How much the rest of the project (its total without ``r``) rose on t-1 and t against its
        median of the two weeks before: a broad climb lifts every resource."""

        def rest(d: date) -> float:
            return self._daily_total.get(d, 0.0) - r.c(d)

        before = median(rest(d) for d in _days(t - timedelta(days=2), BASELINE_DAYS))
        if before <= 0:
            return 1.0
        return max(1.0, min(rest(t - timedelta(days=1)), rest(t)) / before)

    def day_factor(self, d: date, exclude: str = "", exclude_resource: Resource | None = None) -> float:
        """The median ratio of the other services' established resources' cost on ``d`` to their usual."""
        ratios = []
        for r in self.regular:
            if r.service == exclude or r is exclude_resource:
                continue
            mid, billed = self._usual(r, d, BASELINE_DAYS)
            if mid > 0 and billed >= MIN_BILLED_DAYS:
                ratios.append(r.c(d) / mid)
        return max(1.0, median(ratios)) if len(ratios) >= 3 else 1.0

    def _stepped(self, r: Resource, t: date, impact_floor: float) -> tuple[float, float, float] | None:
        """(usual, threshold, broad factor) when ``r`` is above its usual level on t-1 and t, after a
        stable period, by more than the project's broad move and by enough to matter."""
        step = self._step(r, t)
        if step is None:
            return None
        mid, threshold = step
        y1, y0 = r.c(t - timedelta(days=1)), r.c(t)
        if y1 < threshold or y0 < threshold:
            return None  # (the broad factor below is ≥ 1: checked first, it saves most of the work)
        # A broad move of the project (mom_increase: on both days, or starting today) lifts every
        # resource: compare with how the other resources moved.
        common = max(
            self.common_factor(t, exclude=r), self.day_factor(t, exclude_resource=r), self.total_factor(t, r)
        )
        threshold *= common
        if y1 < threshold or y0 < threshold:
            return None
        if sum(1 for d in _days(t - timedelta(days=2), BASELINE_DAYS) if r.c(d) >= threshold) > 1:
            return None  # not stable before: the step (if any) began earlier
        usual_hours = median(r.billed_hours(d) for d in _days(t - timedelta(days=2), BASELINE_DAYS))
        if r.billed_hours(t) > usual_hours + 4:
            return None  # billed longer, not bigger: that is not_stopped's case
        strong = self._strong(r, t, (mid, threshold, common))
        if not self._material(r.service, t - timedelta(days=1), (y1 + y0) / 2 - mid, impact_floor, strong):
            return None
        return mid, threshold, common

    def _strong(self, r: Resource, t: date, stepped: tuple[float, float, float]) -> bool:
        """A step clear enough to report on its second day: both days ≥ ``STRONG_STEP_RATIO`` × the
        usual (times the broad factor) and twice as far above it as the threshold. Weaker ones wait
        for a third day."""
        mid, threshold, common = stepped
        usual = mid * common
        low = min(r.c(t - timedelta(days=1)), r.c(t))
        return low >= max(STRONG_STEP_RATIO * usual, 2 * threshold - usual)

    def scaled_up(self, t: date, impact_floor: float) -> list[Finding]:
        """A strong step on its second day; a weaker one on its third, when the third day is still
        well up (above half-way to the threshold) and the three days average above the threshold."""
        out = []
        one = timedelta(days=1)
        for r in self.regular:
            if t not in r.cost or r.key in self.planned:
                continue  # a planned resize is no anomaly
            now = self._stepped(r, t, impact_floor)
            before = self._stepped(r, t - one, impact_floor)
            if now is not None and before is None and self._strong(r, t, now):
                stepped, days = now, 2
            elif (
                before is not None
                and not self._strong(r, t - one, before)
                and self._stepped(r, t - 2 * one, impact_floor) is None
            ):
                mid, threshold, common = before
                usual = mid * common
                three = [r.c(t - one * k) for k in (2, 1, 0)]
                if min(three) < usual + WEAK_STEP_FLOOR * (threshold - usual) or sum(three) / 3 < threshold:
                    continue
                stepped, days = before, 3
            else:
                continue
            mid, _, common = stepped
            evidence_days = [t - one * k for k in range(days - 1, -1, -1)]
            new_level = sum(r.c(d) for d in evidence_days) / days
            first = evidence_days[0]
            partial = r.c(first - one) > mid * common + 0.25 * (new_level - mid * common)
            start = first - one if partial else first
            evidence = [r.cost.get(d, ZERO) for d in evidence_days]
            out.append(self._resource_finding("scaled_up_left", r, start, t, Decimal(repr(mid)), evidence))
        return out

    # 5. spike in one service
    def service_spikes(self, t: date, impact_floor: float) -> list[Finding]:
        by_service: dict[str, list[Resource]] = {}
        for r in self.regular:
            if r.key not in self.planned:  # a planned resize is no spike either
                by_service.setdefault(r.service, []).append(r)
        out = []
        for service, members in by_service.items():
            for day, confirm in ((t, False), (t - timedelta(days=1), True)):
                finding = self._spike(service, members, day, t, confirm, impact_floor)
                if finding:
                    out.append(finding)
        return out

    def _spike(
        self,
        service: str,
        members: list[Resource],
        d: date,
        t: date,
        confirm: bool,
        impact_floor: float,
    ) -> Finding | None:
        def total(day: date) -> float:
            return sum(r.c(day) for r in members)

        if total(d) <= total(d - timedelta(days=1)) * SPIKE_RATIO * 0.5:
            return None  # not even a doubling from the day before: no spike (cheap early exit)
        # Up to 4 weeks before d, from the service's first day (a young project has a shorter history).
        first = min(r.first_day for r in members)
        values = [total(day) for day in _days(d, BASELINE_DAYS * 2) if day >= first]
        if sum(1 for v in values if v > 0) < max(MIN_BILLED_DAYS, len(values) * 0.7):
            return None
        mid, mad = _baseline(values)
        # The same weekday a week before counts as usual too (weekly patterns are no spikes).
        usual = max(mid, total(d - timedelta(days=7)))
        threshold = max(usual * SPIKE_RATIO, mid + SPIKE_MADS * 1.4826 * mad)
        if mid <= 0 or total(d) < threshold or total(d - timedelta(days=1)) >= threshold:
            return None
        # Everything up together (the project's growth) is no spike of one service.
        threshold *= self.day_factor(d, exclude=service)
        if total(d) < threshold or total(d - timedelta(days=1)) >= threshold:
            return None
        if not self._material(service, d, (total(d) - mid) / 3, impact_floor, certain=True):
            return None  # (a spike's one day against three days of the project's floor)
        deltas = sorted(
            ((r.c(d) - self._usual(r, d, BASELINE_DAYS * 2)[0], r) for r in members),
            key=lambda item: -item[0],
        )
        increase = total(d) - mid
        top_delta, top = deltas[0]
        concentrated = top_delta >= 0.6 * increase
        if concentrated != confirm:
            return None  # spread spikes are reported the same day; one resource's, once it falls back
        if confirm:
            step = self._step(top, d)
            if step is None:
                return None
            # The resource already up the day before (a step, or the project's broad jump): a high day
            # is that step's noise — unless it is a spike against the raised level itself (the days
            # just before), as a spike a week after a month-over-month jump is.
            raised = median(top.c(d - timedelta(days=k)) for k in (1, 2, 3))
            if top.c(d - timedelta(days=1)) >= step[1] and top.c(d) < SPIKE_RATIO * raised:
                return None
            top_base = self._usual(top, d, BASELINE_DAYS * 2)[0]
            if top.c(t) > top_base + 0.5 * top_delta or self._stepped(top, t, impact_floor) is not None:
                return None  # still up: a step, not a spike
        expected = Decimal(repr(mid))
        actual = sum((r.cost.get(d, ZERO) for r in members), ZERO)
        contributors = [
            {
                "resource_id": r.key,
                "sub_account_id": r.sub_account,
                "region": r.region,
                "increase": round(delta, 2),
            }
            for delta, r in deltas[:5]
            if delta > 0
        ]
        return Finding(
            type="service_spike",
            scope=f"service:{service}",
            start=d,
            detected_on=t,
            service=service,
            resource_id=top.key if concentrated or top_delta >= 0.5 * increase else "",
            sub_account_id=top.sub_account,
            region=top.region,
            expected=expected,
            actual=actual,
            monthly_impact=actual - expected,
            contributors=contributors,
            explanation=f"{service} cost {actual:.2f} on {d} vs a usual {mid:.2f} per day",
        )

    def spike_ends(self, t: date, impact_floor: float) -> list[Finding]:
        """One resource up for 2 to ``SPIKE_MAX_DAYS`` days that is back to normal on ``t``: a spike of
        its service (the step reported on its second day becomes this spike: see ``consolidate``)."""
        out = []
        for r in self.regular:
            if r.key in self.planned:
                continue
            for k in range(2, SPIKE_MAX_DAYS + 1):
                start = t - timedelta(days=k + 1)  # up k days, then back on t-1 and t
                step = self._step(r, start + timedelta(days=1))
                if step is None:
                    continue
                mid, threshold = step
                high = [r.c(start + timedelta(days=i)) for i in range(k)]
                if min(high) < threshold or r.c(start - timedelta(days=1)) >= threshold:
                    continue
                level = sum(high) / k
                _, mad = _baseline([v for v in (r.c(d) for d in _days(start, BASELINE_DAYS * 2)) if v > 0])
                if level < max(MULTI_DAY_SPIKE_RATIO * mid, mid + SPIKE_MADS * 1.4826 * mad):
                    continue  # a bump, not a spike (autocorrelated noise makes multi-day bumps common)
                back = mid + 0.3 * (level - mid)
                if max(r.c(t), r.c(t - timedelta(days=1))) > back or not self._material(
                    r.service, start, level - mid, impact_floor, certain=True
                ):
                    continue
                if level < threshold * self.day_factor(start, exclude_resource=r):
                    continue  # the whole project moved those days
                evidence = [r.cost.get(start + timedelta(days=i), ZERO) for i in range(k)]
                finding = self._resource_finding("service_spike", r, start, t, Decimal(repr(mid)), evidence)
                finding.scope = f"service:{r.service}"
                finding.monthly_impact = sum(evidence, ZERO) - finding.expected * k
                finding.explanation = (
                    f"{r.service}: {r.key} cost {finding.actual:.2f} a day for {k} days from {start} vs a usual "
                    f"{mid:.2f}, then fell back"
                )
                out.append(finding)
                break
        return out

    # 2. forgotten to stop
    def not_stopped(self, t: date) -> list[Finding]:
        out = []
        for r in self.regular:
            if r.billed_hours(t) < FULL_DAY_HOURS:
                continue
            end = tagged_end(r.tags, r.first_day)
            if end == date.max:
                continue  # tagged permanent
            if end is not None:
                start = end + timedelta(days=1)
                if t >= start and (t == start or r.billed_hours(t - timedelta(days=1)) < FULL_DAY_HOURS):
                    out.append(
                        self._lifetime_finding(r, start, t, ZERO, f"billing after its tagged end {end}")
                    )
                continue
            finding = self._part_time(r, t) or self._episodic(r, t)
            if finding:
                out.append(finding)
        return out

    def _episodic(self, r: Resource, t: date) -> Finding | None:
        """A resource that ran in short episodes (≥ 3 before, each ≤ a week) and now runs
        ``EPISODE_MARGIN_DAYS`` longer than its longest. The runs are exchangeable: one run in n + 1 is
        the longest yet by chance alone, commonly by a day or two (batch runs of 2–5 days), so one or
        two days beyond the longest is no evidence; three is, and still reports within two days of
        the first day beyond it. Expected: its usual day, runs and pauses together (so the impact is
        what leaving it on adds)."""
        billed = sorted(d for d, c in r.floats.items() if c > 0 and d <= t)
        if not billed or billed[-1] != t:
            return None
        episodes, first = [], billed[0]
        for previous, day in pairwise(billed):
            if (day - previous).days > 1:
                episodes.append((previous - first).days + 1)
                first = day
        if len(episodes) < 3 or max(episodes) > 7:
            return None  # too few runs to know how long it usually runs
        usual = max(episodes)
        if (t - first).days + 1 != usual + EPISODE_MARGIN_DAYS:
            return None
        before = [d for d in billed if d < first]
        part_time = median(r.billed_hours(d) for d in before) <= PART_TIME_HOURS
        if part_time and any(r.billed_hours(d) >= FULL_DAY_HOURS for d in billed if d >= first):
            return None  # left on around the clock: reported by the part-time rule already
        start = first + timedelta(days=usual)
        expected = _avg((r.cost[d] for d in before), (first - billed[0]).days)
        return self._lifetime_finding(
            r, start, t, expected, f"used to run {usual} day(s) at a time, now longer"
        )

    def _part_time(self, r: Resource, t: date) -> Finding | None:
        """A resource that was stopped every day and now bills around the clock: yesterday it billed
        into the night (or all day) and today all day. Start: yesterday."""
        y = t - timedelta(days=1)
        base_days = [d for d in _days(y, BASELINE_DAYS) if d in r.hours]
        if len(base_days) < 7:
            return None
        usual = median(r.billed_hours(d) for d in base_days)
        late_bit = 1 << 23
        usual_late = sum(1 for d in base_days if r.hours.get(d, 0) & late_bit) / len(base_days)
        if usual > PART_TIME_HOURS or usual_late > 0.2:
            return None
        if not (r.hours.get(y, 0) & late_bit or r.billed_hours(y) >= FULL_DAY_HOURS):
            return None
        before = y - timedelta(days=1)
        if r.hours.get(before, 0) & late_bit or r.billed_hours(before) >= FULL_DAY_HOURS:
            return None  # already on the day before: reported then
        expected = _avg((r.cost[d] for d in base_days), len(base_days))
        return self._lifetime_finding(
            r, y, t, expected, f"usually billed {usual:.0f} h a day, now around the clock"
        )

    def _lifetime_finding(self, r: Resource, start: date, t: date, expected: Decimal, why: str) -> Finding:
        finding = self._resource_finding("not_stopped", r, start, t, expected, [r.cost.get(t, ZERO)])
        finding.explanation = f"{r.key} ({r.service}) {why}; {finding.actual:.2f} a day"
        return finding

    # 3. performance-test environment left running
    def perf_envs(self, t: date) -> list[Finding]:
        groups: dict[str, list[Resource]] = {}
        for key, group in self.tests.items():
            groups.setdefault(group, []).append(self.resources[key])
        out = []
        for group, members in groups.items():
            finding = self._perf_env(group, members, t, groups)
            if finding:
                out.append(finding)
        return out

    @staticmethod
    def _episode_start(members: list[Resource], t: date) -> date | None:
        """First day of the environment's current run of billed days ending at ``t`` (gaps ≤ 1 day)."""
        billed = {d for r in members for d, c in r.cost.items() if c > 0 and d <= t}
        if t not in billed:
            return None
        day = t
        while day - timedelta(days=1) in billed or day - timedelta(days=2) in billed:
            day -= timedelta(days=1) if day - timedelta(days=1) in billed else timedelta(days=2)
        return day

    def _window(
        self, members: list[Resource], start: date, groups: Mapping[str, list[Resource]]
    ) -> int | None:
        ends = [e for r in members if (e := tagged_end(r.tags, start)) is not None]
        if date.max in ends:
            return None  # tagged permanent
        if ends:
            return max(1, (max(ends) - start).days + 1)
        lengths = []
        for other in groups.values():
            billed = sorted({d for r in other for d, c in r.cost.items() if c > 0 and d < start})
            run = 1
            for previous, day in pairwise(billed):
                if (day - previous).days <= 2:
                    run += (day - previous).days
                else:
                    lengths.append(run)
                    run = 1
            if billed and (start - billed[-1]).days > 2:
                lengths.append(run)
        return int(median(lengths)) + 1 if lengths else DEFAULT_TEST_WINDOW_DAYS

    def _perf_env(
        self, group: str, members: list[Resource], t: date, groups: Mapping[str, list[Resource]]
    ) -> Finding | None:
        start = self._episode_start(members, t)
        if start is None or start <= self.first_day + timedelta(days=1):
            return None  # running since before the data begins: its start (and window) is unknown
        window = self._window(members, start, groups)
        if window is None:
            return None
        due = start + timedelta(days=window)  # the first day it should not bill any more
        if t != due:
            return None
        in_window = [sum((r.cost.get(d, ZERO) for r in members), ZERO) for d in _days(due, window)]
        level = sum(in_window, ZERO) / window
        actual = sum((r.cost.get(t, ZERO) for r in members), ZERO)
        hours = max(r.billed_hours(t) for r in members)
        if level <= 0 or actual < level * Decimal("0.6") or hours < FULL_DAY_HOURS:
            return None
        top = max(members, key=lambda r: r.cost.get(t, ZERO))
        return Finding(
            type="perf_env_left",
            scope=f"env:{group}",
            start=due,
            detected_on=t,
            service=top.service,
            resource_id=top.key,
            sub_account_id=top.sub_account,
            region=top.region,
            expected=ZERO,
            actual=actual,
            monthly_impact=actual * 30,
            contributors=_contributors(members, t),
            explanation=(
                f"test environment {group} started {start}, window {window} day(s), still billing "
                f"{actual:.2f} a day on {t}"
            ),
        )

    # 4. abnormal month-over-month increase
    def _mom_condition(self, t: date) -> tuple[float, float, date, bool] | None:
        """(base, common factor, start, jump) when the project's cost is abnormally up on ``t``:

        * a jump: up ``MOM_RATIO`` on t-1 and t against the same weekdays of the weeks before,
          most resources together (start: t-1, see ``_onset``);
        * a climb: a significant, broad and fast growth of the resources (``_climb``; start: its
          fitted onset).

        Neither when the approved plan grows as much.
        """
        cached = self._mom_cache.get(t)
        if cached is not None or t in self._mom_cache:
            return cached
        result = None
        evidence = (t - timedelta(days=1), t)
        usual = [_weekday_usual(self._daily_total.get, d, self.first_day) for d in evidence]
        if all(u is not None and u > 0 for u in usual) and all(
            self._daily_total.get(d, 0.0) >= u * MOM_RATIO for d, u in zip(evidence, usual, strict=True)
        ):
            common = self._jump_common(evidence)
            since = evidence[0] - timedelta(days=7 * MOM_WEEKS)  # (the usual's first day)
            if common >= MOM_COMMON and self._broad(evidence) and not self._planned_growth(t, common, since):
                result = (sum(usual) / 2, common, t, True)  # start: _onset, when reported
        if result is None:
            result = self._climb(t)
        self._mom_cache[t] = result
        return result

    def _resource_usual(self, r: Resource, d: date) -> float:
        return _weekday_usual(r.floats.get, d, r.first_day) or 0.0

    def _jump_common(self, evidence: tuple[date, date]) -> float:
        """The median, over the established resources, of their lower ratio on the evidence days to
        their usual cost of those weekdays (1 when fewer than three resources)."""
        ratios = []
        for r in self.regular:
            if r.key in self.planned:
                continue
            usual = [self._resource_usual(r, d) for d in evidence]
            if all(u > 0 for u in usual):
                ratios.append(min(r.c(d) / u for d, u in zip(evidence, usual, strict=True)))
        return median(ratios) if len(ratios) >= 3 else 1.0

    def _broad(self, evidence: tuple[date, date]) -> bool:
        """The rise is not carried by one or two resources: without the two that rose most (and
        without resources tagged as planned changes), the project is still up ``MOM_COMMON``."""

        def rise(r: Resource) -> float:
            return sum(r.c(d) - self._resource_usual(r, d) for d in evidence)

        ranked = sorted((r for r in self.regular if r.key not in self.planned), key=rise, reverse=True)
        rest = ranked[2:] if len(ranked) > 3 else ranked[1:]
        before = sum(self._resource_usual(r, d) for r in rest for d in evidence)
        now = sum(r.c(d) for r in rest for d in evidence)
        return before > 0 and now >= before * MOM_COMMON

    def _climb(self, t: date) -> tuple[float, float, date, bool] | None:
        """A broad climb, tested on the project's resources together (``_climb_fit``): significant
        (``CLIMB_Z``), broad (most resources, more than one service) and fast (≥ ``MOM_RATIO`` a
        month); start: the fitted common onset. No threshold on how far the cost has risen yet: a
        climb is reported as soon as it is certain (a rise-so-far gate of 15 % delayed a 3 %/day climb
        by 1–3 days beyond that, and bought no precision on any generator).

        Growth or step? A step (a jump on one day) that fits the resources better rules the climb out
        while it is under ``STEP_SETTLE_DAYS`` old — on its first days a step and a growth fit alike,
        and a small broad step read as a growth would extrapolate to a fast climb. Once the step has
        had three days to show it stays flat, it rules the climb out only when it fits clearly better
        (``STEP_EVIDENCE``, see ``ClimbFit.step_margin``); when it fits about as well, the climb must
        still grow ``MOM_RATIO`` a month *beyond* that step (the growth fitted together with it). A
        fleet that adds whole instances climbs in steps: its first days often fit one step a little
        better, and a strict "the step wins" held such climbs back until the growth won outright —
        days after the rise was identifiable."""
        fit = self._climb_fit(t)
        if fit is None or fit.step_margin >= (STEP_EVIDENCE if fit.step_age >= STEP_SETTLE_DAYS else 0):
            return None  # a step, or too early to tell a growth from a step: the jump rule's case
        onset, z, rise, monthly, broad, services, base = fit[:7]
        if (
            z < CLIMB_Z
            or broad < CLIMB_BROAD
            or services < min(2, self._service_count)
            or monthly < MOM_RATIO
            or self._planned_growth(t, rise, onset - timedelta(days=MOM_BASE_DAYS))
        ):
            return None
        return base, rise, onset, False

    def _climb_fit(self, t: date) -> ClimbFit | None:
        """The project's resources fitted together over the last ``CLIMB_WINDOW`` days, on the log of
        their daily cost: each resource has its own level, slope and weekday pattern (the usual), plus
        a growth (a hinge) from a common onset among the last ``CLIMB_ONSETS`` days, chosen as the
        onset that explains most of the resources' variance (each weighted by its own noise).

        Per resource, a z-score of its growth at that onset, with its noise inflated for lag-1
        autocorrelation (``(1 + ρ) / (1 - ρ)``: autocorrelated noise makes runs that look like a
        trend); combined by Stouffer's sum with the largest z-score capped at the second largest
        (``_capped_stouffer``: one resource never counts for more than the next one, so one resource
        cannot carry a climb — while a broad climb of three or four resources keeps most of its
        evidence, which dropping the top resource threw away). Returns a ``ClimbFit``, or None when
        fewer than two resources bill every day.

        ``step_margin`` compares the growth with a step (a jump on one day, up to today) fitted the
        same way: the pooled gains are twice the log-likelihood ratios against "no change" (Gaussian
        noise of each resource's scale), so their difference is 2 ln B of a step against a growth,
        both with one parameter per resource and one day to choose (``STEP_EVIDENCE`` = 2 is
        "positive" evidence on Kass and Raftery's scale; below, the difference is "not worth more than
        a bare mention"); ``step_age`` is how long ago that step's first day was. When the step fits
        at least as well, ``monthly`` is the smaller of the growth alone and the growth fitted
        together with the step (the growth beyond it). How ``_climb`` uses them: see there."""
        history = (t - self.first_day).days + 1
        if history < CLIMB_MIN_HISTORY:
            return None
        window = _days(t + timedelta(days=1), min(CLIMB_WINDOW, history))
        members = [r for r in self.regular if r.key not in self.planned and all(r.c(d) > 0 for d in window)]
        if len(members) < 2:
            return None
        n = len(window)
        y = np.log(np.array([[r.c(d) for r in members] for d in window]))
        index = np.arange(n, dtype=float)
        weekday = np.zeros((n, 6))
        for i, d in enumerate(window):
            if d.weekday() < 6:
                weekday[i, d.weekday()] = 1.0
        q, _ = np.linalg.qr(np.column_stack([np.ones(n), index, weekday]))
        p = q.shape[1]
        raw = y - q @ (q.T @ y)  # the usual (level, slope, weekdays) removed
        # Outlying days (a spike, a day billed late) clipped to ± CLIMB_CLIP robust σ: one day is no trend.
        spread = CLIMB_CLIP * 1.4826 * np.median(np.abs(raw - np.median(raw, axis=0)), axis=0)
        residual = np.clip(raw, -spread, spread)
        onsets = np.arange(max(BASELINE_DAYS, n - CLIMB_ONSETS), n - 2)  # ≥ 2 weeks of the usual before
        hinges = np.maximum(0.0, index[:, None] - onsets[None, :] + 1)
        hinges -= q @ (q.T @ hinges)
        norms = np.sum(hinges**2, axis=0)  # per onset
        scale0 = np.sum(residual**2, axis=0) / (n - p)  # per resource, under "no growth"
        gains = (hinges.T @ residual) ** 2 / norms[:, None] / np.maximum(scale0, 1e-12)[None, :]
        pooled = gains.sum(axis=1)
        best = int(np.argmax(pooled))
        jumps = np.arange(onsets[0], n)  # (up to the last day: one day up is no growth yet)
        steps = (index[:, None] >= jumps[None, :]).astype(float)
        steps -= q @ (q.T @ steps)
        step_gains = (
            (steps.T @ residual) ** 2 / np.sum(steps**2, axis=0)[:, None] / np.maximum(scale0, 1e-12)[None, :]
        )
        step_totals = step_gains.sum(axis=1)
        step_margin = float(step_totals.max() - pooled[best])  # (2 ln B, step against growth)
        step_age = n - 1 - int(jumps[int(np.argmax(step_totals))])
        column = hinges[:, best]
        slopes = (column @ residual) / norms[best]
        errors = residual - np.outer(column, slopes)
        grown_slopes = (column @ raw) / norms[best]  # (the size of the growth: from the days as billed)
        scale = np.sum(errors**2, axis=0) / (n - p - 1)
        rho = np.clip(
            np.sum(errors[1:] * errors[:-1], axis=0) / np.maximum(np.sum(errors**2, axis=0), 1e-12), 0, 0.9
        )
        z = slopes * np.sqrt(norms[best]) / np.sqrt(np.maximum(scale, 1e-12) * (1 + rho) / (1 - rho))
        onset = window[int(onsets[best])]
        before = _days(onset, MOM_BASE_DAYS)
        weights = np.array([sum(r.c(d) for d in before) for r in members])
        grown = n - int(onsets[best])  # days of growth, onset included
        # Its size without the resource that grew most (not carried by one resource).
        rest = np.arange(len(members)) != int(np.argmax(z))
        weights = weights[rest] / weights[rest].sum()
        rise = float(weights @ np.exp(grown_slopes[rest] * grown))
        monthly = float(weights @ np.exp(grown_slopes[rest] * 30))
        if step_margin >= 0:  # a step fits as well: the growth must go on beyond it
            jump = steps[:, int(np.argmax(step_totals))]
            beyond = np.linalg.lstsq(np.column_stack([column, jump]), raw, rcond=None)[0][0]
            monthly = min(monthly, float(weights @ np.exp(beyond[rest] * 30)))
        growing = z >= 1.0
        services = len({r.service for r, up in zip(members, growing, strict=True) if up})
        base = sum(self._daily_total.get(d, 0.0) for d in before) / MOM_BASE_DAYS
        return ClimbFit(
            onset,
            _capped_stouffer(z),
            rise,
            monthly,
            float(growing.mean()),
            services,
            base,
            step_margin,
            step_age,
        )

    def _onset(self, t: date, *, earliest: date, jump: bool = False) -> date:
        """Where the project's climb began: the best least-squares fit, over the last
        ``ONSET_WINDOW`` days of the log of the daily cost, of a level with its own slope and a
        weekday pattern, plus either a hinge (growth from day c) or a step (a jump on day c), c from
        ``earliest`` on (the first day of the usual the rise was measured against: an earlier change —
        a planned step, say — is part of that usual, not this rise's start)."""
        days = [d for d in _days(t + timedelta(days=1), ONSET_WINDOW) if d in self._daily_total]
        if len(days) < 21:
            return t - timedelta(days=1)
        y = np.log(np.array([self._daily_total[d] for d in days]) + 1e-9)
        n = len(days)
        index = np.arange(n, dtype=float)
        weekday = np.zeros((n, 6))
        for i, d in enumerate(days):
            if d.weekday() < 6:
                weekday[i, d.weekday()] = 1.0
        base = np.column_stack([np.ones(n), index, weekday])
        best = (math.inf, days[-2])
        recent_step = (math.inf, days[-2])
        for c in range(7, n - 1):
            if days[c] < earliest:
                continue
            for shape, column in (
                ("hinge", np.maximum(0.0, index - c + 1)),
                ("step", (index >= c).astype(float)),
            ):
                design = np.column_stack([base, column])
                coef = np.linalg.lstsq(design, y, rcond=None)[0]
                sse = float(np.sum((design @ coef - y) ** 2))
                best = min(best, (sse, days[c]))
                if jump and shape == "step" and c >= n - 4:
                    recent_step = min(recent_step, (sse, days[c]))
        # A jump just seen: its day, unless a climb from earlier fits clearly better.
        if jump and recent_step[0] <= best[0] * ONSET_JUMP_TOLERANCE:
            return recent_step[1]
        return best[1]

    def _planned_growth(self, t: date, common: float, since: date) -> bool:
        """The approved plan grows as much (≥ 0.9 × ``common``) from the month of ``since`` — the
        first day of the usual the increase is measured against — to ``t``'s month: a planned
        increase. A planned step the usual already includes explains nothing more (a step planned for
        July and billed in July does not make an unplanned jump in August planned)."""
        plan = self.context.plan
        now, before = plan.get(_month_start(t)), plan.get(_month_start(since))
        return bool(now and before and float(now / before) >= common * 0.9)

    def mom(self, t: date) -> list[Finding]:
        condition = self._mom_condition(t)
        if condition is None:
            return []
        reported = self._reported_on(t)
        if reported is None:
            return []  # the same increase, reported more than ONSET_REFIT_DAYS ago
        base, common, onset, jump = condition
        if jump:  # a jump's day, unless the resources fit a growth from earlier better than a step
            climb = self._climb_fit(t)
            start = (
                climb.onset
                if climb is not None and climb.step_margin < 0
                else self._onset(t, earliest=t - timedelta(days=1 + 7 * MOM_WEEKS), jump=True)
            )
        else:
            start = onset  # where the climb began
        previous = _days(t - timedelta(days=2), MOM_BASE_DAYS)
        evidence = (t - timedelta(days=1), t)
        services: dict[str, float] = {}
        for r in self.regular:
            delta = sum(r.c(d) for d in evidence) / 2 - sum(r.c(d) for d in previous) / MOM_BASE_DAYS
            services[r.service] = services.get(r.service, 0.0) + delta
        top_service = max(services, key=lambda s: services[s])
        top = max(self.regular, key=lambda r: sum(r.c(d) for d in evidence))
        expected = Decimal(repr(round(base, 6)))
        actual = sum((r.cost.get(d, ZERO) for r in self.regular for d in evidence), ZERO) / 2
        return [
            Finding(
                type="mom_increase",
                scope="project",
                start=start,
                detected_on=reported,
                estimated_on=t,
                service=top_service,
                resource_id="",
                sub_account_id=top.sub_account,
                region=top.region,
                expected=expected,
                actual=actual,
                monthly_impact=(actual - expected) * 30,
                contributors=[
                    {"service": s, "increase": round(v, 2)}
                    for s, v in sorted(services.items(), key=lambda kv: -kv[1])[:5]
                    if v > 0
                ],
                explanation=(
                    f"daily cost {actual:.2f} vs {base:.2f} the week before; most resources up "
                    f"{(common - 1) * 100:.0f}% together"
                ),
            )
        ]

    def _reported_on(self, t: date) -> date | None:
        """The day the increase under way on ``t`` was reported: ``t`` when no increase was found in
        the ``MOM_COOLDOWN_DAYS`` before it (one increase, one anomaly), else the latest day up to
        ``ONSET_REFIT_DAYS`` back that had none in the cooldown before it. Within that time every
        day's finding revises the same anomaly's start from the newer data (a climb's onset is
        poorly determined from its first days, and firmer a week on); later, None."""
        for back in range(ONSET_REFIT_DAYS + 1):
            day = t - timedelta(days=back)
            if back and not self._mom_condition(day):
                continue
            if not any(self._mom_condition(day - timedelta(days=k)) for k in range(1, MOM_COOLDOWN_DAYS)):
                return day
        return None

    def _resource_finding(
        self, kind: str, r: Resource, start: date, t: date, expected: Decimal, evidence: list[Decimal]
    ) -> Finding:
        actual = sum(evidence, ZERO) / len(evidence)
        return Finding(
            type=kind,
            scope=f"resource:{r.key}",
            start=start,
            detected_on=t,
            service=r.service,
            resource_id=r.key,
            sub_account_id=r.sub_account,
            region=r.region,
            expected=expected,
            actual=actual,
            monthly_impact=(actual - expected) * 30,
            contributors=[_dimensions(r)],
            explanation=f"{r.key} ({r.service}) costs {actual:.2f} a day since {start}, usually {expected:.2f}",
        )


def _capped_stouffer(z: np.ndarray) -> float:
    """Stouffer's combination of the resources' z-scores, the largest capped at the second largest."""
    capped = np.sort(z)
    capped[-1] = capped[-2]
    return float(capped.sum() / math.sqrt(len(capped)))


def _contributors(members: list[Resource], t: date) -> list[dict]:
    ranked = sorted(members, key=lambda r: -r.cost.get(t, ZERO))[:5]
    return [{**_dimensions(r), "cost": str(r.cost.get(t, ZERO))} for r in ranked]


def _dimensions(r: Resource) -> dict[str, str]:
    return {"resource_id": r.key, "service": r.service, "sub_account_id": r.sub_account, "region": r.region}


def detect(
    resources: Mapping[str, Resource], days: Iterable[date], context: Context | None = None
) -> list[Finding]:
    return Detector(resources, context).run(days)


def same_cause(a: Finding, b: Finding) -> bool:
    """Two findings of one cause: the same type and scope, or a step and a spike of one resource or
    of one service (the spike's resources rose together), or ``not_stopped`` and ``perf_env_left``
    of one resource — within ``SAME_CAUSE_DAYS`` of each other."""
    if a.type == b.type == "mom_increase" and a.scope == b.scope and a.detected_on == b.detected_on:
        return True  # a revised start of the same reported increase
    if abs((a.start - b.start).days) > SAME_CAUSE_DAYS:
        return False
    if a.type == b.type and a.scope == b.scope:
        return True
    if {a.type, b.type} == {"scaled_up_left", "service_spike"}:
        step, spike = (a, b) if a.type == "scaled_up_left" else (b, a)
        carried = {spike.resource_id} | {c.get("resource_id") for c in spike.contributors}
        return step.resource_id in carried or (bool(step.service) and step.service == spike.service)
    if {a.type, b.type} == {"not_stopped", "perf_env_left"}:
        return a.resource_id == b.resource_id != ""
    return False


def merge(kept: Finding, new: Finding) -> Finding:
    """One anomaly for one cause. Between a step and a spike the latest evidence wins: a spike found
    after the step means the rise fell back; a step found after the spike means it stayed. The
    earliest start and detection day are kept — but an increase's start revised from newer data
    (``estimated_on``) replaces the earlier estimate."""
    winner = new if {kept.type, new.type} == {"scaled_up_left", "service_spike"} else kept
    winner.detected_on = min(kept.detected_on, new.detected_on)
    if kept.estimated_on and new.estimated_on:
        latest = max(kept, new, key=lambda f: f.estimated_on or date.min)
        winner.start, winner.estimated_on = latest.start, latest.estimated_on
    else:
        winner.start = min(kept.start, new.start)
    return winner


def consolidate(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in detection order, one per cause (see ``same_cause``): a finding that matches
    several kept ones (the steps of the resources a spike carried) merges them into one."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.detected_on, f.start)):
        matches = [i for i, other in enumerate(kept) if same_cause(other, finding)]
        if not matches:
            kept.append(finding)
            continue
        merged = kept[matches[0]]
        for other in [*(kept[i] for i in matches[1:]), finding]:
            merged = merge(merged, other)
        kept[matches[0]] = merged
        for i in reversed(matches[1:]):
            del kept[i]
    return kept
