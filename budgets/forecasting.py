"""Forecast of a project's spend: damped linear trend on the recent daily cost (pure functions).

Method (see docs/budgets.md for the backtest):

* Take the last ``WINDOW`` (56) days of daily cost up to the last day with data
  (days without cost count as 0).
* Fit a straight line by least squares; the *level* is the line's value on the
  last day, the *slope* its daily change. With fewer than ``MIN_TREND_DAYS``
  (14) days the level is their mean and there is no trend.
* Day ``h`` after the last day is forecast as
  ``level + slope × (φ + φ² + … + φʰ)`` with ``φ = 0.98`` (Gardner's damped
  trend): the trend is believed for a few weeks and fades out, so a short
  ramp is not extrapolated for five years. Never below zero.

Everything is computed in ``Decimal``; the results are rounded to the
currency's unit where they are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

from budgets.money import add_months, month_days, month_start, months_between

WINDOW = 56
MIN_TREND_DAYS = 14
PHI = Decimal("0.98")
ZERO = Decimal(0)
CLIP_MADS = 4.0  # a day further than this from its week's median is clipped before the fit (bursts)
CLIP_FLOOR = 0.05  # … but never closer than 5 % of that median (flat series have no spread)
Z_80 = 1.2816  # P10–P90: ± this many standard deviations
DRIFT = 0.12  # relative drift of the level per √(30 days), calibrated on the backtests (bench/)


@dataclass(frozen=True)
class Trend:
    level: Decimal
    slope: Decimal
    sigma: float = 0.0  # robust sd of a day around the fitted line
    n: int = 0  # days fitted

    def day(self, h: int) -> Decimal:
        """Forecast of the ``h``-th day after the last one (h ≥ 1)."""
        damped = PHI * (1 - PHI**h) / (1 - PHI)
        return max(ZERO, self.level + self.slope * damped)

    def days(self, count: int) -> list[Decimal]:
        return [self.day(h) for h in range(1, count + 1)]

    def spread(self, days: int) -> float:
        """Standard deviation of the total of the next ``days`` days: daily noise, the fit's own
        uncertainty (level and slope) and a drift of the level that grows with the horizon."""
        if days <= 0:
            return 0.0
        level = max(float(self.level), 0.0)
        n = max(self.n, 1)
        noise = days * self.sigma**2
        fit_level = (days * self.sigma / math.sqrt(n)) ** 2
        damped_sum = sum(float(PHI) * (1 - float(PHI) ** h) / (1 - float(PHI)) for h in range(1, days + 1))
        fit_slope = (damped_sum * self.sigma * math.sqrt(12 / max(n**3 - n, 1))) ** 2
        drift = (DRIFT * level * days * math.sqrt(days / 30)) ** 2
        return math.sqrt(noise + fit_level + fit_slope + drift)


def clip_bursts(values: list[Decimal]) -> list[Decimal]:
    """Each day clipped to its week's median ± ``CLIP_MADS`` robust deviations: a one-day burst (or
    dip) does not move the fit; a change that lasts (a step, a trend) moves the median and is kept."""
    n = len(values)
    if n < 7:
        return list(values)
    floats = [float(v) for v in values]
    # The median of the week around each day; at the ends the window is one-sided, so it is moved
    # along the series' overall slope (first week's median to last week's) to stay centred.
    slope = (median(floats[-7:]) - median(floats[:7])) / max(1, n - 7)
    centres = []
    for i in range(n):
        low, high = max(0, i - 3), min(n, i + 4)
        centres.append(median(floats[low:high]) + slope * (i - (low + high - 1) / 2))
    mad = median(abs(v - c) for v, c in zip(floats, centres, strict=True))
    out = []
    for value, centre in zip(values, centres, strict=True):
        width = max(CLIP_MADS * 1.4826 * mad, CLIP_FLOOR * abs(centre))
        low, high = Decimal(repr(centre - width)), Decimal(repr(centre + width))
        out.append(min(max(value, low), high))
    return out


def fit_trend(
    daily: Mapping[date, Decimal], as_of: date, *, window: int = WINDOW, robust: bool = True
) -> Trend:
    first = min(daily) if daily else as_of
    start = max(first, as_of - timedelta(days=window - 1))
    values = [daily.get(start + timedelta(days=i), ZERO) for i in range((as_of - start).days + 1)]
    values = clip_bursts(values) if robust else values
    n = len(values)
    if n < MIN_TREND_DAYS:
        mean = sum(values, ZERO) / n
        sigma = median(abs(float(v - mean)) for v in values) * 1.4826 if n > 1 else 0.0
        return Trend(mean, ZERO, sigma, n)
    dn = Decimal(n)
    mean_t = (dn - 1) / 2
    mean_y = sum(values, ZERO) / dn
    sxx = sum(((Decimal(t) - mean_t) ** 2 for t in range(n)), ZERO)
    sxy = sum(((Decimal(t) - mean_t) * (y - mean_y) for t, y in enumerate(values)), ZERO)
    slope = sxy / sxx
    level = mean_y + slope * (dn - 1 - mean_t)
    residuals = [float(y - (mean_y + slope * (Decimal(t) - mean_t))) for t, y in enumerate(values)]
    sigma = 1.4826 * median(abs(r) for r in residuals)
    return Trend(level, slope, sigma, n)


@dataclass
class MonthPoint:
    month: date
    plan: Decimal
    actual: Decimal | None  # None for months after the last day of data
    forecast: Decimal | None  # None for months before the last day's month
    cumulative_plan: Decimal
    cumulative_actual: Decimal | None
    cumulative_forecast: Decimal | None
    cumulative_p10: Decimal | None = None  # the band of the cumulative forecast
    cumulative_p90: Decimal | None = None


@dataclass
class Forecast:
    currency: str
    as_of: date | None
    period_start: date | None
    period_end: date | None  # first day of the last month
    plan_total: Decimal
    plan_to_date: Decimal
    actual_to_date: Decimal
    forecast_total: Decimal
    exhausted_month: date | None
    months: list[MonthPoint] = field(default_factory=list)
    trend: Trend | None = None
    forecast_p10: Decimal | None = None
    forecast_p90: Decimal | None = None
    month_level: Decimal = ZERO  # month-level charges (tax, fees, credits, commitments) expected a month
    notes: list[str] = field(default_factory=list)  # currency conversions: the rates used, or missing

    @property
    def run_rate(self) -> Decimal | None:
        """The usage forecast's daily level (month-level charges apart)."""
        return self.trend.level if self.trend else None

    @property
    def status(self) -> str:
        if self.plan_total <= 0:
            return "no_plan"
        if self.as_of is None:
            return "no_data"
        if self.exhausted_month is not None:
            return "exhausted" if self.actual_to_date > self.plan_total else "at_risk"
        return "within_budget"

    @property
    def months_to_exhaustion(self) -> int | None:
        if self.exhausted_month is None or self.as_of is None:
            return None
        return max(0, months_between(month_start(self.as_of), self.exhausted_month))

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.forecast_total - self.plan_total)

    @property
    def actual_percent_of_plan_to_date(self) -> Decimal | None:
        if self.plan_to_date <= 0:
            return None
        return self.actual_to_date * 100 / self.plan_to_date

    @property
    def sentence(self) -> str:
        if self.status == "no_plan":
            return "No approved budget yet."
        if self.status == "no_data":
            return "No cost data yet."
        if self.actual_to_date == 0 and self.trend is None and any("not counted" in n for n in self.notes):
            return "Costs are billed in another currency without an exchange rate: see the warning."
        if self.exhausted_month is None:
            return "Within budget through the period end."
        if self.actual_to_date > self.plan_total:
            return f"The budget was exhausted in {self.exhausted_month:%Y-%m}."
        return (
            f"At this pace the budget is exhausted in {self.months_to_exhaustion} months "
            f"(month {self.exhausted_month:%Y-%m})."
        )


def forecast(
    *,
    currency: str,
    plan: Mapping[date, Decimal],
    monthly_actual: Mapping[date, Decimal],
    daily: Mapping[date, Decimal],
    as_of: date | None,
    month_level: Mapping[date, Decimal] | None = None,
) -> Forecast:
    """The forecast of cumulative spend against the plan, month by month, to the plan's last month.

    ``monthly_actual`` holds every cost from the plan's first month on; ``daily`` the daily
    *usage* (only the last ``WINDOW`` days are needed); ``month_level`` the month-level charges
    (tax, fees, credits, commitments: everything but usage) per month, the months before the
    current one included. The forecast is the usage trend, plus the month-level charges of a
    usual month (median of the last three whole months) in each month to come. ``as_of`` is the
    last day with data (None: no data).
    """
    if not plan:
        actual = sum(monthly_actual.values(), ZERO)
        return Forecast(currency, as_of, None, None, ZERO, ZERO, actual, actual, None)
    first, last = min(plan), max(plan)
    plan_total = sum(plan.values(), ZERO)
    trend = fit_trend(daily, as_of) if as_of is not None and daily else None
    end_day = add_months(last, 1) - timedelta(days=1)
    future = _future_by_month(trend, as_of, end_day) if trend and as_of and as_of < end_day else {}
    usual_month_level = _usual_month_level(month_level or {}, as_of)
    if as_of is not None and as_of < end_day:
        current_month = month_start(as_of)
        month = current_month
        while month <= last:
            charged = (month_level or {}).get(month, ZERO) if month == current_month else ZERO
            if usual_month_level and not charged:
                future[month] = future.get(month, ZERO) + usual_month_level
            month = add_months(month, 1)
    points: list[MonthPoint] = []
    cum_plan = cum_actual = cum_forecast = ZERO
    exhausted: date | None = None
    current = month_start(as_of) if as_of else None
    month = first
    actual_total = sum((v for m, v in monthly_actual.items() if m >= first), ZERO)
    while month <= max(last, current or last):
        plan_amount = plan.get(month, ZERO)
        cum_plan += plan_amount
        actual = monthly_actual.get(month, ZERO) if current and month <= current else None
        if actual is not None:
            cum_actual += actual
        predicted = future.get(month)
        month_forecast = None
        if current and month >= current:
            month_forecast = (actual or ZERO) + (predicted or ZERO)
            cum_forecast = (
                cum_forecast if month > current else cum_actual - (actual or ZERO)
            ) + month_forecast
        p10 = p90 = None
        if month_forecast is not None and trend is not None and as_of is not None:
            month_end = min(add_months(month, 1) - timedelta(days=1), end_day)
            sd = Decimal(repr(round(Z_80 * trend.spread(max(0, (month_end - as_of).days)), 6)))
            p10, p90 = max(cum_actual, cum_forecast - sd), cum_forecast + sd
        running = cum_forecast if month_forecast is not None else cum_actual
        if exhausted is None and running > plan_total and month <= last:
            exhausted = month
        points.append(
            MonthPoint(
                month,
                plan_amount,
                actual,
                month_forecast,
                cum_plan,
                cum_actual if actual is not None else None,
                cum_forecast if month_forecast is not None else None,
                p10,
                p90,
            )
        )
        month = add_months(month, 1)
    forecast_total = actual_total + sum((v for m, v in future.items() if m >= first), ZERO)
    band = None
    if trend is not None and as_of is not None:
        sd = Decimal(repr(round(Z_80 * trend.spread(max(0, (end_day - as_of).days)), 6)))
        band = (max(actual_total, forecast_total - sd), forecast_total + sd)
    return Forecast(
        currency=currency,
        as_of=as_of,
        period_start=first,
        period_end=last,
        plan_total=plan_total,
        plan_to_date=_plan_to_date(plan, as_of),
        actual_to_date=actual_total,
        forecast_total=forecast_total,
        exhausted_month=exhausted,
        months=points,
        trend=trend,
        forecast_p10=band[0] if band else None,
        forecast_p90=band[1] if band else None,
        month_level=usual_month_level,
    )


def _usual_month_level(month_level: Mapping[date, Decimal], as_of: date | None) -> Decimal:
    """The month-level charges of a usual month: the median of the last three whole months."""
    if as_of is None:
        return ZERO
    current = month_start(as_of)
    known = [month_level[m] for m in (add_months(current, -k) for k in (1, 2, 3)) if m in month_level]
    if not known:
        return month_level.get(current, ZERO)
    return Decimal(median(known))


def _future_by_month(trend: Trend, as_of: date, end_day: date) -> dict[date, Decimal]:
    out: dict[date, Decimal] = {}
    for h, value in enumerate(trend.days((end_day - as_of).days), start=1):
        month = month_start(as_of + timedelta(days=h))
        out[month] = out.get(month, ZERO) + value
    return out


def _plan_to_date(plan: Mapping[date, Decimal], as_of: date | None) -> Decimal:
    """Plan of the months before ``as_of``'s month, plus the elapsed share of that month."""
    if as_of is None:
        return ZERO
    current = month_start(as_of)
    total = sum((v for m, v in plan.items() if m < current), ZERO)
    if current in plan:
        total += plan[current] * as_of.day / month_days(current)
    return total


# --- Backtest -----------------------------------------------------------------------------------


def backtest(
    daily: Mapping[date, Decimal],
    *,
    horizons: tuple[int, ...] = (1, 3, 6),
    method: str = "damped",
    inside: dict[int, list[bool]] | None = None,
):
    """Absolute percentage errors of the cumulative forecast ``h`` months after each month end.

    For every month end with at least two months of history before it, fit on
    the data up to that day and compare the forecast spend of the next ``h``
    whole months with what was actually spent. Returns ``{h: [errors %]}``; with ``inside``, also
    appends to ``inside[h]`` whether the actual spend fell within the P10–P90 band.
    """
    if not daily:
        return {h: [] for h in horizons}
    first, last = min(daily), max(daily)
    errors: dict[int, list[float]] = {h: [] for h in horizons}
    cut_month = add_months(month_start(first), 2)
    while True:
        cut = cut_month - timedelta(days=1)
        if cut >= last:
            break
        history = {d: v for d, v in daily.items() if d <= cut}
        trend = _method_trend(method, history, cut)
        for h in horizons:
            end = add_months(cut_month, h) - timedelta(days=1)
            if end > last:
                continue
            days = (end - cut).days
            predicted = sum(trend.days(days), ZERO)
            actual = sum((v for d, v in daily.items() if cut < d <= end), ZERO)
            if actual > 0:
                errors[h].append(float(abs(predicted - actual) / actual * 100))
                if inside is not None:
                    sd = Z_80 * trend.spread(days)
                    inside[h].append(abs(float(actual - predicted)) <= sd)
        cut_month = add_months(cut_month, 1)
    return errors


def _method_trend(method: str, history: Mapping[date, Decimal], cut: date) -> Trend:
    if method == "run_rate":
        days = [history.get(cut - timedelta(days=i), ZERO) for i in range(28)]
        return Trend(sum(days, ZERO) / 28, ZERO)
    if method == "linear":
        fitted = fit_trend(history, cut, robust=False)
        return _Undamped(fitted.level, fitted.slope, fitted.sigma, fitted.n)
    if method == "damped_raw":
        return fit_trend(history, cut, robust=False)
    return fit_trend(history, cut)


class _Undamped(Trend):
    def day(self, h: int) -> Decimal:
        return max(ZERO, self.level + self.slope * h)
