"""Currencies: costs billed in another currency than the project's budget, converted by the monthly
rates the operators maintain (``import_rates``: a CSV of month, from, to, rate).

A month's costs use that month's rate; without one, the latest earlier month's rate (at most
``FALLBACK_MONTHS`` back) is used and said so; without any, the costs are not counted and a
warning says which currency and months lack a rate — never "no cost data".
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
from budgets.money import add_months, month_start
from portal.errors import FieldError

FALLBACK_MONTHS = 2


@dataclass
class Rates:
    """The rates table, loaded once; records the rates used and the ones missing."""

    table: dict[tuple[date, str, str], Decimal] = field(default_factory=dict)
    used: dict[tuple[object, str, str, date], tuple[date, Decimal]] = field(default_factory=dict)
    missing: dict[tuple[object, str, str], set[date]] = field(default_factory=dict)

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
        self, amount: Decimal, source: str, target: str, day: date, owner: object = None
    ) -> Decimal | None:
        if source == target:
            return amount
        rate = self.rate(source, target, day, owner)
        return None if rate is None else amount * rate

    def notes(self, target: str, owner: object = None) -> list[str]:
        out = []
        for (who, source, to), months in sorted(self.missing.items(), key=lambda kv: kv[0][1:]):
            if to == target and who == owner:
                listed = ", ".join(f"{m:%Y-%m}" for m in sorted(months))
                out.append(
                    f"Costs billed in {source} for {listed} have no {source}→{to} rate: they are not counted. "
                    f"Import the month's rate (python manage.py import_rates)."
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
