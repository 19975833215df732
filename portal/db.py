"""Small query helpers shared by the apps."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key, or None.

    Not ``first()``: that adds ``ORDER BY pk``, and with ``LIMIT 1`` PostgreSQL may then walk
    the primary-key index through every row of a big merchant (it did, 6 ms at 10k payments,
    growing with the table) instead of using the unique index of the lookup.
    """
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None
