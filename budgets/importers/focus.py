"""FOCUS (FinOps Open Cost and Usage Specification) 0.5 – 1.3 cost files: CSV, CSV.gz or Parquet.

Column names of every version are accepted, including the renamed ones
(``Region`` → ``RegionId`` in 1.0, ``ChargeType`` → ``ChargeCategory`` in
1.0-preview, ``ProviderName`` → ``ServiceProviderName`` in 1.3). The cost is
``BilledCost`` (what the invoice says), in ``BillingCurrency``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from budgets.importers.base import Charge, decimal_or, tags_from_json

# FOCUS ChargeCategory (1.0+; ChargeType in 0.5 / 1.0-preview) → stored category.
CATEGORIES = {
    "usage": "usage",
    "purchase": "purchase",
    "tax": "tax",
    "credit": "credit",
    "adjustment": "adjustment",
    "refund": "refund",
    "fee": "fee",
}
FREQUENCIES = {
    "one-time": "one-time",
    "onetime": "one-time",
    "recurring": "recurring",
    "usage-based": "usage-based",
}


class FocusImporter:
    name = "FOCUS"
    aliases: dict[str, tuple[str, ...]] = {
        "cost": ("billedcost",),
        "currency": ("billingcurrency",),
        "billing_account": ("billingaccountid",),
        "period_start": ("billingperiodstart",),
        "charge_start": ("chargeperiodstart",),
        "charge_end": ("chargeperiodend",),
        "service": ("servicename",),
        "sub_account": ("subaccountid",),
        "resource": ("resourceid",),
        # 1.0+: RegionId; 0.5 and 1.0-preview: Region.
        "region": ("regionid", "region", "regionname"),
        "tags": ("tags",),
        "charge_category": ("chargecategory", "chargetype"),
        "charge_frequency": ("chargefrequency",),
        "charge_class": ("chargeclass",),
        "effective_cost": ("effectivecost", "amortizedcost"),
    }
    required = frozenset({"cost", "currency", "billing_account", "period_start", "charge_start", "service"})

    def tags_of(self, raw: Any, extra: dict[str, Any]) -> dict[str, str] | None:
        return tags_from_json(raw)

    def tag_columns(self, header: list[str]) -> dict[int, str]:
        return {}

    def charge(self, cost: Decimal, get: Callable[[str], Any]) -> Charge:
        raw = str(get("charge_category") or "Usage").strip().lower()
        category = CATEGORIES.get(raw)
        if category is None:
            raise ValueError(f"ChargeCategory {raw[:30]!r} is not a FOCUS charge category")
        frequency = FREQUENCIES.get(str(get("charge_frequency") or "").strip().lower())
        if frequency is None:
            frequency = "usage-based" if category == "usage" else "one-time"
        if category == "usage" and str(get("charge_class") or "").strip().lower() == "correction":
            category = "adjustment"  # a correction of an earlier period's usage
        return Charge(category, frequency, decimal_or(get("effective_cost"), cost))
