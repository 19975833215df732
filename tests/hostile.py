"""Hypothesis strategies for hostile request bodies: the fields an endpoint knows, with values
that are sometimes right (to get past validation into the services) and otherwise anything
JSON can hold — nulls, booleans, huge integers, floats, NaN, control characters, lists, objects."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def field(*good) -> st.SearchStrategy:
    return st.sampled_from(good) | junk if good else junk


def body(**fields: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=fields)


def hostile_settings(max_examples: int = 40) -> settings:
    """Hypothesis settings of these tests: no deadline (the database is real), fixtures shared
    by the examples of one test."""
    return settings(
        max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )


def assert_answered(response, *context, api: bool = True) -> None:
    """Never a 500; from the API (``api``), a 4xx is in its error format."""
    assert response.status_code < 500, (*context, response.content[:300])
    if api and response.status_code >= 400:
        errors = response.json()["errors"]
        assert errors and all(error["error_code"].startswith("E") for error in errors), response.content
