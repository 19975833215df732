"""credit_rules import/export and credit_train."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credit.models import RuleSet, ScoreModel, Slot
from tests.credit.conftest import BASIC_RULES, cond, rule

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_publish_activate_and_export_round_trip(tmp_path):
    path = tmp_path / "rules.json"
    doc = {"note": "spring rules", "rules": BASIC_RULES}
    path.write_text(json.dumps(doc, ensure_ascii=False))
    out = run("credit_rules", "import", str(path), "--activate")
    rule_set = RuleSet.objects.get()
    assert f"imported draft v{rule_set.pk}: 6 rules" in out
    assert f"v{rule_set.pk} is now live" in out
    assert (rule_set.status, rule_set.slot, rule_set.note) == ("published", Slot.LIVE, "spring rules")
    exported = json.loads(run("credit_rules", "export"))
    assert exported["rules"] == BASIC_RULES
    assert exported["note"] == "spring rules"
    assert exported["policy"] == {"review_at": 50, "decline_at": 100, "credit_limit": 100_000}
    out_file = tmp_path / "out.json"
    run("credit_rules", "export", "--version", str(rule_set.pk), str(out_file))
    assert json.loads(out_file.read_text())["rules"] == BASIC_RULES


def test_import_refuses_unknown_features_with_rule_id_and_position(tmp_path):
    path = tmp_path / "bad.json"
    bad = [
        *BASIC_RULES,
        rule("R9", "score", {"all": [cond("buyer_age", ">", 1), cond("shoe_size", ">", 40)]}, 5),
    ]
    path.write_text(json.dumps({"rules": bad}))
    with pytest.raises(CommandError) as caught:
        run("credit_rules", "import", str(path), "--publish")
    assert str(caught.value) == "rules[6] (rule R9).when.all[1].feature: unknown feature 'shoe_size'"
    assert RuleSet.objects.count() == 0


def test_train_prints_hold_out_auc_and_registers_the_artefact(model_settings, model_dir):
    out = run("credit_train", "--samples", "3000", "--seed", "11", "--activate")
    model = ScoreModel.objects.get()
    assert f"model v{model.pk}: 3000 generated applications (seed 11" in out
    assert f"hold-out AUC {model.auc:.4f}" in out
    assert 0.7 < model.auc < 1.0
    assert (model_dir / model.artefact).exists() and model.slot == Slot.LIVE
    assert "present" in run("credit_train", "--if-missing")
    assert ScoreModel.objects.count() == 1
