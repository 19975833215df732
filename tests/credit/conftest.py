"""Credit fixtures: a trained model (once per session), live rule sets, applications."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from credit import bureau_queue, engine, ml, services, similarity
from credit.models import RuleSet, Slot

BUYER = {
    "name": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "email": "taro@example.jp",
    "phone": "090-1234-5678",
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1-1",
    "birth_date": "1990-04-01",
}


def application(**changes) -> dict:
    """A valid POST /v1/credit/checks body; ``buyer__email=…`` changes a buyer field."""
    body = {
        "order_id": "o_1",
        "amount": 12_000,
        "buyer": copy.deepcopy(BUYER),
        "items": [{"name": "T-shirt", "price": 3_000, "quantity": 4}],
        "device": {"fingerprint": "fp-abc", "ip": "203.0.113.7"},
    }
    for key, value in changes.items():
        if key.startswith("buyer__"):
            body["buyer"][key[7:]] = value
        elif value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def rule(rule_id: str, action: str, when: dict, weight: int = 0, reason: str | None = None) -> dict:
    return {"id": rule_id, "reason_code": reason or rule_id, "action": action, "weight": weight, "when": when}


def cond(feature: str, op: str, value) -> dict:
    return {"feature": feature, "op": op, "value": value}


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    engine.cache_clear()
    services.score_model_cache_clear()
    bureau_queue.queue = bureau_queue.BureauRefreshQueue()
    ml.loaded_clear()
    similarity.indexes_clear()
    yield


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("models")
    return directory


@pytest.fixture(scope="session")
def trained(model_dir) -> ml.TrainedModel:
    return ml.train(samples=4_000, seed=7, directory=model_dir)


@pytest.fixture
def model_settings(settings, model_dir):
    settings.CREDIT_MODEL_DIR = model_dir
    return settings


@pytest.fixture
def live_model(db, trained, model_settings, django_capture_on_commit_callbacks):
    model = services.score_model_register(trained=trained, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.score_model_activate(model=model, slot=Slot.LIVE, actor=None)
    return model


def deploy(
    rules: list[dict], slot: str = Slot.LIVE, policy: dict | None = None, note: str = "test"
) -> RuleSet:
    """Import, publish and put a rule set in a slot (running the on-commit publication)."""
    from django.db import transaction

    doc = {"note": note, "rules": rules}
    if policy:
        doc["policy"] = policy
    with transaction.atomic():
        rule_set = services.rule_set_import(doc=doc, actor=None)
        services.rule_set_publish(rule_set=rule_set, actor=None)
        services.rule_set_activate(rule_set=rule_set, slot=slot, actor=None)
    services.deployment_publish()
    return rule_set


BASIC_RULES = [
    rule("D1", "decline", cond("order_amount", ">", 200_000), reason="HIGH_AMOUNT"),
    rule("D2", "decline", cond("in_blocklist", "==", True), reason="BLOCKLISTED"),
    rule("V1", "review", cond("phone_apps_1h", ">=", 3), reason="VELOCITY"),
    rule("S1", "score", cond("shipping_differs", "==", True), weight=30, reason="SHIP_ELSEWHERE"),
    rule("S2", "score", cond("prefecture", "in", ["Tokyo", "Osaka"]), weight=5, reason="METRO"),
    rule("S3", "score", {"all": [cond("item_count", ">=", 4), cond("email_domain", "==", "example.jp")]}, weight=20, reason="MANY_ITEMS"),
]  # fmt: skip


@pytest.fixture
def live_rules(db) -> RuleSet:
    return deploy(BASIC_RULES)
