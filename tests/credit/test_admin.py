"""The credit admin: rule editor, import/export, publishing roles, backtest, review queue (audited)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credit.models import Backtest, CreditCheck, CreditRule, Exposure, RuleSet
from portal.models import AuditEvent
from tests.credit.conftest import BASIC_RULES, application, cond, rule
from tests.support import make_user

pytestmark = pytest.mark.django_db


def operator(group: str) -> Client:
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_builder_imports_and_edits_a_draft_approver_publishes_and_activates():
    builder, approver = operator("credit_builder"), operator("credit_approver")
    upload = SimpleUploadedFile("rules.json", json.dumps({"note": "n", "rules": BASIC_RULES}).encode())
    response = builder.post("/admin/credit/ruleset/import/", {"file": upload})
    draft = RuleSet.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/credit/ruleset/{draft.pk}/change/"
    assert (draft.status, draft.rule_count, draft.created_by) == ("draft", 6, builder.user)

    page = builder.get(f"/admin/credit/creditrule/add/?rule_set={draft.pk}")
    assert (
        page.status_code == 200
        and b"credit-feature-registry" in page.content
        and b"fraud_similarity" in page.content
    )
    bad = {"rule_set": draft.pk, "rule_id": "N1", "reason_code": "X", "action": "score", "weight": 5,
           "when": json.dumps(cond("salary", ">", 1)), "description": ""}  # fmt: skip
    response = builder.post("/admin/credit/creditrule/add/", bad)
    assert response.status_code == 200
    assert "rule N1.when.feature: unknown feature &#x27;salary&#x27;" in response.content.decode()
    good = {**bad, "when": json.dumps(cond("buyer_age", ">=", 70))}
    assert builder.post("/admin/credit/creditrule/add/", good).status_code == 302
    assert CreditRule.objects.filter(rule_set=draft).count() == 7

    # The builder may not publish; the approver may, and cannot edit rules.
    assert builder.post(f"/admin/credit/ruleset/{draft.pk}/do/publish/").status_code == 403
    assert approver.post("/admin/credit/creditrule/add/", good).status_code == 403
    approver.post(f"/admin/credit/ruleset/{draft.pk}/do/publish/")
    approver.post(f"/admin/credit/ruleset/{draft.pk}/do/live/")
    draft.refresh_from_db()
    assert (draft.status, draft.slot, draft.published_by) == ("published", "live", approver.user)
    # Published: the editor refuses changes.
    rule_pk = CreditRule.objects.get(rule_set=draft, rule_id="N1").pk
    assert builder.post(f"/admin/credit/creditrule/{rule_pk}/change/", good).status_code == 403
    exported = builder.get(f"/admin/credit/ruleset/{draft.pk}/export/")
    assert json.loads(exported.content)["rules"][-1] == rule(
        "N1", "score", cond("buyer_age", ">=", 70), 5, "X"
    )


def test_import_shows_every_problem_and_writes_nothing():
    builder = operator("credit_builder")
    bad = [rule("A", "score", {"not": cond("order_amount", "=~", 1)})]
    upload = SimpleUploadedFile("rules.json", json.dumps({"rules": bad}).encode())
    response = builder.post("/admin/credit/ruleset/import/", {"file": upload})
    assert response.status_code == 200
    assert "rules[0] (rule A).when.not.op: unknown operator &#x27;=~&#x27;" in response.content.decode()
    assert RuleSet.objects.count() == 0


def test_backtest_from_the_admin(api, live_rules, django_capture_on_commit_callbacks):
    api.call("POST", "/v1/credit/checks", application())
    builder = operator("credit_builder")
    with django_capture_on_commit_callbacks(execute=True):
        response = builder.post(f"/admin/credit/ruleset/{live_rules.pk}/backtest/", {"sample_size": 100})
    backtest = Backtest.objects.get()
    assert response["Location"] == f"/admin/credit/backtest/{backtest.pk}/change/"
    page = builder.get(response["Location"])
    assert page.status_code == 200
    assert backtest.results == {"checks": 1, "baseline": {"approved": 1, "declined": 0, "review": 0},
                                "candidate": {"approved": 1, "declined": 0, "review": 0}, "net_moves": 0}  # fmt: skip
    assert b"No decision changes." in page.content


def test_review_queue_approve_with_note_is_audited(api, live_rules):
    shipping = {"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}
    check_id = api.call("POST", "/v1/credit/checks", application(shipping=shipping)).json()["id"]
    check = CreditCheck.objects.get(public_id=check_id)
    reviewer = operator("credit_reviewer")
    page = reviewer.get(f"/admin/credit/creditcheck/{check.pk}/change/")
    assert page.status_code == 200
    assert b"SHIP_ELSEWHERE" in page.content and b"Record the review" in page.content
    assert (
        reviewer.post(
            f"/admin/credit/creditcheck/{check.pk}/review/", {"outcome": "approved", "note": ""}
        ).status_code
        == 302
    )
    check.refresh_from_db()
    assert check.review_status == "pending"  # no note: nothing happened
    reviewer.post(
        f"/admin/credit/creditcheck/{check.pk}/review/", {"outcome": "approved", "note": "called the buyer"}
    )
    check.refresh_from_db()
    assert (check.review_status, check.outcome, check.reviewed_by, check.review_note) == (
        "approved", "approved", reviewer.user, "called the buyer")  # fmt: skip
    assert Exposure.objects.get().check_ref_id == check.pk
    event = AuditEvent.objects.get(action="credit_check.reviewed")
    assert (event.actor, event.object_id, event.after["note"]) == (
        reviewer.user,
        check_id,
        "called the buyer",
    )
    # Twice is refused, and the API shows the outcome.
    reviewer.post(f"/admin/credit/creditcheck/{check.pk}/review/", {"outcome": "declined", "note": "again"})
    assert CreditCheck.objects.get(pk=check.pk).review_status == "approved"
    body = api.call("GET", f"/v1/credit/checks/{check_id}").json()
    assert (body["decision"], body["outcome"], body["review_status"]) == ("review", "approved", "approved")
    assert (
        operator("credit_builder")
        .post(f"/admin/credit/creditcheck/{check.pk}/review/", {"outcome": "declined", "note": "x"})
        .status_code
        == 403
    )
