"""The old examination API's shape (``contract_detail``, ``contract_bank_account``, …) against the
V2 shape the examination is stored in: the same fields land in the same place, whichever API
wrote them; what only the old API has is kept aside (``legacy``)."""

from __future__ import annotations

from typing import Any

from payments.examinations.schema import V2_REQUEST

_V2 = V2_REQUEST["fields"]
_CONTRACT = {k for k, v in _V2["contract_info"]["fields"].items() if v["type"] != "object"}
_CORPORATE = set(_V2["contract_info"]["fields"]["corporate_info"]["fields"])
_SHOP = {k for k, v in _V2["shop_info"]["fields"].items() if v["type"] not in ("object", "array")}
_BANK = set(_V2["bank_account_info"]["fields"])


def v2_update_from_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A partial V2 update (with ``legacy``) from a cleaned old-API update; the ``update_*`` flags
    say which sections apply, as in fincode."""
    update: dict[str, Any] = {}
    legacy: dict[str, Any] = {}
    if data.get("update_contract_detail") and data.get("contract_detail") is not None:
        contract: dict[str, Any] = {}
        corporate: dict[str, Any] = {}
        shop: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for key, value in data["contract_detail"].items():
            target = (
                contract
                if key in _CONTRACT
                else corporate
                if key in _CORPORATE
                else shop
                if key in _SHOP
                else rest
            )
            target[key] = value
        if corporate:
            contract["corporate_info"] = corporate
        if contract:
            update["contract_info"] = contract
        if shop:
            update["shop_info"] = shop
        if rest:
            legacy["contract_detail"] = rest
    if data.get("update_shop") and "shop_item_detail" in data:
        update["shop_item_detail"] = data["shop_item_detail"]
    if data.get("update_bank_account") and data.get("contract_bank_account") is not None:
        account = data["contract_bank_account"]
        update["bank_account_info"] = {k: v for k, v in account.items() if k in _BANK}
        rest = {k: v for k, v in account.items() if k not in _BANK}
        if rest:
            legacy["contract_bank_account"] = rest
    if data.get("update_deposit_cycle") and "deposit_cycle_master_id" in data:
        update["deposit_cycle_info"] = {"deposit_cycle_master_id": data["deposit_cycle_master_id"]}
    if legacy:
        update["legacy"] = legacy
    return update


def v1_from_v2(info: dict[str, Any]) -> dict[str, Any]:
    contract = dict(info.get("contract_info") or {})
    corporate = contract.pop("corporate_info", None) or {}
    shop = {k: v for k, v in (info.get("shop_info") or {}).items() if k in _SHOP}
    legacy = info.get("legacy") or {}
    return {
        "contract_detail": {**shop, **contract, **corporate, **(legacy.get("contract_detail") or {})},
        "contract_bank_account": {
            **(info.get("bank_account_info") or {}),
            **(legacy.get("contract_bank_account") or {}),
        },
        "shop_item_detail": info.get("shop_item_detail") or [],
        "deposit_cycle_master_id": (info.get("deposit_cycle_info") or {}).get("deposit_cycle_master_id"),
    }
