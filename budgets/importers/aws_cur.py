"""AWS Cost and Usage Report 2.0 (snake_case columns), CSV, CSV.gz or Parquet.

The cost is ``line_item_unblended_cost`` in ``line_item_currency_code``; the
sub-account is the usage account. Tags come from the ``resource_tags`` map
(JSON in CSV, a map in Parquet) or from flattened ``resource_tags_user_*``
columns; AWS's ``user_`` / ``user:`` prefix of user-defined tags is removed,
so that ``project=…`` rules work as for FOCUS files.
"""

from __future__ import annotations

import re
from typing import Any

from budgets.importers.base import NULLS, tags_from_json

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
