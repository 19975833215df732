"""When a subscription is charged: pure date arithmetic, no clock.

Charge number ``period`` (0 for the first) falls ``period × interval`` months after the start
date, counted from the start each time — so a subscription started on the 31st is charged on
the 31st, or the month's last day when it has fewer (28 Feb, then 31 Mar again), never drifting.
With ``end_month_flag`` every charge falls on its month's last day.
"""

from __future__ import annotations

import calendar
from datetime import date


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later: the same day of the month, or the month's last day if it has fewer."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def charge_date(*, start: date, interval_months: int, period: int, end_of_month: bool) -> date:
    day = add_months(start, interval_months * period)
    return month_end(day) if end_of_month else day


def next_charge(
    *, start: date, interval_months: int, period: int, end_of_month: bool, stop: date | None
) -> date | None:
    """The day of charge ``period``, or None when it would fall after ``stop``."""
    day = charge_date(start=start, interval_months=interval_months, period=period, end_of_month=end_of_month)
    return None if stop is not None and day > stop else day
