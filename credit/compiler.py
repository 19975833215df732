"""The rule compiler: a whole rule set becomes a few numpy array operations.

Compilation (once per process and version):

1. Negations are pushed down to the leaves (``not (x > 5)`` is ``x <= 5``; every
   feature always has a value, so this is exact), nested ``all``/``any`` are
   flattened, constants folded, and identical conditions and sub-trees shared
   across all rules (hash-consing).
2. Every distinct leaf becomes one slot of a boolean vector. Numeric
   comparisons are grouped by operator: one gather and one vector comparison
   per operator covers every rule. Categorical tests (``==``/``!=``/``in``/
   ``not_in`` on strings, booleans, and ``in`` on numbers) become one
   precomputed truth vector per constant value and feature: one dict lookup.
3. Inner nodes are evaluated bottom-up, one level of the forest at a time:
   a node is true when the number of its true children reaches its need
   (all children for ``all``, one for ``any``), i.e. one gather, one
   ``np.add.reduceat`` and one comparison per level.

Evaluation returns the truth of every rule, so every matching rule id comes
back without any extra work.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from credit.features import BOOL, FEATURES, NUMBER
from credit.rules import Rule

NEGATE = {"==": "!=", "!=": "==", ">": "<=", "<=": ">", "<": ">=", ">=": "<", "in": "not_in", "not_in": "in"}
COMPARE = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal,
           "!=": np.not_equal}  # fmt: skip
COMPARE_ORDER = (">", ">=", "<", "<=", "==", "!=")

TRUE = ("const", True)
FALSE = ("const", False)


def _key_value(ftype: str, value: Any) -> Any:
    if ftype == NUMBER:
        return float(value)
    if ftype == BOOL:
        return bool(value)
    return value


def _leaf(cond: dict, negate: bool) -> tuple:
    feature = FEATURES[cond["feature"]]
    op = NEGATE[cond["op"]] if negate else cond["op"]
    value = cond["value"]
    if op in ("in", "not_in"):
        value = frozenset(_key_value(feature.type, v) for v in value)
    else:
        value = _key_value(feature.type, value)
    return ("leaf", feature.name, op, value)


def normalize(cond: dict, negate: bool = False) -> tuple:
    """A canonical tree of ('leaf', …), ('and'|'or', frozenset(children)) and ('const', bool)."""
    if "not" in cond:
        return normalize(cond["not"], not negate)
    if "feature" in cond:
        return _leaf(cond, negate)
    kind = "all" if "all" in cond else "any"
    is_and = (kind == "all") != negate
    children: set[tuple] = set()
    for child in cond[kind]:
        node = normalize(child, negate)
        if node == (FALSE if is_and else TRUE):
            return node  # absorbing element
        if node == (TRUE if is_and else FALSE):
            continue  # neutral element
        if node[0] == ("and" if is_and else "or"):
            children.update(node[1])  # flatten
        else:
            children.add(node)
    if not children:
        return TRUE if is_and else FALSE
    if len(children) == 1:
        return next(iter(children))
    return ("and" if is_and else "or", frozenset(children))


@dataclass
class _Level:
    start: int
    stop: int
    children: np.ndarray
    starts: np.ndarray
    need: np.ndarray


@dataclass
class CompiledRules:
    rule_ids: list[str]
    reason_codes: list[str]
    actions: np.ndarray  # "decline"/"review"/"score" per rule
    weights: np.ndarray  # int64 per rule
    numeric_features: list[str]
    compare_groups: list[tuple[Any, np.ndarray, np.ndarray]]
    lookups: list[tuple[str, str, dict, np.ndarray]]
    n_slots: int
    levels: list[_Level]
    rule_nodes: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)

    def matches(self, features: dict[str, Any]) -> np.ndarray:
        """Boolean vector: which rules hold for these feature values."""
        x = np.array([features[name] for name in self.numeric_features], dtype=np.float64)
        parts = [fn(x[index], thresholds) for fn, index, thresholds in self.compare_groups]
        for name, ftype, table, default in self.lookups:
            value = features[name]
            key = float(value) if ftype == NUMBER else value
            parts.append(table.get(key, default))
        parts.append(_CONSTS)
        leaves = np.concatenate(parts)
        if not self.levels:
            return leaves[self.rule_nodes]
        values = np.empty(self.levels[-1].stop, dtype=np.bool_)
        values[: self.n_slots] = leaves
        for level in self.levels:
            counts = np.add.reduceat(values[level.children], level.starts, dtype=np.int32)
            values[level.start : level.stop] = counts >= level.need
        return values[self.rule_nodes]

    def hits(self, features: dict[str, Any]) -> np.ndarray:
        """Indexes of every matching rule, in rule-set order."""
        return np.flatnonzero(self.matches(features))

    def hit_ids(self, features: dict[str, Any]) -> list[str]:
        return [self.rule_ids[i] for i in self.hits(features)]


_CONSTS = np.array([True, False])


def compile_rules(rules: list[Rule]) -> CompiledRules:
    roots = [normalize(rule.when) for rule in rules]

    # Collect leaves and inner nodes (shared), computing each inner node's height.
    leaves: dict[tuple, None] = {}
    height: dict[tuple, int] = {}

    def visit(node: tuple) -> int:
        if node[0] in ("leaf", "const"):
            if node[0] == "leaf":
                leaves.setdefault(node)
            return 0
        known = height.get(node)
        if known is not None:
            return known
        h = 1 + max(visit(child) for child in node[1])
        height[node] = h
        return h

    for root in roots:
        visit(root)

    # Leaf slots: numeric comparisons grouped by operator, then categorical lookups, then constants.
    slot: dict[tuple, int] = {}
    numeric_features = sorted(
        {leaf[1] for leaf in leaves if FEATURES[leaf[1]].type == NUMBER and leaf[2] in COMPARE}
    )
    feature_pos = {name: i for i, name in enumerate(numeric_features)}
    compare_groups = []
    next_slot = 0
    for op in COMPARE_ORDER:
        group = [leaf for leaf in leaves if leaf[2] == op and FEATURES[leaf[1]].type == NUMBER]
        if not group:
            continue
        for leaf in group:
            slot[leaf] = next_slot
            next_slot += 1
        index = np.array([feature_pos[leaf[1]] for leaf in group], dtype=np.intp)
        thresholds = np.array([leaf[3] for leaf in group], dtype=np.float64)
        compare_groups.append((COMPARE[op], index, thresholds))
    lookups = []
    categorical: dict[str, list[tuple]] = {}
    for leaf in leaves:
        if leaf not in slot:
            categorical.setdefault(leaf[1], []).append(leaf)
    for name in sorted(categorical):
        group = categorical[name]
        ftype = FEATURES[name].type
        for leaf in group:
            slot[leaf] = next_slot
            next_slot += 1
        constants: set[Any] = set()
        for leaf in group:
            constants.update(leaf[3] if isinstance(leaf[3], frozenset) else [leaf[3]])

        def truth(value: Any, known: bool, group: list[tuple] = group) -> np.ndarray:
            out = []
            for _, _, op, const in group:
                if op == "==":
                    out.append(known and value == const)
                elif op == "!=":
                    out.append(not (known and value == const))
                elif op == "in":
                    out.append(known and value in const)
                else:  # not_in
                    out.append(not (known and value in const))
            return np.array(out, dtype=np.bool_)

        table = {value: truth(value, True) for value in constants}
        lookups.append((name, ftype, table, truth(None, False)))
    const_slot = {TRUE: next_slot, FALSE: next_slot + 1}
    n_slots = next_slot + 2

    # Inner nodes, level by level (children always on lower levels).
    ordered = sorted(height, key=lambda n: height[n])
    node_id: dict[tuple, int] = {}
    next_id = n_slots
    levels: list[_Level] = []
    for h in sorted(set(height.values())):
        nodes = [n for n in ordered if height[n] == h]
        start = next_id
        children, starts, need = [], [], []
        for node in nodes:
            node_id[node] = next_id
            next_id += 1
            starts.append(len(children))
            kids = list(node[1])
            children.extend(_ref(kid, slot, const_slot, node_id) for kid in kids)
            need.append(len(kids) if node[0] == "and" else 1)
        levels.append(
            _Level(
                start=start,
                stop=next_id,
                children=np.array(children, dtype=np.intp),
                starts=np.array(starts, dtype=np.intp),
                need=np.array(need, dtype=np.int32),
            )
        )

    rule_nodes = np.array([_ref(root, slot, const_slot, node_id) for root in roots], dtype=np.intp)
    return CompiledRules(
        rule_ids=[r.id for r in rules],
        reason_codes=[r.reason_code for r in rules],
        actions=np.array([r.action for r in rules], dtype=object),
        weights=np.array([r.weight for r in rules], dtype=np.int64),
        numeric_features=numeric_features,
        compare_groups=compare_groups,
        lookups=lookups,
        n_slots=n_slots,
        levels=levels,
        rule_nodes=rule_nodes,
        stats={"rules": len(rules), "leaves": len(leaves), "inner_nodes": len(height), "levels": len(levels)},
    )


def _ref(node: tuple, slot: dict, const_slot: dict, node_id: dict) -> int:
    if node[0] == "leaf":
        return slot[node]
    if node[0] == "const":
        return const_slot[node]
    return node_id[node]


# Used by the reference evaluator too: the meaning of each operator.
OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "in": lambda x, v: x in v,
    "not_in": lambda x, v: x not in v,
}
