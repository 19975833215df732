"""How the merchant pages and exports name a payment's status and write its amounts.

A payment whose card (or provider, or credit check) refused it stays ``UNPROCESSED`` (or becomes
``FAILED`` for BNPL) with the refusal's code in ``error_code``: the pages call that *Declined* and
show the code with fincode's message, never the raw enum.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from payments.models import Status
from portal import errors

DECLINED = "DECLINED"
# Statuses a refusal leaves a payment in (with ``error_code`` set): shown as Declined.
DECLINABLE = (Status.UNPROCESSED, Status.FAILED)

STATUS_LABELS: dict[str, Any] = {  # lazily translated
    Status.UNPROCESSED: _("Registered"),
    Status.CHECKED: _("Card checked"),
    Status.AUTHORIZED: _("Authorized"),
    Status.AWAITING_CUSTOMER_PAYMENT: _("Awaiting customer payment"),
    Status.AWAITING_PAYMENT_APPROVAL: _("Awaiting approval"),
    Status.CAPTURED: _("Captured"),
    Status.CANCELED: _("Canceled"),
    Status.EXPIRED: _("Expired"),
    Status.AUTHENTICATED: _("Authenticated (3-D Secure)"),
    Status.FAILED: _("Failed"),
    DECLINED: _("Declined"),
}

# Minor-unit exponent and symbol per ISO currency (JPY has no minor unit).
EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "TWD": 2}
SYMBOLS: dict[str, str] = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


def display_status(*, status: str, error_code: str | None) -> str:
    """The status the pages show: ``DECLINED`` for a refused payment, else the stored one."""
    return DECLINED if status in DECLINABLE and error_code else status


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status.replace("_", " ").capitalize()))


def status_choices() -> list[tuple[str, str]]:
    """The statuses a merchant filters on: the stored ones and Declined."""
    return [(value, str(STATUS_LABELS[value])) for value in [*Status.values, DECLINED]]


def error_message(code: str | None) -> str:
    """fincode's message for an error code ("" when unknown)."""
    if not code:
        return ""
    spec = _specs().get(code)
    return errors.localized(spec.message) if spec else ""


@cache
def _specs() -> dict[str, errors.ErrorSpec]:
    return {spec.code: spec for spec in errors.fixed_codes()}


def amount_format(amount: int | None, currency: str | None = "JPY") -> str:
    """``3300, "JPY"`` → ``¥3,300``; ``123456, "USD"`` → ``$1,234.56``; others: ``1,234.56 XXX``."""
    if amount is None:
        return ""
    currency = (currency or "JPY").upper()
    exponent = EXPONENTS.get(currency, 2)
    value = Decimal(int(amount)).scaleb(-exponent)
    text = f"{abs(value):,.{exponent}f}"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"
