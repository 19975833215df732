"""The decision engine: compiled rule sets (once per process and version) and the decision policy.

Policy, in this order:

1. **Hard declines**: any matching ``decline`` rule → ``declined``.
2. **Score bands**: ``score`` = sum of the weights of matching ``score`` rules;
   ``score ≥ decline_at`` → ``declined``; otherwise any matching ``review`` rule
   or ``score ≥ review_at`` → ``review``; otherwise ``approved``.
3. **Credit limit**: ``available = max(0, credit_limit − open_exposure)``; an
   order above ``available`` is ``declined`` with reason ``CREDIT_LIMIT``.

Reason codes: those of the matching decline rules, then review rules, then
score rules by descending weight (each code once), then ``CREDIT_LIMIT``.
``credit_limit_left`` is ``available − order_amount`` when approved, else ``available``.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from credit.compiler import CompiledRules, compile_rules
from credit.rules import Rule

CREDIT_LIMIT_REASON = "CREDIT_LIMIT"
_DECLINE, _REVIEW, _SCORE = 0, 1, 2
_ACTION_CODES = {"decline": _DECLINE, "review": _REVIEW, "score": _SCORE}


@dataclass(frozen=True)
class Policy:
    review_at: int
    decline_at: int
    credit_limit: int

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Policy:
        merged = {**settings.CREDIT_POLICY_DEFAULTS, **(data or {})}
        return cls(
            review_at=int(merged["review_at"]),
            decline_at=int(merged["decline_at"]),
            credit_limit=int(merged["credit_limit"]),
        )


@dataclass(frozen=True)
class Outcome:
    decision: str
    matched_rules: list[str]
    reason_codes: list[str]
    score: int
    credit_limit: int
    credit_limit_left: int
    matched_bits: bytes = b""  # ``matched_rules`` as a bitmap over the rules (see models.MatchedRules)


@dataclass
class CompiledVersion:
    version: int
    rules: CompiledRules
    policy: Policy
    action_codes: np.ndarray
    reason_index: np.ndarray
    reason_names: list[str]
    rule_id_array: np.ndarray
    # Precomputed at build: rule indexes in reason order (decline rules, review rules, score
    # rules by descending weight; rule-set order within each) and score weights (0 unless a
    # score rule).
    reason_order: np.ndarray
    score_weights: np.ndarray
    is_decline: np.ndarray
    is_review: np.ndarray
    compile_seconds: float = 0.0
    memory_bytes: int = 0

    def decide(self, features: dict[str, Any]) -> Outcome:
        return self.outcome_of(self.rules.matches(features), features)

    def outcome(self, hits: np.ndarray, features: dict[str, Any]) -> Outcome:
        mask = np.zeros(len(self.action_codes), dtype=np.bool_)
        mask[hits] = True
        return self.outcome_of(mask, features)

    def outcome_of(self, mask: np.ndarray, features: dict[str, Any]) -> Outcome:
        """The policy applied to a boolean vector of matching rules."""
        hits = np.flatnonzero(mask)
        score = int(self.score_weights[hits].sum())
        ranked = self.reason_order[mask[self.reason_order]]
        codes = self.reason_index[ranked]
        names = self.reason_names
        reasons = [names[c] for c in first_occurrences(codes, len(names)).tolist()]
        policy = self.policy
        if mask[self.is_decline].any() or score >= policy.decline_at:
            decision = "declined"
        elif mask[self.is_review].any() or score >= policy.review_at:
            decision = "review"
        else:
            decision = "approved"
        available = max(0, policy.credit_limit - int(features["open_exposure"]))
        amount = int(features["order_amount"])
        if decision != "declined" and amount > available:
            decision = "declined"
            reasons.append(CREDIT_LIMIT_REASON)
        left = available - amount if decision == "approved" else available
        return Outcome(
            decision=decision,
            matched_rules=self.rule_id_array[hits].tolist(),
            reason_codes=reasons,
            score=score,
            credit_limit=policy.credit_limit,
            credit_limit_left=left,
            matched_bits=np.packbits(mask, bitorder="little").tobytes(),
        )


def first_occurrences(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Each distinct value of ``codes`` (ints in [0, n_codes)) once, in order of first appearance.

    ``np.unique(return_index=True)`` does this with a stable sort of all of ``codes`` (thousands
    of matching rules); here one pass finds each code's first position and only the few distinct
    codes are sorted (~8× faster with 4,000 matches).
    """
    first = np.full(n_codes, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    present = np.flatnonzero(first < len(codes))
    return present[np.argsort(first[present], kind="stable")]


def build(
    version: int, rules: list[Rule], policy: dict[str, int], measure_memory: bool = False
) -> CompiledVersion:
    started = time.perf_counter()
    if measure_memory:
        tracemalloc.start()
    compiled = compile_rules(rules)
    memory = 0
    if measure_memory:
        memory = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    codes = np.array([_ACTION_CODES[r.action] for r in rules], dtype=np.int8)
    reason_names = sorted({r.reason_code for r in rules})
    position = {name: i for i, name in enumerate(reason_names)}
    score_weights = np.array([r.weight if r.action == "score" else 0 for r in rules], dtype=np.int64)
    # lexsort: the last key is the primary one; the sort is stable, so ties keep rule-set order.
    reason_order = np.lexsort((np.arange(len(rules)), -score_weights, codes)).astype(np.intp)
    return CompiledVersion(
        version=version,
        rules=compiled,
        policy=Policy.from_dict(policy),
        action_codes=codes,
        reason_index=np.array([position[r.reason_code] for r in rules], dtype=np.int64),
        reason_names=reason_names,
        rule_id_array=np.array([r.id for r in rules], dtype=object),
        reason_order=reason_order,
        score_weights=score_weights,
        is_decline=np.flatnonzero(codes == _DECLINE),
        is_review=np.flatnonzero(codes == _REVIEW),
        compile_seconds=time.perf_counter() - started,
        memory_bytes=memory,
    )


# Published versions never change, so a compiled version is cached forever in each process.
_cache: dict[int, CompiledVersion] = {}
_cache_lock = threading.Lock()


def compiled_version(rule_set) -> CompiledVersion:
    """The compiled form of a rule set (published: cached per process; drafts: compiled each time)."""
    if not rule_set.is_draft:
        cached = _cache.get(rule_set.pk)
        if cached is not None:
            return cached
    from credit.selectors import rules_of

    version = build(rule_set.pk, rules_of(rule_set), rule_set.policy)
    if not rule_set.is_draft:
        with _cache_lock:
            _cache.setdefault(rule_set.pk, version)  # swapped in atomically: a dict assignment
            version = _cache[rule_set.pk]
    return version


def compiled_by_id(rule_set_id: int) -> CompiledVersion:
    cached = _cache.get(rule_set_id)
    if cached is not None:
        return cached
    from credit.models import RuleSet

    return compiled_version(RuleSet.objects.get(pk=rule_set_id))


# Rule ids in rule-set order per published version, to read stored bitmaps of matching rules.
_rule_ids: dict[int, np.ndarray] = {}


def is_compiled(rule_set_id: int) -> bool:
    """Whether this process holds the compiled form of a published rule set."""
    return rule_set_id in _cache


def cache_clear() -> None:
    """Forget every compiled version and rule-id table in this process (as a new process starts)."""
    with _cache_lock:
        _cache.clear()
        _rule_ids.clear()


def rule_ids_of_bits(rule_set_id: int, bits: bytes) -> list[str]:
    """The ids of the rules set in a bitmap of matching rules (bit i = the version's rule i)."""
    ids = _rule_ids.get(rule_set_id)
    if ids is None:
        compiled = _cache.get(rule_set_id)
        if compiled is not None:
            ids = compiled.rule_id_array
        else:
            from credit.models import CreditRule

            rows = CreditRule.objects.filter(rule_set_id=rule_set_id).order_by("position", "id")
            ids = np.array(list(rows.values_list("rule_id", flat=True)), dtype=object)
        _rule_ids[rule_set_id] = ids
    mask = np.unpackbits(np.frombuffer(bits, dtype=np.uint8), count=len(ids), bitorder="little")
    return ids[np.flatnonzero(mask)].tolist()
