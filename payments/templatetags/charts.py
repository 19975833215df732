"""The overview's sales chart: an inline SVG bar chart drawn on the server (no script, works offline)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from payments import labels
from payments.models import Status

register = template.Library()

WIDTH, HEIGHT, TOP, PLOT, SLOT, BAR, LEFT = 640, 200, 16, 150, 20, 14, 20


@register.simple_tag
def sales_chart(days: Sequence, currency: str, merchant_id: str, mode: str) -> SafeString:
    """One bar per day (``ChartDay``), each a link to that day's captured payments."""
    peak = max((d.amount for d in days), default=0)
    base = reverse("merchant-payments", args=[merchant_id])
    bars = []
    for n, d in enumerate(days):
        height = 0 if not peak else max(1 if d.amount else 0, d.amount * PLOT // peak)
        x = LEFT + n * SLOT
        query = urlencode(
            {
                "mode": mode,
                "status": Status.CAPTURED,
                "date_from": d.day.isoformat(),
                "date_to": d.day.isoformat(),
            }
        )
        bars.append(
            (
                f"{base}?{query}",
                f"{d.day:%Y-%m-%d}: {labels.amount_format(d.amount, currency)}",
                x,
                TOP + PLOT - height,
                BAR,
                height,
            )
        )
    rects = format_html_join(
        "",
        '<a href="{}"><title>{}</title><rect class="bar" x="{}" y="{}" width="{}" height="{}"></rect>'
        '<rect class="hit" x="{}" y="{}" width="{}" height="{}"></rect></a>',
        ((href, title, x, y, w, h, x, TOP, SLOT, PLOT) for href, title, x, y, w, h in bars),
    )
    ticks = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (LEFT + n * SLOT + BAR // 2, TOP + PLOT + 16, f"{d.day:%m/%d}")
            for n, d in enumerate(days)
            if n % 5 == 4 or n == 0
        ),
    )
    return format_html(
        '<svg class="chart" id="sales-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="peak" x="{}" y="{}">{}</text>{}{}</svg>',
        WIDTH,
        HEIGHT,
        f"Captured sales per day, last {len(days)} days, {currency}; highest {labels.amount_format(peak, currency)}",
        LEFT,
        TOP + PLOT,
        LEFT + len(days) * SLOT,
        TOP + PLOT,
        LEFT,
        TOP - 4,
        f"max {labels.amount_format(peak, currency)}" if peak else "no captured sales yet",
        rects,
        ticks,
    )
