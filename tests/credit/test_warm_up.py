"""A web process compiles the live rules and loads the live model when it starts."""

from __future__ import annotations

import pytest

from credit import engine, similarity
from credit.services import engine_warm_up

pytestmark = pytest.mark.django_db


def test_warm_up_compiles_what_is_live(live_rules, live_model):
    assert not engine.is_compiled(live_rules.pk)
    deployment = engine_warm_up()
    assert deployment is not None and deployment.rules_live == live_rules.pk
    assert engine.is_compiled(live_rules.pk)
    assert similarity.indexes_version() == deployment.fraud


def test_warm_up_never_fails_the_process(monkeypatch):
    def broken():
        raise RuntimeError("database not migrated yet")

    monkeypatch.setattr("credit.selectors.deployment_from_db", broken)
    assert engine_warm_up() is None
