"""The compiled rule set agrees with the plain reference interpreter on random rules and applicants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit.compiler import compile_rules
from credit.features import BOOL, FEATURES, NUMBER, STRING
from credit.reference import matching_rule_ids
from credit.rules import Rule, RuleFileError, parse_rule_file

# A few features of each type, with small value domains so that equality and membership hit often.
NUMERIC = ["order_amount", "item_count", "buyer_age", "phone_apps_1h", "fraud_similarity", "ml_score"]
STRINGS = ["prefecture", "email_domain"]
BOOLS = ["shipping_differs", "in_blocklist"]
NUMBERS = st.one_of(st.integers(-3, 12), st.sampled_from([0.25, 0.5, 0.75, 2.5, 1000, 10**6]))
WORDS = st.sampled_from(["Tokyo", "Osaka", "Hokkaido", "", "example.com", "mail.jp", "ｶﾅ"])


def leaf() -> st.SearchStrategy:
    numeric = st.builds(
        lambda f, op, v: {"feature": f, "op": op, "value": v},
        st.sampled_from(NUMERIC),
        st.sampled_from(["==", "!=", ">", ">=", "<", "<="]),
        NUMBERS,
    )
    numeric_in = st.builds(
        lambda f, op, v: {"feature": f, "op": op, "value": v},
        st.sampled_from(NUMERIC),
        st.sampled_from(["in", "not_in"]),
        st.lists(NUMBERS, min_size=1, max_size=4),
    )
    strings = st.builds(
        lambda f, op, v: {"feature": f, "op": op, "value": v},
        st.sampled_from(STRINGS),
        st.sampled_from(["==", "!="]),
        WORDS,
    )
    strings_in = st.builds(
        lambda f, op, v: {"feature": f, "op": op, "value": v},
        st.sampled_from(STRINGS),
        st.sampled_from(["in", "not_in"]),
        st.lists(WORDS, min_size=1, max_size=3),
    )
    bools = st.builds(
        lambda f, op, v: {"feature": f, "op": op, "value": v},
        st.sampled_from(BOOLS),
        st.sampled_from(["==", "!="]),
        st.booleans(),
    )
    return st.one_of(numeric, numeric_in, strings, strings_in, bools)


CONDITIONS = st.recursive(
    leaf(),
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=0, max_size=4)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=0, max_size=4)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=12,
)

APPLICANT = st.fixed_dictionaries(
    {
        **dict.fromkeys(NUMERIC, NUMBERS),
        **dict.fromkeys(STRINGS, WORDS),
        **{name: st.booleans() for name in BOOLS},
    }
)


def make_rules(conditions: list[dict]) -> list[Rule]:
    return [
        Rule(id=f"R{i}", reason_code=f"C{i % 3}", action="score", weight=i, when=cond)
        for i, cond in enumerate(conditions)
    ]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    conditions=st.lists(CONDITIONS, min_size=1, max_size=25),
    applicants=st.lists(APPLICANT, min_size=1, max_size=6),
)
def test_compiled_rules_match_the_reference_interpreter(conditions, applicants):
    rules = make_rules(conditions)
    parse_rule_file({"rules": [r.as_dict() for r in rules]})  # every generated rule is valid
    compiled = compile_rules(rules)
    for applicant in applicants:
        assert compiled.hit_ids(applicant) == matching_rule_ids(rules, applicant)


def test_shared_subtrees_and_constants():
    when = {"all": [{"feature": "order_amount", "op": ">", "value": 100}, {"any": []}]}
    rules = make_rules(
        [
            {"all": []},  # always true
            {"any": []},  # never true
            {"not": {"not": {"feature": "order_amount", "op": ">", "value": 100}}},
            when,
            {"not": when},
        ]
    )
    compiled = compile_rules(rules)
    assert compiled.hit_ids({"order_amount": 101}) == ["R0", "R2", "R4"]
    assert compiled.hit_ids({"order_amount": 100}) == ["R0", "R4"]
    assert compiled.stats["leaves"] == 1  # the same comparison is one slot for every rule


def _problems(doc) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_file(doc)
    return caught.value.problems


def test_unknown_features_and_operators_are_refused_with_rule_id_and_position():
    doc = {
        "rules": [
            {"id": "OK1", "reason_code": "A", "action": "decline", "when": {"feature": "buyer_age", "op": "<", "value": 18}},
            {"id": "BAD1", "reason_code": "A", "action": "score", "weight": 5,
             "when": {"all": [{"feature": "order_amount", "op": ">", "value": 1}, {"feature": "salary", "op": ">", "value": 1}]}},
            {"id": "BAD2", "reason_code": "A", "action": "review",
             "when": {"any": [{"not": {"feature": "order_amount", "op": "~=", "value": 1}}]}},
            {"id": "BAD3", "reason_code": "A", "action": "review",
             "when": {"feature": "prefecture", "op": ">", "value": "Tokyo"}},
            {"id": "BAD4", "reason_code": "A", "action": "review", "when": {"feature": "order_amount", "op": "==", "value": "1"}},
            {"id": "BAD5", "reason_code": "A", "action": "exec", "when": {"code": "__import__('os')"}},
        ]
    }  # fmt: skip
    assert _problems(doc) == [
        "rules[1] (rule BAD1).when.all[1].feature: unknown feature 'salary'",
        "rules[2] (rule BAD2).when.any[0].not.op: unknown operator '~='",
        "rules[3] (rule BAD3).when.op: operator '>' is not allowed for string feature 'prefecture'",
        "rules[4] (rule BAD4).when.value: must be a number for feature 'order_amount'",
        "rules[5] (rule BAD5).action: must be one of decline, review, score (got 'exec')",
        "rules[5] (rule BAD5).when: a condition is {'all': […]}, {'any': […]}, {'not': …} or "
        "{'feature', 'op', 'value'}; got keys ['code']",
    ]


def test_duplicate_ids_and_bad_top_level_are_refused():
    rule = {"id": "R1", "reason_code": "A", "action": "review", "when": {"all": []}}
    assert _problems({"rules": [rule, rule]}) == ["rules[1] (rule R1).id: duplicate of rules[0]"]
    assert _problems([]) == ["the file must be a JSON object with 'rules'"]
    assert _problems({"rules": {}, "extra": 1}) == [
        "unknown top-level keys ['extra']",
        "rules: must be a list",
    ]


def test_every_registered_feature_type_has_operators():
    assert {f.type for f in FEATURES.values()} == {NUMBER, BOOL, STRING}


@given(st.lists(st.integers(min_value=0, max_value=9), max_size=60))
def test_reason_codes_once_each_in_order_of_first_appearance(values):
    from credit.engine import first_occurrences

    codes = np.array(values, dtype=np.int64)
    expected = list(dict.fromkeys(values))  # first appearance order, each once
    assert first_occurrences(codes, 10).tolist() == expected
