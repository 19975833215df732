"""Direct debit's calendar: the days a debit may be asked for, and the dates each one implies.

fincode debits on the 5th, 6th, 23rd or 27th of a month (``target_date``); a debit is asked
for (executed), changed or canceled until the end of its request period
(``request_accept_end_date``, 23:59 Japan time), and its result is known by
``transfer_return_date``. Simplified (docs/directdebit.md): the period ends
``ACCEPT_DAYS_BEFORE`` calendar days before the target date and the result is due
``RETURN_DAYS_AFTER`` days after it; fincode's annual schedule follows bank business days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from payments.methods.asynchronous import JST

TARGET_DAYS = (5, 6, 23, 27)
ACCEPT_DAYS_BEFORE = 7
RETURN_DAYS_AFTER = 2
MAX_MONTHS_AHEAD = 12


def parse_day(text: str) -> date | None:
    """``yyyy/MM/dd`` → a date (None if it is not one)."""
    try:
        return datetime.strptime(text, "%Y/%m/%d").date()
    except (TypeError, ValueError):
        return None


def request_accept_end_date(target: date) -> date:
    return target - timedelta(days=ACCEPT_DAYS_BEFORE)


def transfer_return_date(target: date) -> date:
    return target + timedelta(days=RETURN_DAYS_AFTER)


def today() -> date:
    return timezone.localdate(timezone=JST)


def target_problem(target: date, *, on: date | None = None) -> str | None:
    """None if a debit on ``target`` may still be asked for (on ``on``, default today), else why not."""
    on = on or today()
    if target.day not in TARGET_DAYS:
        return "must be the 5th, 6th, 23rd or 27th of a month"
    if request_accept_end_date(target) < on:
        return "its request period has ended"
    if (target.year - on.year) * 12 + target.month - on.month > MAX_MONTHS_AHEAD:
        return f"must be within {MAX_MONTHS_AHEAD} months"
    return None


def still_open(target: date | None, *, on: date | None = None) -> bool:
    """Whether a debit on ``target`` can still be changed or canceled."""
    return target is not None and request_accept_end_date(target) >= (on or today())
