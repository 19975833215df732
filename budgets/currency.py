"""Currencies: costs billed in another currency than the project's budget, converted by the monthly
rates the operators maintain (``import_rates``: a CSV of month, from, to, rate).

A month's costs use that month's rate; without one, the latest earlier month's rate (at most
``FALLBACK_MONTHS`` back) is used and said so; without any, the costs are not counted and a
warning says which currency and months lack a rate and how much is left out — never "no cost
data". Tables (the API's actuals and costs, the page's cost table) carry the amounts left out on
each row (``Unconverted``), in their billing currency.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from budgets.errors import AREA
from budgets.models import ExchangeRate
from budgets.money import add_months, month_start, to_currency
from portal.errors import FieldError

FALLBACK_MONTHS = 2


@dataclass
class Unconverted:
    """Costs of one billing currency and month left out of a total: no rate to the project's currency."""

    currency: str
    month: date
    cost: Decimal = Decimal(0)
    effective_cost: Decimal = Decimal(0)


def unconverted_warning(items: list[Unconverted], target: str) -> str | None:
    """One sentence naming the rates missing and the amounts left out (None: nothing left out)."""
    if not items:
        return None
    parts = [f"{to_currency(u.cost, u.currency):,} {u.currency} billed in {u.month:%Y-%m}" for u in items]
    pairs = sorted({f"{u.currency}→{target}" for u in items})
    return (
        f"Not counted: {'; '.join(parts)} — no {', '.join(pairs)} rate for "
        f"{'that month' if len(items) == 1 else 'those months'} (import it: python manage.py import_rates, or the admin)."
    )


@dataclass
class Rates:
    """The rates table, loaded once; records the rates used and the ones missing."""

    table: dict[tuple[date, str, str], Decimal] = field(default_factory=dict)
    used: dict[tuple[object, str, str, date], tuple[date, Decimal]] = field(default_factory=dict)
    missing: dict[tuple[object, str, str], set[date]] = field(default_factory=dict)
    left_out: dict[tuple[object, str, str, date], Decimal] = field(default_factory=dict)

    @classmethod
    def load(cls, currencies: set[str]) -> Rates:
        rows = ExchangeRate.objects.filter(from_currency__in=currencies, to_currency__in=currencies)
        return cls({(r.month, r.from_currency, r.to_currency): r.rate for r in rows})

    def rate(self, source: str, target: str, day: date, owner: object = None) -> Decimal | None:
        month = month_start(day)
        for back in range(FALLBACK_MONTHS + 1):
            m = add_months(month, -back)
            rate = self.table.get((m, source, target))
            if rate is None and (m, target, source) in self.table:
                rate = 1 / self.table[(m, target, source)]
            if rate is not None:
                self.used[(owner, source, target, month)] = (m, rate)
                return rate
        self.missing.setdefault((owner, source, target), set()).add(month)
        return None

    def convert(
        self,
        amount: Decimal,
        source: str,
        target: str,
        day: date,
        owner: object = None,
        *,
        count: bool = False,
    ) -> Decimal | None:
        """``amount`` in ``target`` (None without a rate). ``count``: a total's part — an amount left
        out is added to what the notes say is not counted (once per total, not per view of it)."""
        if source == target:
            return amount
        rate = self.rate(source, target, day, owner)
        if rate is None:
            if count:
                key = (owner, source, target, month_start(day))
                self.left_out[key] = self.left_out.get(key, Decimal(0)) + amount
            return None
        return amount * rate

    def notes(self, target: str, owner: object = None) -> list[str]:
        out = []
        for (who, source, to), months in sorted(self.missing.items(), key=lambda kv: kv[0][1:]):
            if to == target and who == owner:
                listed = ", ".join(
                    f"{m:%Y-%m}"
                    + (
                        f" ({to_currency(amount, source):,} {source})"
                        if (amount := self.left_out.get((who, source, to, m))) is not None
                        else ""
                    )
                    for m in sorted(months)
                )
                out.append(
                    f"Costs billed in {source} for {listed} have no {source}→{to} rate: they are not counted. "
                    f"Import the month's rate (python manage.py import_rates, or the admin's exchange rates)."
                )
        for (who, source, to, month), (rate_month, rate) in sorted(
            self.used.items(), key=lambda kv: kv[0][1:]
        ):
            if to == target and who == owner:
                late = (
                    ""
                    if rate_month == month
                    else f" (the rate of {rate_month:%Y-%m}: {month:%Y-%m} has none yet)"
                )
                out.append(f"{month:%Y-%m}: 1 {source} = {rate.normalize():f} {to}{late}")
        return out


@transaction.atomic
def rates_import(*, text: str, source: str = "") -> int:
    """Upsert monthly rates from CSV ``month,from,to,rate`` (a header line); all or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    wanted = {"month", "from", "to", "rate"}
    if not reader.fieldnames or not wanted <= {h.strip().lower() for h in reader.fieldnames}:
        raise FieldError(AREA, "rates", "invalid", "the CSV needs the columns month,from,to,rate")
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            month = date.fromisoformat(row["month"][:7] + "-01")
            rate = Decimal(row["rate"])
        except (ValueError, InvalidOperation):
            raise FieldError(
                AREA, "rates", "invalid", f"line {line}: month YYYY-MM and a decimal rate"
            ) from None
        pair = (row["from"].upper(), row["to"].upper())
        if not rate.is_finite() or rate <= 0 or any(len(c) != 3 or not c.isalpha() for c in pair):
            raise FieldError(AREA, "rates", "invalid", f"line {line}: a positive rate between ISO currencies")
        rows.append((month, *pair, rate))
    if not rows:
        raise FieldError(AREA, "rates", "required", "the CSV has no rates")
    for month, source_cur, target_cur, rate in rows:
        ExchangeRate.objects.update_or_create(
            month=month, from_currency=source_cur, to_currency=target_cur,
            defaults={"rate": rate, "source": source[:200]},
        )  # fmt: skip
    return len(rows)
