"""Amounts on the budgets pages, rounded to their currency's minor unit (cents; yen for JPY)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat

from budgets.money import minor_units, to_currency

register = template.Library()


@register.filter
def money(value, currency: str = "USD") -> str:
    """``{{ amount|money:project.currency }}``: 1234.5678 USD → "1,234.57", JPY → "1,235"."""
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    units = minor_units(currency or "USD")
    return floatformat(to_currency(amount, currency or "USD"), f"{units}g")
