"""Server-rendered SVG charts (no JavaScript, no CDN): they work offline and under the CSP.

Colours and strokes come from classes styled in ``static/budgets/budgets.css``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from budgets.forecasting import Forecast
from budgets.money import add_months, fmt, month_days

WIDTH, HEIGHT = 980, 380
LEFT, RIGHT, TOP, BOTTOM = 86, 86, 24, 76


@dataclass
class Marker:
    day: date
    kind: str  # "anomaly" or "approval"
    label: str
    link: str = ""


def _compact(value: Decimal | float) -> str:
    value = float(value)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}".replace(".0", "")
    return f"{value:.0f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def project_chart(forecast: Forecast, markers: list[Marker]) -> SafeString:
    """Monthly actual bars (right axis), cumulative actual, plan and forecast lines (left axis),
    anomaly and approval markers on the same time axis."""
    months = forecast.months
    if not months:
        return mark_safe(
            '<svg class="chart" viewBox="0 0 980 80" role="img" aria-label="No plan yet">'
            '<text x="20" y="45" class="chart-empty">No approved budget yet: nothing to chart.</text></svg>'
        )
    first, count = months[0].month, len(months)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count

    def x_of(day: date) -> float:
        index = (day.year - first.year) * 12 + day.month - first.month
        return LEFT + slot * (index + (day.day - 1) / month_days(day.replace(day=1)))

    cum_max = _nice_max(
        max(
            [float(forecast.plan_total)]
            + [float(p.cumulative_actual or 0) for p in months]
            + [float(p.cumulative_forecast or 0) for p in months]
            + [float(p.cumulative_p90 or 0) for p in months]
        )
    )
    bar_max = _nice_max(
        max([float(p.actual or 0) for p in months] + [float(p.forecast or 0) for p in months] + [1])
    )

    def y_cum(value: Decimal) -> float:
        return TOP + plot_h * (1 - float(value) / cum_max)

    def y_bar(value: Decimal) -> float:
        return TOP + plot_h * (1 - float(value) / bar_max)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Budget vs actual for {escape(forecast.currency)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    # Grid and axes.
    for i in range(5):
        value = cum_max * i / 4
        y = TOP + plot_h * (1 - i / 4)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis axis-left" x="{LEFT - 8}" y="{y + 4:.1f}">{_compact(value)}</text>')
        parts.append(
            f'<text class="axis axis-right" x="{WIDTH - RIGHT + 8}" y="{y + 4:.1f}">{_compact(bar_max * i / 4)}</text>'
        )
    # Axis titles, with the currency.
    currency = escape(forecast.currency)
    mid_y = TOP + plot_h / 2
    parts.append(
        f'<text class="axis-title" x="18" y="{mid_y:.1f}" transform="rotate(-90 18 {mid_y:.1f})">'
        f"Cumulative spend ({currency})</text>"
        f'<text class="axis-title" x="{WIDTH - 14}" y="{mid_y:.1f}" '
        f'transform="rotate(90 {WIDTH - 14} {mid_y:.1f})">Spend per month ({currency})</text>'
        f'<text class="axis-title" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - BOTTOM + 34}">Month</text>'
    )
    label_every = max(1, count // 12)
    for i, point in enumerate(months):
        if i % label_every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text class="axis axis-month" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}">{point.month:%Y-%m}</text>'
            )
    # Monthly bars: actual (solid), forecast remainder (light).
    for i, point in enumerate(months):
        x = LEFT + slot * i + slot * 0.15
        w = max(1.0, slot * 0.7)
        actual = point.actual or Decimal(0)
        if point.forecast is not None and point.forecast > actual:
            y = y_bar(point.forecast)
            parts.append(
                f'<rect class="bar bar-forecast" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{y_bar(actual) - y:.1f}"><title>{point.month:%Y-%m} forecast '
                f"{fmt(point.forecast, currency)} {currency}</title></rect>"
            )
        if actual > 0:
            y = y_bar(actual)
            # Drill-down: a month's bar opens its services and resources.
            parts.append(
                f'<a href="?month={point.month:%Y-%m}#breakdown">'
                f'<rect class="bar bar-actual" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{TOP + plot_h - y:.1f}"><title>{point.month:%Y-%m} actual {fmt(actual, currency)} {currency} '
                f"(click for its services and resources)</title></rect></a>"
            )
    # Cumulative lines, plotted at each month's end.
    plan_pts = [(LEFT, TOP + plot_h)] + [
        (LEFT + slot * (i + 1), y_cum(p.cumulative_plan)) for i, p in enumerate(months)
    ]
    actual_pts = [(LEFT, TOP + plot_h)]
    forecast_pts: list[tuple[float, float]] = []
    for i, p in enumerate(months):
        end_x = LEFT + slot * (i + 1)
        if p.cumulative_actual is not None and p.forecast is None:
            actual_pts.append((end_x, y_cum(p.cumulative_actual)))
        if p.cumulative_forecast is not None:
            if not forecast_pts:
                start = (
                    p.cumulative_actual - (p.actual or 0) if p.cumulative_actual is not None else Decimal(0)
                )
                forecast_pts.append((LEFT + slot * i, y_cum(start)))
                if forecast.as_of:
                    actual_pts.append((x_of(forecast.as_of), y_cum(p.cumulative_actual or 0)))
            forecast_pts.append((end_x, y_cum(p.cumulative_forecast)))
    # The forecast's P10–P90 band: P90 forward, P10 back.
    band_hi = [
        (LEFT + slot * (i + 1), y_cum(p.cumulative_p90))
        for i, p in enumerate(months)
        if p.cumulative_p90 is not None
    ]
    band_lo = [
        (LEFT + slot * (i + 1), y_cum(p.cumulative_p10))
        for i, p in enumerate(months)
        if p.cumulative_p10 is not None
    ]
    if band_hi and forecast_pts:
        outline = [forecast_pts[0], *band_hi, *reversed(band_lo)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in outline)
        parts.append(
            f'<polygon class="band-forecast" points="{path}"><title>forecast P10–P90: '
            f"{forecast.forecast_p10 or 0:,.0f}–{forecast.forecast_p90 or 0:,.0f} {currency}</title></polygon>"
        )
    for css, pts, title in (
        ("line-plan", plan_pts, "cumulative plan"),
        ("line-forecast", forecast_pts, "forecast of cumulative spend"),
        ("line-actual", actual_pts, "cumulative actual"),
    ):
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline class="{css}" points="{path}"><title>{title}</title></polyline>')
    budget_y = y_cum(forecast.plan_total)
    parts.append(
        f'<line class="budget-total" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{budget_y:.1f}" y2="{budget_y:.1f}"/>'
        f'<text class="budget-label" x="{LEFT + 6}" y="{budget_y - 6:.1f}">approved budget '
        f"{forecast.plan_total:,.0f} {escape(forecast.currency)}</text>"
    )
    if forecast.exhausted_month:
        x = x_of(forecast.exhausted_month)
        parts.append(
            f'<line class="exhausted" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
            f'<text class="exhausted-label" x="{x + 4:.1f}" y="{TOP + 14}">exhausted '
            f"{forecast.exhausted_month:%Y-%m}</text>"
        )
    last = add_months(months[-1].month, 1)
    baseline = TOP + plot_h
    for marker in markers:
        if not first <= marker.day < last:
            continue
        x = x_of(marker.day)
        title = f"<title>{escape(marker.label)}</title>"
        if marker.kind == "anomaly":
            body = f'<path class="marker marker-anomaly" d="M{x:.1f},{baseline + 22} l-6,10 h12 z">{title}</path>'
        else:
            body = (
                f'<rect class="marker marker-approval" x="{x - 5:.1f}" y="{baseline + 38}" width="10" '
                f'height="10">{title}</rect>'
            )
        if marker.link:
            body = f'<a href="{escape(marker.link)}">{body}</a>'
        parts.append(body)
    legend = [
        ("legend-actual", "monthly actual"),
        ("legend-forecast-bar", "monthly forecast"),
        ("legend-line-actual", "cumulative actual"),
        ("legend-line-plan", "cumulative plan"),
        ("legend-line-forecast", "forecast"),
        ("legend-band", "P10–P90"),
        ("legend-anomaly", "anomaly"),
        ("legend-approval", "approval"),
    ]
    x = LEFT
    for css, text in legend:
        parts.append(
            f'<rect class="{css}" x="{x}" y="{HEIGHT - 16}" width="12" height="8"/>'
            f'<text class="legend" x="{x + 16}" y="{HEIGHT - 8}">{text}</text>'
        )
        x += 28 + 7 * len(text)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (numbers and escaped text only)


def spark(values: list[Decimal], plan: Decimal) -> SafeString:
    """A small bar of actual and forecast against plan for the portfolio table (percent widths)."""
    actual, forecast = (float(v) for v in values)
    scale = max(float(plan), forecast, actual, 1.0)
    a, f, p = (120 * v / scale for v in (actual, forecast, float(plan)))
    return mark_safe(  # noqa: S308 (numbers only)
        f'<svg class="spark" viewBox="0 0 124 14" role="img" aria-label="actual, forecast and plan">'
        f'<rect class="spark-forecast" x="0" y="3" width="{f:.1f}" height="8"/>'
        f'<rect class="spark-actual" x="0" y="3" width="{a:.1f}" height="8"/>'
        f'<line class="spark-plan" x1="{p:.1f}" x2="{p:.1f}" y1="0" y2="14"/></svg>'
    )
