"""AWS Cost and Usage Report 2.0 (snake_case columns), CSV, CSV.gz or Parquet.

The cost is ``line_item_unblended_cost`` in ``line_item_currency_code``; the
sub-account is the usage account. Tags come from the ``resource_tags`` map
(JSON in CSV, a map in Parquet) or from flattened ``resource_tags_user_*``
columns; AWS's ``user_`` / ``user:`` prefix of user-defined tags is removed,
so that ``project=…`` rules work as for FOCUS files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from budgets.importers.base import NULLS, Charge, decimal_or, tags_from_json

ZERO = Decimal(0)
# line_item_line_item_type → (category, frequency)
LINE_TYPES: dict[str, tuple[str, str]] = {
    "usage": ("usage", "usage-based"),
    "discountedusage": ("usage", "usage-based"),
    "savingsplancoveredusage": ("usage", "usage-based"),
    # The negation cancels the covered usage's on-demand cost, which the plan's fee pays.
    "savingsplannegation": ("usage", "usage-based"),
    "tax": ("tax", "recurring"),
    "credit": ("credit", "one-time"),
    "refund": ("refund", "one-time"),
    "bundleddiscount": ("credit", "usage-based"),
    "edpdiscount": ("credit", "usage-based"),
    "privateratediscount": ("credit", "usage-based"),
    "distributordiscount": ("credit", "usage-based"),
    "fee": ("fee", "one-time"),
    "rifee": ("purchase", "recurring"),
    "savingsplanrecurringfee": ("purchase", "recurring"),
    "savingsplanupfrontfee": ("purchase", "one-time"),
}

_FLAT_TAG = re.compile(r"^resource_?tags[_/](?:user[_:])?(.+)$", re.IGNORECASE)


def _strip_user_prefix(tags: dict[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in tags.items():
        for prefix in ("user_", "user:"):
            if key.startswith(prefix):
                key = key[len(prefix) :]
                break
        clean[key] = value
    return clean


class AwsCurImporter:
    name = "AWS CUR 2.0"
    aliases: dict[str, tuple[str, ...]] = {
        "cost": ("lineitemunblendedcost",),
        "currency": ("lineitemcurrencycode",),
        "billing_account": ("billpayeraccountid",),
        "period_start": ("billbillingperiodstartdate",),
        "charge_start": ("lineitemusagestartdate",),
        "charge_end": ("lineitemusageenddate",),
        "service": ("productservicecode", "lineitemproductcode"),
        "sub_account": ("lineitemusageaccountid",),
        "resource": ("lineitemresourceid",),
        "region": ("productregioncode", "productregion"),
        "tags": ("resourcetags",),
        "charge_category": ("lineitemlineitemtype",),
        "sp_effective_cost": ("savingsplansavingsplaneffectivecost",),
        "ri_effective_cost": ("reservationeffectivecost",),
        "sp_commitment_to_date": ("savingsplantotalcommitmenttodate",),
        "sp_used_commitment": ("savingsplanusedcommitment",),
        "ri_unused_amortized_fee": ("reservationunusedamortizedupfrontfeeforbillingperiod",),
        "ri_unused_recurring_fee": ("reservationunusedrecurringfee",),
    }
    required = frozenset({"cost", "currency", "billing_account", "period_start", "charge_start", "service"})

    def tags_of(self, raw: Any, extra: dict[str, Any]) -> dict[str, str] | None:
        tags = tags_from_json(raw)
        if tags is None:
            return None
        for key, value in extra.items():
            if value is not None and str(value) not in NULLS:
                tags[key] = str(value)
        return _strip_user_prefix(tags)

    def tag_columns(self, header: list[str]) -> dict[int, str]:
        found = {}
        for position, name in enumerate(header):
            match = _FLAT_TAG.match(name)
            if match and name.lower() != "resource_tags":
                found[position] = match.group(1)
        return found

    def charge(self, cost: Decimal, get: Callable[[str], Any]) -> Charge:
        """Category from ``line_item_line_item_type``; effective cost as AWS's amortized view computes it."""
        raw = str(get("charge_category") or "Usage").strip()
        key = re.sub(r"[^a-z]", "", raw.lower())
        category, frequency = LINE_TYPES.get(key, ("adjustment", "one-time"))
        if key == "savingsplancoveredusage":
            effective = decimal_or(get("sp_effective_cost"), cost)
        elif key == "discountedusage":
            effective = decimal_or(get("ri_effective_cost"), cost)
        elif key in ("savingsplannegation", "savingsplanupfrontfee"):
            effective = ZERO  # amortized into the covered usage
        elif key == "savingsplanrecurringfee":
            total, used = get("sp_commitment_to_date"), get("sp_used_commitment")
            effective = (
                cost if total is None or used is None else decimal_or(total, ZERO) - decimal_or(used, ZERO)
            )
        elif key == "rifee":
            amortized, recurring = get("ri_unused_amortized_fee"), get("ri_unused_recurring_fee")
            effective = (
                cost
                if amortized is None and recurring is None
                else decimal_or(amortized, ZERO) + decimal_or(recurring, ZERO)
            )
        elif key == "fee" and cost > 0 and get("ri_effective_cost") is not None:
            effective = ZERO  # an RI's upfront fee, amortized into its discounted usage
        else:
            effective = cost
        return Charge(category, frequency, effective)
