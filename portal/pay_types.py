"""The pay types the product takes, as ``payments.methods.registry`` lists them.

Contracts, applications and payments store a pay type's name; the list of names is the
registry's, read when needed (a callable ``choices``), so a new pay type's module needs no
migration, no enum and no list here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def pay_type_choices() -> list[tuple[str, str]]:
    from payments.methods.registry import METHODS

    return [(method.pay_type, method.label) for method in METHODS.values()]


def pay_type_values() -> list[str]:
    return [value for value, _ in pay_type_choices()]


def contract_defaults(pay_type: str) -> dict[str, Any]:
    """The terms of a new contract: the pay type's own (``CONTRACT_DEFAULTS``), else the common ones."""
    return settings.CONTRACT_DEFAULTS.get(pay_type) or settings.CONTRACT_DEFAULT_TERMS
