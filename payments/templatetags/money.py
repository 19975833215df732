"""Template filters of the merchant pages: ``{{ p.total_amount|money:p.currency }}``, status labels."""

from __future__ import annotations

from django import template

from payments import labels

register = template.Library()


@register.filter
def money(amount: int | None, currency: str | None = "JPY") -> str:
    return labels.amount_format(amount, currency)


@register.filter
def status_label(status: str | None) -> str:
    return labels.status_label(status or "")


@register.filter
def error_message(code: str | None) -> str:
    return labels.error_message(code)


@register.simple_tag
def payment_status(payment) -> str:
    """The status value a payment is shown with (``DECLINED`` for a refused one)."""
    return labels.display_status(status=payment.status, error_code=payment.error_code)
