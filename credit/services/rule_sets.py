"""Versioned rule sets: draft → published → live/shadow, their rules, rollback."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from credit import errors, selectors
from credit.features import FEATURES
from credit.models import (
    CreditRule,
    RuleSet,
    RuleSetActivation,
    ScoreModel,
    Slot,
)
from credit.rules import Rule, RuleFileError, parse_rule, parse_rule_file, rules_checksum
from credit.services.deployment import deployment_publish
from portal.errors import PortalError
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


def _rule_rows(rule_set: RuleSet, rules: list[Rule]) -> list[CreditRule]:
    return [
        CreditRule(
            rule_set=rule_set,
            position=index,
            rule_id=rule.id,
            reason_code=rule.reason_code,
            action=rule.action,
            weight=rule.weight,
            when=rule.when,
            description=rule.description,
        )
        for index, rule in enumerate(rules)
    ]


def _invalid(exc: RuleFileError) -> PortalError:
    error = PortalError(errors.RULES_INVALID, "The rules are invalid: " + "; ".join(exc.problems[:10]))
    error.problems = exc.problems  # type: ignore[attr-defined]
    return error


def _label(actor: Actor) -> str:
    return actor.email if actor else "system"


@transaction.atomic
def rule_set_import(*, doc: Any, actor: Actor) -> RuleSet:
    """A new draft from a rule file (decoded JSON). Every problem is reported, nothing is written."""
    try:
        parsed = parse_rule_file(doc)
    except RuleFileError as exc:
        raise _invalid(exc) from exc
    policy = {**settings.CREDIT_POLICY_DEFAULTS, **parsed.policy}
    rule_set = RuleSet.objects.create(
        note=parsed.note, policy=policy, rule_count=len(parsed.rules), created_by=actor, edited_by=actor
    )
    CreditRule.objects.bulk_create(_rule_rows(rule_set, parsed.rules), batch_size=BATCH)
    audit_record(
        actor=actor,
        action="credit_rule_set.imported",
        obj=rule_set,
        after={"rules": len(parsed.rules), "note": parsed.note},
    )
    return rule_set


def _lock_draft(rule_set: RuleSet) -> RuleSet:
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if not rule_set.is_draft:
        raise PortalError(errors.RULE_SET_NOT_EDITABLE)
    return rule_set


@transaction.atomic
def rule_set_clone(*, source: RuleSet | None, actor: Actor) -> RuleSet:
    """A new draft with a copy of ``source``'s rules (or empty)."""
    draft = RuleSet.objects.create(
        note=f"copy of v{source.pk}" if source else "",
        policy=dict(source.policy) if source else dict(settings.CREDIT_POLICY_DEFAULTS),
        parent=source,
        created_by=actor,
        edited_by=actor,
    )
    if source is not None:
        rules = selectors.rules_of(source)
        CreditRule.objects.bulk_create(_rule_rows(draft, rules), batch_size=BATCH)
        draft.rule_count = len(rules)
        draft.save(update_fields=["rule_count"])
    audit_record(
        actor=actor,
        action="credit_rule_set.created",
        obj=draft,
        after={"parent": source.pk if source else None},
    )
    return draft


@transaction.atomic
def rule_set_replace_rules(*, rule_set: RuleSet, doc: Any, actor: Actor) -> RuleSet:
    """Bulk import into a draft: the file's rules, note and policy replace the draft's."""
    rule_set = _lock_draft(rule_set)
    try:
        parsed = parse_rule_file(doc)
    except RuleFileError as exc:
        raise _invalid(exc) from exc
    CreditRule.objects.filter(rule_set=rule_set).delete()
    CreditRule.objects.bulk_create(_rule_rows(rule_set, parsed.rules), batch_size=BATCH)
    rule_set.note = parsed.note
    rule_set.policy = {**settings.CREDIT_POLICY_DEFAULTS, **parsed.policy}
    rule_set.rule_count = len(parsed.rules)
    rule_set.edited_by = actor
    rule_set.save(update_fields=["note", "policy", "rule_count", "edited_by", "updated_at"])
    audit_record(
        actor=actor, action="credit_rule_set.replaced", obj=rule_set, after={"rules": len(parsed.rules)}
    )
    return rule_set


@transaction.atomic
def rule_save(
    *, rule_set: RuleSet, data: dict[str, Any], actor: Actor, rule: CreditRule | None = None
) -> CreditRule:
    """Add or change one rule of a draft, validated like a rule file entry."""
    rule_set = _lock_draft(rule_set)
    problems: list[str] = []
    parsed = parse_rule(data, "", problems)
    if parsed is None:
        raise _invalid(RuleFileError(problems))
    clash = CreditRule.objects.filter(rule_set=rule_set, rule_id=parsed.id)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise _invalid(RuleFileError([f"rule {parsed.id}: id already used in this rule set"]))
    fields = {
        "rule_id": parsed.id,
        "reason_code": parsed.reason_code,
        "action": parsed.action,
        "weight": parsed.weight,
        "when": parsed.when,
        "description": parsed.description,
    }
    if rule is None:
        last = CreditRule.objects.filter(rule_set=rule_set).order_by("-position").first()
        rule = CreditRule.objects.create(
            rule_set=rule_set, position=(last.position + 1) if last else 0, **fields
        )
    else:
        rule = CreditRule.objects.get(pk=rule.pk, rule_set=rule_set)
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.save(update_fields=list(fields))
    rule_set.rule_count = CreditRule.objects.filter(rule_set=rule_set).count()
    rule_set.edited_by = actor
    rule_set.save(update_fields=["rule_count", "edited_by", "updated_at"])
    audit_record(actor=actor, action="credit_rule.saved", obj=rule_set, after={"rule": parsed.as_dict()})
    return rule


@transaction.atomic
def rule_delete(*, rule: CreditRule, actor: Actor) -> None:
    rule_set = _lock_draft(rule.rule_set)
    CreditRule.objects.filter(pk=rule.pk, rule_set=rule_set).delete()
    rule_set.rule_count = CreditRule.objects.filter(rule_set=rule_set).count()
    rule_set.edited_by = actor
    rule_set.save(update_fields=["rule_count", "edited_by", "updated_at"])
    audit_record(actor=actor, action="credit_rule.deleted", obj=rule_set, before={"rule": rule.rule_id})


@transaction.atomic
def rule_set_publish(*, rule_set: RuleSet, actor: Actor) -> RuleSet:
    """draft → published (immutable). A person may not publish a draft they built or edited."""
    rule_set = _lock_draft(rule_set)
    if actor is not None and actor.pk in {rule_set.created_by_id, rule_set.edited_by_id}:
        raise PortalError(errors.FOUR_EYES)
    from credit import engine  # the numeric core loads at its first use (credit/__init__.py)

    rules = selectors.rules_of(rule_set)
    try:  # re-validate everything (drafts may predate a registry change) and compile once
        parse_rule_file({"rules": [r.as_dict() for r in rules]})
        engine.build(rule_set.pk, rules, rule_set.policy)
    except RuleFileError as exc:
        raise _invalid(exc) from exc
    rule_set.status = RuleSet.Status.PUBLISHED
    rule_set.checksum = rules_checksum(rules, rule_set.policy)
    rule_set.rule_count = len(rules)
    rule_set.published_by = actor
    rule_set.published_at = timezone.now()
    rule_set.save(
        update_fields=["status", "checksum", "rule_count", "published_by", "published_at", "updated_at"]
    )
    audit_record(
        actor=actor, action="credit_rule_set.published", obj=rule_set, after={"checksum": rule_set.checksum}
    )
    return rule_set


@transaction.atomic
def rule_set_activate(*, rule_set: RuleSet, slot: str, actor: Actor) -> RuleSet:
    """Put a published version in the live or shadow slot (one per slot); takes effect at commit."""
    if slot not in Slot.values:
        raise PortalError(errors.RULE_SET_STATE, "Unknown slot.")
    holders = list(RuleSet.objects.select_for_update().filter(slot__isnull=False).order_by("pk"))
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status != RuleSet.Status.PUBLISHED:
        raise PortalError(errors.RULE_SET_STATE, "Only a published rule set can be activated.")
    if rule_set.slot == slot:
        return rule_set
    previous = next((h for h in holders if h.slot == slot), None)
    if previous is not None:
        RuleSet.objects.filter(pk=previous.pk).update(slot=None)
    RuleSet.objects.filter(pk=rule_set.pk).update(slot=slot)
    rule_set.slot = slot
    RuleSetActivation.objects.create(
        rule_set=rule_set, slot=slot, previous=previous, actor_label=_label(actor)
    )
    audit_record(
        actor=actor,
        action=f"credit_rule_set.{slot}",
        obj=rule_set,
        before={"slot": slot, "version": previous.pk if previous else None},
        after={"slot": slot, "version": rule_set.pk},
    )
    transaction.on_commit(deployment_publish)
    return rule_set


@transaction.atomic
def rule_set_rollback(*, actor: Actor) -> RuleSet:
    """Make the version that was live before the current one live again."""
    target = selectors.last_rollback_target()
    if target is None:
        raise PortalError(errors.NOTHING_TO_ROLL_BACK)
    return rule_set_activate(rule_set=target, slot=Slot.LIVE, actor=actor)


@transaction.atomic
def slot_clear(*, slot: str, actor: Actor, models: bool = False) -> None:
    """Stop the shadow rule set (or model)."""
    table = ScoreModel if models else RuleSet
    current = table.objects.select_for_update().filter(slot=slot).first()
    if current is None:
        return
    table.objects.filter(pk=current.pk).update(slot=None)
    if not models:
        RuleSetActivation.objects.create(
            rule_set=None, slot=slot, previous=current, actor_label=_label(actor)
        )
    audit_record(
        actor=actor, action=f"credit_{'model' if models else 'rule_set'}.{slot}_cleared", obj=current
    )
    transaction.on_commit(deployment_publish)


def feature_defaults() -> dict[str, Any]:
    """Every registered feature at its default value (for tests, docs and the admin)."""
    return {name: feature.default for name, feature in FEATURES.items()}


@transaction.atomic
def rule_set_update_note(*, rule_set: RuleSet, note: str, actor: Actor) -> RuleSet:
    rule_set = _lock_draft(rule_set)
    rule_set.note = note[:2000]
    rule_set.edited_by = actor
    rule_set.save(update_fields=["note", "edited_by", "updated_at"])
    return rule_set
