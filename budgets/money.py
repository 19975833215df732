"""Decimal helpers: months, currency units, exact spreading of an amount over months."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

# ISO 4217 minor units for the currencies without two decimals.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_up(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_CEILING)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Whole months from ``first``'s month to ``last``'s month (same month: 0)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_days(month: date) -> int:
    return (add_months(month, 1) - month).days


def spread_evenly(amount: Decimal, months: int, currency: str) -> list[Decimal]:
    """``amount`` over ``months`` in currency units; the last month takes the remainder (exact sum)."""
    unit = quantum(currency)
    each = (amount / months).quantize(unit, rounding=ROUND_DOWN)
    parts = [each] * months
    parts[-1] = amount - each * (months - 1)
    return parts


def plain(amount: Decimal) -> str:
    """An amount without exponent or trailing zeros: 150000.0000 → "150000", 12.50 → "12.5"."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_currency(amount: Decimal, currency: str) -> Decimal:
    """An amount rounded (half up) to the currency's minor unit: 1234.5678 USD → 1234.57, JPY → 1235."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def fmt(amount: Decimal, currency: str) -> str:
    """An amount for people: rounded to the currency, with thousands separators (1,234.57; JPY 1,235)."""
    return f"{to_currency(Decimal(amount), currency):,}"
