"""Reads of admission control for operators: every contracted window with its live usage."""

from __future__ import annotations

from payments.admission import controller
from portal.models import Contract, Mode


def window_rows(*, active_only: bool = False) -> list[dict]:
    """Every contracted window: merchant, mode, method, leases in use, cap, recent stats."""
    rows = []
    contracts = Contract.objects.select_related("merchant").order_by("merchant__name", "pay_type")
    by_merchant: dict = {}
    for contract in contracts:
        by_merchant.setdefault(contract.merchant, []).append(contract)
    for merchant, merchant_contracts in by_merchant.items():
        methods = [c.pay_type for c in merchant_contracts]
        for mode in (Mode.LIVE, Mode.TEST):
            counts = controller.usage(merchant=merchant.public_id, mode=mode, pay_types=methods)
            stats = controller.recent_stats(merchant=merchant.public_id, mode=mode, minutes=1)
            for contract in merchant_contracts:
                used = counts.get(contract.pay_type, 0)
                refused = sum(v for k, v in stats.items() if k.startswith(f"refused:{contract.pay_type}:"))
                admitted = stats.get(f"admitted:{contract.pay_type}", 0)
                if active_only and not (used or refused or admitted):
                    continue
                rows.append(
                    {
                        "merchant": merchant.public_id,
                        "merchant_name": merchant.name,
                        "mode": mode,
                        "method": contract.pay_type,
                        "in_use": used,
                        "cap": contract.concurrency_window,
                        "rate": contract.rate_per_second * contract.burst_factor,
                        "admitted_last_minute": admitted,
                        "refused_last_minute": refused,
                        "shadow": [
                            name
                            for name, on in (
                                ("window", contract.window_shadow),
                                ("rate", contract.rate_shadow),
                            )
                            if on
                        ],
                    }
                )
    return rows
