"""FOCUS (FinOps Open Cost and Usage Specification) 0.5 – 1.3 cost files: CSV, CSV.gz or Parquet.

Column names of every version are accepted, including the renamed ones
(``Region`` → ``RegionId`` in 1.0, ``ChargeType`` → ``ChargeCategory`` in
1.0-preview, ``ProviderName`` → ``ServiceProviderName`` in 1.3). The cost is
``BilledCost`` (what the invoice says), in ``BillingCurrency``.
"""

from __future__ import annotations

from typing import Any

from budgets.importers.base import tags_from_json


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
    }
    required = frozenset({"cost", "currency", "billing_account", "period_start", "charge_start", "service"})

    def tags_of(self, raw: Any, extra: dict[str, Any]) -> dict[str, str] | None:
        return tags_from_json(raw)

    def tag_columns(self, header: list[str]) -> dict[int, str]:
        return {}
