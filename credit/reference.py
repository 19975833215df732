"""A plain rule interpreter: the reference the compiler is tested against, and the
"naive interpreter loop" of the benchmark. Never used on the hot path."""

from __future__ import annotations

from typing import Any

from credit.compiler import OPS
from credit.rules import Rule


def holds(cond: dict, features: dict[str, Any]) -> bool:
    if "all" in cond:
        return all(holds(child, features) for child in cond["all"])
    if "any" in cond:
        return any(holds(child, features) for child in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], features)
    return bool(OPS[cond["op"]](features[cond["feature"]], cond["value"]))


def matching_rule_ids(rules: list[Rule], features: dict[str, Any]) -> list[str]:
    return [rule.id for rule in rules if holds(rule.when, features)]
