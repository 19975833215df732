"""Rule-set lifecycle: draft → published (immutable) → live; one live; rollback; shadow; four eyes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from credit import services
from credit.models import CreditCheck, CreditRule, RuleSet, ShadowDecision, Slot
from portal.errors import PortalError
from portal.models import AuditEvent
from tests.credit.conftest import BASIC_RULES, application, cond, deploy, rule
from tests.support import make_user

pytestmark = pytest.mark.django_db


def test_published_rule_sets_are_immutable_in_services_and_in_the_database(live_rules):
    with pytest.raises(PortalError) as caught:
        services.rule_save(
            rule_set=live_rules, data=rule("X", "review", cond("buyer_age", "<", 20)), actor=None
        )
    assert caught.value.code == "E2000000003"
    first = CreditRule.objects.filter(rule_set=live_rules).first()
    with pytest.raises(PortalError):
        services.rule_delete(rule=first, actor=None)
    with pytest.raises(PortalError):
        services.rule_set_replace_rules(rule_set=live_rules, doc={"rules": []}, actor=None)
    # Even code that goes around the services cannot change a published version.
    for attempt in (
        lambda: CreditRule.objects.filter(pk=first.pk).update(weight=999),
        lambda: CreditRule.objects.filter(pk=first.pk).delete(),
        lambda: CreditRule.objects.create(rule_set=live_rules, position=99, rule_id="Z", reason_code="Z",
                                          action="review", when=cond("buyer_age", "<", 1)),
        lambda: RuleSet.objects.filter(pk=live_rules.pk).update(note="changed"),
        lambda: RuleSet.objects.filter(pk=live_rules.pk).update(policy={"review_at": 1}),
        lambda: RuleSet.objects.filter(pk=live_rules.pk).delete(),
    ):  # fmt: skip
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    live_rules.refresh_from_db()
    assert live_rules.note == "test" and live_rules.rule_count == len(BASIC_RULES)
    assert CreditRule.objects.get(pk=first.pk).weight == first.weight
    assert CreditRule.objects.filter(rule_set=live_rules).count() == len(BASIC_RULES)


def test_builder_cannot_publish_own_draft_and_approver_can():
    builder, approver = make_user(is_staff=True), make_user(is_staff=True)
    draft = services.rule_set_clone(source=None, actor=builder)
    services.rule_save(rule_set=draft, data=rule("A1", "decline", cond("buyer_age", "<", 18)), actor=builder)
    with pytest.raises(PortalError) as caught:
        services.rule_set_publish(rule_set=draft, actor=builder)
    assert caught.value.code == "E2000000005"
    draft.refresh_from_db()
    assert draft.status == "draft"
    services.rule_set_publish(rule_set=draft, actor=approver)
    draft.refresh_from_db()
    assert (draft.status, draft.published_by, draft.rule_count) == ("published", approver, 1)
    assert len(draft.checksum) == 64
    actions = list(AuditEvent.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True))
    assert actions == ["credit_rule_set.published", "credit_rule.saved", "credit_rule_set.created"]


def test_rule_editor_validates_on_save():
    draft = services.rule_set_clone(source=None, actor=None)
    with pytest.raises(PortalError) as caught:
        services.rule_save(
            rule_set=draft, data=rule("B1", "score", {"any": [cond("income", ">", 1)]}), actor=None
        )
    assert (
        caught.value.message == "The rules are invalid: rule B1.when.any[0].feature: unknown feature 'income'"
    )
    assert CreditRule.objects.filter(rule_set=draft).count() == 0


def test_one_live_version_activation_and_instant_rollback(api, live_model):
    v1 = deploy(BASIC_RULES)
    v2 = deploy([rule("ALL", "decline", {"all": []}, reason="EVERYTHING")])
    assert list(RuleSet.objects.filter(slot=Slot.LIVE).values_list("pk", flat=True)) == [v2.pk]
    body = api.call("POST", "/v1/credit/checks", application()).json()
    assert (body["decision"], body["rule_set_version"]) == ("declined", v2.pk)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database allows one live version only
        RuleSet.objects.filter(pk=v1.pk).update(slot=Slot.LIVE)

    services.rule_set_rollback(actor=None)
    services.deployment_publish()  # what the on-commit hook does after the transaction
    body = api.call("POST", "/v1/credit/checks", application()).json()
    assert (body["decision"], body["rule_set_version"]) == ("approved", v1.pk)


def test_shadow_decisions_are_stored_and_never_returned(api, live_rules, live_model):
    shadow = deploy(
        [rule("SH", "decline", cond("order_amount", ">=", 1), reason="SHADOW_SAYS_NO")], slot=Slot.SHADOW
    )
    response = api.call("POST", "/v1/credit/checks", application())
    body = response.json()
    assert body["decision"] == "approved"
    assert body["rule_set_version"] == live_rules.pk
    assert b"SHADOW_SAYS_NO" not in response.content and b'"SH"' not in response.content
    stored = ShadowDecision.objects.get()
    check = CreditCheck.objects.get()
    assert stored.check_ref_id == check.pk
    assert (stored.rule_set_id, stored.decision, stored.matched_rules) == (shadow.pk, "declined", ["SH"])
    assert stored.reason_codes == ["SHADOW_SAYS_NO"]
    assert stored.ml_score == check.ml_score
    assert api.call("GET", f"/v1/credit/checks/{check.public_id}").content.count(b"SHADOW") == 0
