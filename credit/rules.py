"""Rules as data: the rule file format, its validation and its canonical export.

File format (import/export, ``credit_rules import FILE``)::

    {"note": "…",
     "policy": {"review_at": 50, "decline_at": 100, "credit_limit": 100000},   # optional
     "rules": [{"id": "R1", "reason_code": "HIGH_AMOUNT", "action": "decline" | "review" | "score",
                "weight": 10, "when": COND, "description": "…"}]}

``COND`` is ``{"all": [COND…]}``, ``{"any": [COND…]}``, ``{"not": COND}`` or
``{"feature": NAME, "op": OP, "value": CONST}`` with a feature of the registry
(``credit.features``) and an operator allowed for its type. Nothing else is
accepted: every problem is reported with the rule's id and position.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from credit.features import ALL_OPERATORS, BOOL, FEATURES, NUMBER, OPERATORS, STRING

ACTIONS = ("decline", "review", "score")
RULE_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
REASON_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_RULES = 100_000
MAX_DEPTH = 32
MAX_NODES = 2_000
MAX_LIST = 5_000
MAX_ABS_NUMBER = 10**15
MAX_WEIGHT = 1_000_000
MAX_ERRORS = 50
POLICY_KEYS = ("review_at", "decline_at", "credit_limit")


@dataclass(frozen=True)
class Rule:
    id: str
    reason_code: str
    action: str
    weight: int
    when: dict
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "reason_code": self.reason_code,
            "action": self.action,
            "weight": self.weight,
            "when": self.when,
        }
        if self.description:
            out["description"] = self.description
        return out


@dataclass
class RuleFile:
    note: str
    rules: list[Rule]
    policy: dict[str, int] = field(default_factory=dict)


class RuleFileError(ValueError):
    """The rule file (or one rule) is invalid; ``problems`` name the rule id and position."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN


def _check_constant(ftype: str, value: Any) -> str | None:
    if ftype == NUMBER:
        if not _is_number(value) or abs(value) > MAX_ABS_NUMBER:
            return "must be a number"
    elif ftype == BOOL:
        if not isinstance(value, bool):
            return "must be true or false"
    elif ftype == STRING and not (isinstance(value, str) and len(value) <= 500):
        return "must be a string (at most 500 characters)"
    return None


def validate_condition(
    cond: Any, where: str, problems: list[str], depth: int = 0, count: list[int] | None = None
) -> None:
    """Append a problem for every fault of ``cond`` (``where`` prefixes each message)."""
    count = count if count is not None else [0]
    count[0] += 1
    if count[0] > MAX_NODES:
        if count[0] == MAX_NODES + 1:
            problems.append(f"{where}: more than {MAX_NODES} conditions in one rule")
        return
    if depth > MAX_DEPTH:
        problems.append(f"{where}: nested deeper than {MAX_DEPTH} levels")
        return
    if not isinstance(cond, dict):
        problems.append(f"{where}: a condition must be an object")
        return
    keys = set(cond)
    if keys in ({"all"}, {"any"}):
        (kind,) = keys
        children = cond[kind]
        if not isinstance(children, list):
            problems.append(f"{where}.{kind}: must be a list of conditions")
            return
        for index, child in enumerate(children):
            validate_condition(child, f"{where}.{kind}[{index}]", problems, depth + 1, count)
        return
    if keys == {"not"}:
        validate_condition(cond["not"], f"{where}.not", problems, depth + 1, count)
        return
    if keys == {"feature", "op", "value"}:
        name, op, value = cond["feature"], cond["op"], cond["value"]
        feature = FEATURES.get(name) if isinstance(name, str) else None
        if feature is None:
            problems.append(f"{where}.feature: unknown feature {name!r}")
            return
        if not isinstance(op, str) or op not in ALL_OPERATORS:
            problems.append(f"{where}.op: unknown operator {op!r}")
            return
        if op not in OPERATORS[feature.type]:
            problems.append(f"{where}.op: operator {op!r} is not allowed for {feature.type} feature {name!r}")
            return
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                problems.append(
                    f"{where}.value: must be a non-empty list (at most {MAX_LIST} items) for {op!r}"
                )
                return
            for index, item in enumerate(value):
                fault = _check_constant(feature.type, item)
                if fault:
                    problems.append(f"{where}.value[{index}]: {fault} for feature {name!r}")
                    return
            return
        fault = _check_constant(feature.type, value)
        if fault:
            problems.append(f"{where}.value: {fault} for feature {name!r}")
        return
    problems.append(
        f"{where}: a condition is {{'all': […]}}, {{'any': […]}}, {{'not': …}} or "
        f"{{'feature', 'op', 'value'}}; got keys {sorted(keys)}"
    )


def parse_rule(raw: Any, where: str, problems: list[str]) -> Rule | None:
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(f"{where or 'rule'}: a rule must be an object")
        return None
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        problems.append(f"{where or 'rule'}.id: must be 1–64 letters, digits or _.:- (got {rule_id!r})")
        rule_id = None
    if where:
        label = f"{where} (rule {rule_id})" if rule_id else where
    else:  # one rule on its own (the editor)
        label = f"rule {rule_id}" if rule_id else "rule"
    unknown = set(raw) - {"id", "reason_code", "action", "weight", "when", "description"}
    if unknown:
        problems.append(f"{label}: unknown keys {sorted(unknown)}")
    reason = raw.get("reason_code")
    if not isinstance(reason, str) or not REASON_CODE.match(reason):
        problems.append(f"{label}.reason_code: must be 1–64 letters, digits or _.- (got {reason!r})")
    action = raw.get("action")
    if action not in ACTIONS:
        problems.append(f"{label}.action: must be one of {', '.join(ACTIONS)} (got {action!r})")
    weight = raw.get("weight", 0)
    if not isinstance(weight, int) or isinstance(weight, bool) or abs(weight) > MAX_WEIGHT:
        problems.append(f"{label}.weight: must be an integer between -{MAX_WEIGHT} and {MAX_WEIGHT}")
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > 1000:
        problems.append(f"{label}.description: must be a string of at most 1000 characters")
    if "when" not in raw:
        problems.append(f"{label}.when: is required")
    else:
        validate_condition(raw["when"], f"{label}.when", problems)
    if len(problems) > before:
        return None
    return Rule(
        id=rule_id,
        reason_code=reason,
        action=action,
        weight=weight,
        when=raw["when"],
        description=description,
    )  # type: ignore[arg-type]


def parse_policy(raw: Any, problems: list[str]) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("policy: must be an object")
        return {}
    policy = {}
    for key, value in raw.items():
        if key not in POLICY_KEYS:
            problems.append(f"policy.{key}: unknown key (allowed: {', '.join(POLICY_KEYS)})")
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**12:
            problems.append(f"policy.{key}: must be a non-negative integer")
        else:
            policy[key] = value
    return policy


def parse_rule_file(doc: Any) -> RuleFile:
    """Validate a rule file (already decoded from JSON); raise RuleFileError listing every problem."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise RuleFileError(["the file must be a JSON object with 'rules'"])
    unknown = set(doc) - {"note", "rules", "policy"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    note = doc.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        problems.append("note: must be a string of at most 2000 characters")
        note = ""
    policy = parse_policy(doc.get("policy"), problems)
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list):
        raise RuleFileError([*problems, "rules: must be a list"])
    if len(raw_rules) > MAX_RULES:
        raise RuleFileError([*problems, f"rules: at most {MAX_RULES} rules"])
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rules):
        rule = parse_rule(raw, f"rules[{index}]", problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"rules[{index}] (rule {rule.id}).id: duplicate of rules[{seen[rule.id]}]")
        seen.setdefault(rule.id, index)
        rules.append(rule)
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise RuleFileError(problems[:MAX_ERRORS])
    return RuleFile(note=note, rules=rules, policy=policy)


def load_rule_file(text: str | bytes) -> RuleFile:
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RuleFileError([f"not valid JSON: {exc}"]) from exc
    return parse_rule_file(doc)


def dump_rule_file(*, note: str, rules: list[Rule], policy: dict[str, int] | None = None) -> str:
    doc: dict[str, Any] = {"note": note}
    if policy:
        doc["policy"] = policy
    doc["rules"] = [rule.as_dict() for rule in rules]
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def rules_checksum(rules: list[Rule], policy: dict[str, int]) -> str:
    canonical = json.dumps(
        {"policy": policy, "rules": [r.as_dict() for r in rules]}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
