"""Scenario generator B — "additive AR(1)": autocorrelated additive noise with heavy-tailed shocks,
month-level charges, short histories, late corrections.

Written on its own, in another style than generator A. Each project: 35–200 days of history,
5–50,000 USD a day, 3–9 resources; each resource's cost is ``base × (1 + trend) + AR(1) noise``
(φ 0.3–0.8, Student-t shocks with 3 degrees of freedom, scale 3–12 % of its base), some with a
Monday batch peak (× 1.5–2.2). Every 1st of a month: tax (8–10 % of last month's usage), a
support fee and sometimes a credit, as month-level rows (category tax / fee / credit). Late
corrections: a day billed at ~40 % then corrected by a same-day adjustment row. Injected:

- ``scaled_up_left``: one resource's base × 1.8–3 from a day on, until the end;
- ``service_spike``: 1–3 days × 4–10 spread over one service's resources, or carried by one;
- ``mom_increase``: every resource × 1.4–1.8 from the 1st of a month (a broad jump), or growing
  2.5–4 % a day;
- ``perf_env_left``: 2–3 resources ``stage=perf-test`` with a ``test_id`` and an ``expires`` tag,
  billing past it; earlier tests of the project ended on time;
- ``not_stopped``: a resource tagged ``until=<date>`` billing past that date.

Negatives: growth matched by the plan (the plan grows as much), earlier perf tests stopped on time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

FULL = (1 << 24) - 1


@dataclass
class Res:
    rid: str
    service: str
    base: float
    phi: float
    scale: float
    monday: float = 1.0
    tags: dict = field(default_factory=dict)
    alive: tuple[int, int] = (0, 10**6)
    mult: dict = field(default_factory=dict)  # day index → multiplier


def _t3(rng: random.Random) -> float:
    z = rng.gauss(0, 1)
    chi = sum(rng.gauss(0, 1) ** 2 for _ in range(3)) / 3
    return z / (chi**0.5) / 1.73  # unit variance


class Project:
    def __init__(self, rng: random.Random, index: int, kind: str):
        self.rng, self.index, self.kind = rng, index, kind
        self.days = rng.randint(35, 200) if kind not in ("mom_increase",) else rng.randint(75, 200)
        self.first = date(2023, 6, 1) + timedelta(days=rng.randint(0, 400))
        self.total = 10 ** rng.uniform(0.7, 4.7)
        self.sub = f"8{index:011d}"
        self.services = rng.sample(
            ["Compute", "Storage", "Database", "Network", "Analytics", "Cache", "Queue"], 4
        )
        n = rng.randint(3, 9)
        shares = [rng.uniform(0.2, 1.0) for _ in range(n)]
        self.res = [
            Res(
                f"b{index}-{k}",
                self.services[k % 4],
                self.total * s / sum(shares),
                rng.uniform(0.3, 0.8),
                rng.uniform(0.03, 0.12),
                rng.uniform(1.5, 2.2) if rng.random() < 0.2 else 1.0,
            )
            for k, s in enumerate(shares)
        ]
        self.truth: list[tuple[str, date]] = []
        self.plan: dict[date, Decimal] = {}
        self.growth = (0, 0.0)

    def day(self, i: int) -> date:
        return self.first + timedelta(days=i)

    def inject(self) -> None:
        rng, k = self.rng, self.kind
        at = rng.randint(28, max(29, self.days - 10))
        if k == "scaled_up_left":
            r = rng.choice([r for r in self.res if r.monday == 1.0] or self.res)
            m = rng.uniform(1.8, 3.0)
            r.mult.update(dict.fromkeys(range(at, self.days), m))
            self.truth.append((k, self.day(at)))
        elif k == "service_spike":
            service = rng.choice(self.services[:3])
            members = [r for r in self.res if r.service == service] or self.res[:1]
            if rng.random() < 0.5:
                members = [max(members, key=lambda r: r.base)]
            m, span = rng.uniform(4, 10), rng.randint(1, 3)
            total_service = sum(r.base for r in self.res if r.service == service)
            for r in members:
                boost = 1 + (m - 1) * total_service / sum(x.base for x in members)
                r.mult.update(dict.fromkeys(range(at, at + span), boost))
            self.truth.append((k, self.day(at)))
        elif k == "mom_increase":
            if rng.random() < 0.5:  # a broad jump from the 1st of a month
                candidates = [i for i in range(35, self.days - 10) if self.day(i).day == 1]
                at = rng.choice(candidates) if candidates else 40
                m = rng.uniform(1.4, 1.8)
                for r in self.res:
                    r.mult.update(dict.fromkeys(range(at, self.days), m))
            else:
                at = rng.randint(35, max(36, self.days - 40))
                self.growth = (at, rng.uniform(0.025, 0.04))
            self.truth.append((k, self.day(at)))
        elif k == "perf_env_left":
            for test in range(rng.randint(0, 2)):  # earlier tests, stopped on time
                start = rng.randint(3, max(4, at - 12)) if at > 16 else None
                if start is None or start + 3 >= at:
                    break
                self._perf(f"old{test}", start, 2, 2)
            self._perf("run", at, rng.randint(1, 3), None)
        elif k == "not_stopped":
            end = at
            r = Res(f"b{self.index}-job", "Compute", self.total * rng.uniform(0.05, 0.2), 0.3, 0.03,
                    tags={"until": self.day(end - 1).isoformat()}, alive=(max(1, end - 10), self.days))  # fmt: skip
            self.res.append(r)
            self.truth.append((k, self.day(end)))
        elif k == "planned_growth":  # a negative: growth the plan expects
            month_days = [i for i in range(35, self.days - 10) if self.day(i).day == 1]
            if month_days:
                at = rng.choice(month_days)
                for r in self.res:
                    r.mult.update(dict.fromkeys(range(at, self.days), 1.5))
                month = self.day(at)
                previous = (month - timedelta(days=1)).replace(day=1)
                self.plan = {previous: Decimal(int(self.total * 30)), month: Decimal(int(self.total * 45))}

    def _perf(self, name: str, start: int, window: int, overrun: int | None) -> None:
        stop = start + window
        end = self.days if overrun is None else stop
        expires = self.day(start + window - 1).isoformat()
        for j in range(self.rng.randint(2, 3)):
            self.res.append(
                Res(f"b{self.index}-perf-{name}-{j}", "Compute", self.total * self.rng.uniform(0.05, 0.15), 0.2, 0.02,
                    tags={"stage": "perf-test", "test_id": name, "expires": expires}, alive=(start, end))
            )  # fmt: skip
        if overrun is None:
            self.truth.append(("perf_env_left", self.day(stop)))

    def rows(self) -> list[tuple]:
        rng = self.rng
        out = []
        usage_by_month: dict[date, float] = {}
        correction_day = rng.randint(10, self.days - 1) if rng.random() < 0.4 else -1
        g_at, g_rate = self.growth
        for r in self.res:
            noise = 0.0
            for i in range(max(0, r.alive[0]), min(self.days, r.alive[1])):
                noise = r.phi * noise + (1 - r.phi**2) ** 0.5 * _t3(rng)
                level = r.base * r.mult.get(i, 1.0) * (r.monday if self.day(i).weekday() == 0 else 1.0)
                if g_rate and i >= g_at:
                    level *= (1 + g_rate) ** min(i - g_at + 1, 60)
                cost = max(0.0, level * (1 + r.scale * noise))
                day = self.day(i)
                usage_by_month[day.replace(day=1)] = usage_by_month.get(day.replace(day=1), 0.0) + cost
                if i == correction_day:  # billed low first, then an adjustment brings it back
                    out.append(self._row(day, r, cost * 0.4, "usage"))
                    out.append(self._row(day, r, cost * 0.6, "adjustment"))
                else:
                    out.append(self._row(day, r, cost, "usage"))
        for month, usage in sorted(usage_by_month.items()):
            nxt = (month + timedelta(days=32)).replace(day=1)
            if (nxt - self.first).days < self.days:
                out.append(self._month_row(nxt, "Tax", usage * rng.uniform(0.08, 0.1), "tax"))
                out.append(self._month_row(nxt, "Support", max(29.0, usage * 0.03), "fee"))
                if rng.random() < 0.3:
                    out.append(self._month_row(nxt, "Credits", -usage * 0.05, "credit"))
        return out

    def _row(self, day: date, r: Res, cost: float, category: str) -> tuple:
        return (
            day,
            r.service,
            self.sub,
            r.rid,
            "eu-west-1",
            dict(r.tags),
            Decimal(f"{cost:.8f}"),
            FULL,
            category,
        )

    def _month_row(self, day: date, service: str, cost: float, category: str) -> tuple:
        return (day, service, self.sub, "", "global", {}, Decimal(f"{cost:.8f}"), FULL, category)


KINDS = ("scaled_up_left", "service_spike", "mom_increase", "perf_env_left", "not_stopped", "planned_growth")


def generate(seed: int, projects: int = 40) -> list[dict]:
    rng = random.Random(seed * 7919 + 1)
    out = []
    for index in range(projects):
        project = Project(rng, index, KINDS[index % len(KINDS)])
        project.inject()
        out.append(
            {"name": f"B{index}", "rows": project.rows(), "truth": project.truth, "plan": project.plan}
        )
    return out
