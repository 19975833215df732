"""Writes of the credit domain. The API, the admin, the commands, tasks and (later) payments call these.

The BNPL payment flow calls:

* :func:`credit_check_run` at execute — the decision (approved → an authorization is held);
* :func:`bnpl_invoice_create` at capture/shipment — the invoice, due in 14 days;
* :func:`credit_authorization_release` when an approved payment is cancelled before capture;
* :func:`bnpl_invoice_mark_paid` when the konbini/bank-transfer payment arrives;
* :func:`on_review_decided` (registration) to learn the outcome of a ``review`` decision.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from credit import engine, errors, ml, realtime, selectors
from credit.bureau import get_bureau
from credit.bureau_queue import bureau_refresh_request
from credit.features import FEATURES
from credit.geo import prefecture_of
from credit.identity import digest, mask, normalize, normalize_address, normalize_email, normalize_phone
from credit.models import (
    Backtest,
    BureauReport,
    Buyer,
    CreditCheck,
    CreditRule,
    Decision,
    Exposure,
    KnownFraud,
    ListEntry,
    RuleSet,
    RuleSetActivation,
    ScoreModel,
    Slot,
)
from credit.rules import Rule, RuleFileError, parse_rule, parse_rule_file, rules_checksum
from credit.similarity import fraud_indexes, fraud_similarity
from credit.types import CheckInput, CheckResult
from portal.errors import PortalError
from portal.ids import new_id
from portal.models import Merchant, User
from portal.services import audit_record

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


# --- Deployment pointer ------------------------------------------------------------------


def deployment_publish() -> selectors.Deployment:
    """Write what PostgreSQL says is live/shadow to Redis (after a change has committed)."""
    deployment = selectors.deployment_from_db()
    realtime.state_write(deployment.as_dict(), only_if_missing=False)
    return deployment


def _deployment(live_data: realtime.Realtime) -> selectors.Deployment:
    if live_data.state:
        return selectors.Deployment(**live_data.state)
    deployment = selectors.deployment_from_db()
    if live_data.available:
        realtime.state_write(deployment.as_dict(), only_if_missing=True)
    return deployment


# The degraded policy: with Redis unavailable the velocity counters cannot be read, so a check
# that the rules would approve goes to manual review instead (a decline stands).
VELOCITY_UNAVAILABLE = "VELOCITY_UNAVAILABLE"


def _degraded(outcome: engine.Outcome) -> engine.Outcome:
    if outcome.decision != Decision.APPROVED:
        return outcome
    return dataclasses.replace(
        outcome, decision=Decision.REVIEW, reason_codes=[*outcome.reason_codes, VELOCITY_UNAVAILABLE]
    )


def engine_warm_up() -> selectors.Deployment | None:
    """Compile the live and shadow rule sets, load their models and the known-fraud index.

    Called when a web process starts (gunicorn ``post_worker_init``), so that the first
    checks a process answers do not pay for it — compiling 5,000 rules takes ~0.6 s, during which the process's other threads wait.
    Never fails the process: a database not migrated yet just means no warm-up.
    """
    try:
        deployment = selectors.deployment_from_db()
        for rule_set_id in {deployment.rules_live, deployment.rules_shadow} - {None}:
            engine.compiled_by_id(rule_set_id)
        for model_id in {deployment.model_live, deployment.model_shadow} - {None}:
            ml.load(_model_row(model_id))
        fraud_indexes(deployment.fraud)
        return deployment
    except Exception:  # warming is an optimisation; the first check does it otherwise
        logger.warning("credit: engine warm-up skipped", exc_info=True)
        return None


# --- Credit checks ---------------------------------------------------------------------------


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def application_features(application: CheckInput, now: datetime) -> dict[str, Any]:
    local = timezone.localtime(now)
    shipping = application.shipping
    billing_address = normalize_address(application.postal_code, application.address)
    differs = bool(shipping) and normalize_address(shipping.postal_code, shipping.address) != billing_address
    prefecture = prefecture_of(application.postal_code)
    return {
        "order_amount": application.amount,
        "item_count": sum(item.quantity for item in application.items),
        "max_item_amount": max((item.price * item.quantity for item in application.items), default=0),
        "buyer_age": _age(application.birth_date, local.date()),
        "prefecture": prefecture,
        "shipping_prefecture": prefecture_of(shipping.postal_code) if shipping else prefecture,
        "email_domain": normalize_email(application.email).rpartition("@")[2],
        "shipping_differs": differs,
        "order_hour": local.hour,
    }


def identifiers(application: CheckInput) -> dict[str, str]:
    """Keyed digests of the identifiers that velocity counters and lists know."""
    values = {
        "phone": normalize_phone(application.phone),
        "email": normalize_email(application.email),
        "address": normalize_address(application.postal_code, application.address),
        "device": normalize("device", application.device_fingerprint),
        "ip": normalize("ip", application.ip),
    }
    return {kind: digest(kind, value) for kind, value in values.items() if value}


_LOCK_WITH_HISTORY = "SELECT * FROM credit_buyer_lock_history(%s, %s, %s, %s, %s)"


class _CheckTransaction:
    """The transaction around a check's two statements.

    On PostgreSQL in autocommit mode (a request's normal state) ``BEGIN`` travels with the
    first statement and ``COMMIT`` with the second, so the whole transaction costs two round
    trips; an error rolls it back. Inside an outer transaction (the caller's, a test's) it is
    ``transaction.atomic()`` and the statements go as they are.
    """

    def __init__(self) -> None:
        self.inline = connection.get_autocommit() and not connection.in_atomic_block
        self.begin = "BEGIN; " if self.inline else ""
        self.commit = "; COMMIT" if self.inline else ""
        self._atomic = None if self.inline else transaction.atomic()

    def __enter__(self) -> _CheckTransaction:
        if self._atomic is not None:
            self._atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._atomic is not None:
            self._atomic.__exit__(exc_type, exc, tb)
        elif exc_type is not None and connection.connection is not None:
            try:  # also harmless when the failure was the COMMIT itself (nothing left to roll back)
                with connection.cursor() as cursor:
                    cursor.execute("ROLLBACK")
            except Exception:
                logger.exception("credit check: ROLLBACK failed")

    def on_commit(self, func: Callable[[], None]) -> None:
        """Run ``func`` once the check is committed (now if it already is)."""
        transaction.on_commit(func)  # outside an atomic block (inline mode, committed) it runs now


def _lock_buyer_with_history(
    *, tx: _CheckTransaction, mode: str, phone_digest: str, now: datetime
) -> tuple[Buyer, dict[str, Any]]:
    """The first statement of a check: lock (or create) the buyer, then read its history and
    bureau document: one call of ``credit_buyer_lock_history`` (migration 0003) does both, with
    a fresh snapshot after the lock."""
    with connection.cursor() as cursor:
        params = [new_id("by"), mode, phone_digest, now, timezone.localdate(now)]
        cursor.execute(tx.begin + _LOCK_WITH_HISTORY, params)
        if tx.begin:
            cursor.nextset()  # past BEGIN's result
        pk, public_id, first_seen_at, *row = cursor.fetchone()
    buyer = Buyer(
        pk=pk, public_id=public_id, mode=mode, phone_digest=phone_digest, first_seen_at=first_seen_at
    )
    return buyer, selectors.history_of(buyer=buyer, now=now, row=row)


def _list_membership_from_db(mode: str, ids: dict[str, str], *, reload: bool) -> tuple[bool, bool]:
    members = selectors.list_members(mode=mode)
    if reload:  # put them back in Redis for the next checks (not while Redis is unavailable)
        realtime.lists_replace(mode=mode, block=members["block"], allow=members["allow"])
    wanted = {f"{kind}:{value}" for kind, value in ids.items()}
    return bool(wanted & set(members["block"])), bool(wanted & set(members["allow"]))


_model_rows: dict[int, ScoreModel] = {}


def _model_row(model_id: int | None) -> ScoreModel | None:
    if model_id is None:
        return None
    row = _model_rows.get(model_id)
    if row is None:
        row = _model_rows[model_id] = ScoreModel.objects.get(pk=model_id)
    return row


def score_with(model_id: int | None, features: dict[str, Any]) -> float:
    """The ML score of a model version (0.0 when no model is deployed)."""
    row = _model_row(model_id)
    return ml.load(row).score(features) if row else 0.0


def credit_check_run(
    *, merchant: Merchant, mode: str, application: CheckInput, idempotency_key: str | None = None
) -> CheckResult:
    """Decide one BNPL application: features from every store, ML score, compiled rules, policy.

    Stores the check with its feature snapshot, matching rules and versions (so it can be
    replayed), holds an authorization for an approved amount, and stores what a shadow
    rule set or model would have decided (never returned). ``idempotency_key`` is accepted for
    the payments side; request idempotency is enforced by the API layer.

    Round trips: one Redis pipeline (counters, lists, deployment pointer) and two PostgreSQL
    statements in one transaction (lock the buyer and read its history; write the check with
    its authorization and shadow decision). A stale bureau report is refreshed off the path.
    """
    started = time.perf_counter()
    now = timezone.now()
    ids = identifiers(application)
    public_id = new_id("cc")
    from_application = application_features(application, now)
    pending = realtime.realtime_send(mode=mode, member=public_id, identifiers=ids)
    try:
        return _decide(
            merchant=merchant,
            mode=mode,
            application=application,
            public_id=public_id,
            ids=ids,
            pending=pending,
            from_application=from_application,
            now=now,
            started=started,
        )
    finally:
        pending.discard()


def _decide(
    *,
    merchant: Merchant,
    mode: str,
    application: CheckInput,
    public_id: str,
    ids: dict[str, str],
    pending: realtime.PendingRealtime,
    from_application: dict[str, Any],
    now: datetime,
    started: float,
) -> CheckResult:
    with _CheckTransaction() as tx:
        buyer, history = _lock_buyer_with_history(tx=tx, mode=mode, phone_digest=ids["phone"], now=now)
        live_data = pending.result()  # Redis answered while PostgreSQL worked
        deployment = _deployment(live_data)
        if deployment.rules_live is None:
            raise PortalError(errors.NO_LIVE_RULE_SET)
        live = engine.compiled_by_id(deployment.rules_live)
        blocked, allowed = live_data.in_blocklist, live_data.in_allowlist
        if not live_data.lists_loaded:
            blocked, allowed = _list_membership_from_db(mode, ids, reload=live_data.available)
        similarity = fraud_similarity(
            version=deployment.fraud, name=application.name, address=application.address
        )
        model = ml.load(row) if (row := _model_row(deployment.model_live)) else None
        features = {
            **from_application,
            **live_data.velocity,
            "in_blocklist": blocked,
            "in_allowlist": allowed,
            **history,
            "fraud_similarity": similarity,
        }
        features["ml_score"] = model.score(features) if model else 0.0
        outcome = live.decide(features)
        if not live_data.available:
            outcome = _degraded(outcome)
        shadow = None
        if deployment.rules_shadow or deployment.model_shadow:
            shadow = _shadow_outcome(public_id=public_id, deployment=deployment, features=features)
        check = _check_row(
            public_id=public_id,
            merchant=merchant,
            mode=mode,
            buyer=buyer,
            application=application,
            features=features,
            outcome=outcome,
            rule_set_id=live.version,
            model_id=deployment.model_live,
            started=started,
        )
        _check_insert(tx=tx, check=check, outcome=outcome, shadow=shadow, now=now)
    if selectors.bureau_is_stale(history):
        tx.on_commit(lambda: bureau_refresh_request(buyer.pk))
    return result_of(check)


def _check_row(
    *,
    public_id: str,
    merchant: Merchant,
    mode: str,
    buyer: Buyer,
    application: CheckInput,
    features: dict[str, Any],
    outcome: engine.Outcome,
    rule_set_id: int,
    model_id: int | None,
    started: float,
) -> CreditCheck:
    return CreditCheck(
        public_id=public_id,
        merchant=merchant,
        mode=mode,
        buyer=buyer,
        order_id=application.order_id,
        amount=application.amount,
        currency=application.currency,
        application=application.as_json(),
        features=features,
        **_outcome_fields(outcome),
        ml_score=features["ml_score"] if model_id else None,
        rule_set_id=rule_set_id,
        score_model_id=model_id,
        credit_limit=outcome.credit_limit,
        credit_limit_left=outcome.credit_limit_left,
        review_status=(
            CreditCheck.ReviewStatus.PENDING
            if outcome.decision == Decision.REVIEW
            else CreditCheck.ReviewStatus.NONE
        ),
        duration_us=int((time.perf_counter() - started) * 1e6),  # up to the decision
    )


# The second statement of a check on PostgreSQL: the check, its authorization (when approved)
# and its shadow decision (when a shadow runs), in one INSERT … WITH; every value a parameter.
_INSERT_CHECK = """
WITH c AS (
  INSERT INTO credit_creditcheck (
    public_id, merchant_id, mode, buyer_id, order_id, amount, currency, application, features,
    matched_rules, matched_bits, reason_codes, score, ml_score, decision, rule_set_id, score_model_id,
    credit_limit, credit_limit_left, review_status, review_note, duration_us, created_at
  ) VALUES (
    %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb,
    '[]', %s, %s::jsonb, %s, %s, %s, %s, %s, %s,
    %s, %s, '', %s, %s
  ) RETURNING id
)"""
_INSERT_EXPOSURE = """, e AS (
  INSERT INTO credit_exposure (
    public_id, check_ref_id, buyer_id, merchant_id, mode, status, amount, currency, authorized_at,
    expires_at, payment_method, reminder_count
  ) SELECT %s, c.id, %s, %s, %s, 'authorized', %s, %s, %s, %s, '', 0 FROM c
)"""
_INSERT_SHADOW = """, s AS (
  INSERT INTO credit_shadowdecision (
    check_ref_id, rule_set_id, score_model_id, decision, matched_rules, matched_bits, reason_codes, score,
    ml_score, created_at
  ) SELECT c.id, %s, %s, %s, '[]', %s, %s::jsonb, %s, %s, %s FROM c
)"""
_INSERT_END = "\nSELECT id FROM c"


@dataclass(frozen=True)
class _Shadow:
    rule_set_id: int
    model_id: int | None
    outcome: engine.Outcome
    ml_score: float | None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _check_insert(
    *,
    tx: _CheckTransaction,
    check: CreditCheck,
    outcome: engine.Outcome,
    shadow: _Shadow | None,
    now: datetime,
) -> CreditCheck:
    approved = outcome.decision == Decision.APPROVED
    check.created_at = timezone.now()
    sql = _INSERT_CHECK
    params: list[Any] = [
        check.public_id, check.merchant_id, check.mode, check.buyer_id, check.order_id, check.amount,
        check.currency, _dumps(check.application), _dumps(check.features), outcome.matched_bits,
        _dumps(outcome.reason_codes), check.score, check.ml_score, check.decision, check.rule_set_id,
        check.score_model_id, check.credit_limit, check.credit_limit_left, check.review_status,
        check.duration_us, check.created_at,
    ]  # fmt: skip
    if approved:
        sql += _INSERT_EXPOSURE
        expires = now + timedelta(days=settings.CREDIT_AUTHORIZATION_DAYS)
        params += [new_id("inv"), check.buyer_id, check.merchant_id, check.mode, check.amount, check.currency]
        params += [now, expires]
    if shadow is not None:
        sql += _INSERT_SHADOW
        params += [
            shadow.rule_set_id, shadow.model_id, shadow.outcome.decision, shadow.outcome.matched_bits,
            _dumps(shadow.outcome.reason_codes), shadow.outcome.score, shadow.ml_score, check.created_at,
        ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql + _INSERT_END + tx.commit, params)
        check.pk = cursor.fetchone()[0]
    check.matched_rules_stored, check.matched_bits = [], outcome.matched_bits  # as stored
    check._state.adding = False
    check._state.db = connection.alias
    return check


def _outcome_fields(outcome: engine.Outcome) -> dict[str, Any]:
    return {
        "decision": outcome.decision,
        "matched_rules": outcome.matched_rules,
        "reason_codes": outcome.reason_codes,
        "score": outcome.score,
    }


def result_of(check: CreditCheck) -> CheckResult:
    return CheckResult(
        check_id=check.public_id,
        decision=check.decision,
        reason_codes=list(check.reason_codes),
        score=check.score,
        ml_score=check.ml_score,
        rule_set_version=check.rule_set_id,
        model_version=check.score_model_id,
        credit_limit=check.credit_limit,
        credit_limit_left=check.credit_limit_left,
        matched_rules=list(check.matched_rules),
        features=dict(check.features),
        check=check,
    )


def _shadow_outcome(
    *, public_id: str, deployment: selectors.Deployment, features: dict[str, Any]
) -> _Shadow | None:
    """What the shadow version would decide; a failing shadow never affects the live answer."""
    try:
        rules_id = deployment.rules_shadow or deployment.rules_live
        model_id = deployment.model_shadow or deployment.model_live
        shadow_features = dict(features)
        if model_id != deployment.model_live:
            shadow_features["ml_score"] = score_with(model_id, features)
        outcome = engine.compiled_by_id(rules_id).decide(shadow_features)
    except Exception:
        logger.exception("shadow decision failed for %s", public_id)
        return None
    return _Shadow(
        rule_set_id=rules_id,
        model_id=model_id,
        outcome=outcome,
        ml_score=shadow_features["ml_score"] if model_id else None,
    )


def _authorize(*, check: CreditCheck, now: datetime) -> Exposure:
    return Exposure.objects.create(
        check_ref=check,
        buyer_id=check.buyer_id,
        merchant_id=check.merchant_id,
        mode=check.mode,
        amount=check.amount,
        currency=check.currency,
        authorized_at=now,
        expires_at=now + timedelta(days=settings.CREDIT_AUTHORIZATION_DAYS),
    )


@dataclass(frozen=True)
class Replay:
    decision: str
    matched_rules: list[str]
    reason_codes: list[str]
    score: int
    ml_score: float | None

    def same_as(self, check: CreditCheck) -> bool:
        return (self.decision, self.matched_rules, self.reason_codes, self.score, self.ml_score) == (
            check.decision,
            check.matched_rules,
            check.reason_codes,
            check.score,
            check.ml_score,
        )


def credit_check_replay(*, check: CreditCheck) -> Replay:
    """Re-decide a stored check from its feature snapshot with the versions it used."""
    features = dict(check.features)
    ml_score = None
    if check.score_model_id:
        ml_score = score_with(check.score_model_id, features)
        features["ml_score"] = ml_score
    outcome = engine.compiled_by_id(check.rule_set_id).decide(features)
    return Replay(
        decision=outcome.decision,
        matched_rules=outcome.matched_rules,
        reason_codes=outcome.reason_codes,
        score=outcome.score,
        ml_score=ml_score,
    )


# --- Review queue ------------------------------------------------------------------------------

_review_hooks: list[Callable[[int], None]] = []


def on_review_decided(hook: Callable[[int], None]) -> None:
    """Register a callable run (after commit) with the check's pk when a review is decided."""
    _review_hooks.append(hook)


@transaction.atomic
def credit_check_review(*, check: CreditCheck, outcome: str, note: str, reviewer: User) -> CreditCheck:
    target = {
        Decision.APPROVED: CreditCheck.ReviewStatus.APPROVED,
        Decision.DECLINED: CreditCheck.ReviewStatus.DECLINED,
    }.get(outcome)
    if target is None:
        raise PortalError(errors.REVIEW_STATE, "The outcome must be approved or declined.")
    note = note.strip()
    if not note:
        raise PortalError(errors.REVIEW_STATE, "A note is required.")
    check = CreditCheck.objects.select_related("merchant").get(pk=check.pk)
    buyer = Buyer.objects.select_for_update().get(
        pk=check.buyer_id
    )  # the exposure below belongs to the buyer
    now = timezone.now()
    changed = CreditCheck.objects.filter(pk=check.pk, review_status=CreditCheck.ReviewStatus.PENDING).update(
        review_status=target, reviewed_by=reviewer, reviewed_at=now, review_note=note[:2000]
    )
    if changed != 1:
        raise PortalError(errors.REVIEW_STATE)
    check.refresh_from_db()
    if target == CreditCheck.ReviewStatus.APPROVED:
        _authorize(check=check, now=now)
    audit_record(
        actor=reviewer,
        action="credit_check.reviewed",
        obj=check,
        merchant=check.merchant,
        before={"review_status": "pending"},
        after={"review_status": target, "note": note[:2000], "buyer": buyer.public_id},
    )
    for hook in list(_review_hooks):
        transaction.on_commit(lambda hook=hook: hook(check.pk))
    return check


# --- Exposures and invoices ---------------------------------------------------------------------


def _exposure_transition(*, exposure: Exposure, to: str, updates: dict[str, Any]) -> Exposure:
    if to not in Exposure.TRANSITIONS.get(exposure.status, set()):
        raise PortalError(errors.EXPOSURE_STATE, f"The exposure cannot go from {exposure.status} to {to}.")
    changed = Exposure.objects.filter(pk=exposure.pk, status=exposure.status).update(status=to, **updates)
    if changed != 1:
        raise PortalError(errors.EXPOSURE_STATE, "The exposure was changed concurrently; reload.")
    exposure.refresh_from_db()
    return exposure


@transaction.atomic
def bnpl_invoice_create(
    *, check: CreditCheck, amount: int | None = None, payment_method: str = Exposure.PaymentMethod.KONBINI,
    issued_at: datetime | None = None,
) -> Exposure:  # fmt: skip
    """Turn the authorization of an approved check into an invoice due in CREDIT_INVOICE_DUE_DAYS days.

    ``amount`` (default: the authorized amount) may be lower than authorized (partial shipment), never higher.
    """
    exposure = Exposure.objects.select_for_update().get(check_ref=check)
    amount = exposure.amount if amount is None else amount
    if not isinstance(amount, int) or not 0 < amount <= exposure.amount:
        raise PortalError(
            errors.EXPOSURE_STATE, "The invoice amount must be between 1 and the authorized amount."
        )
    if payment_method not in Exposure.PaymentMethod.values:
        raise PortalError(errors.EXPOSURE_STATE, "Unknown invoice payment method.")
    issued_at = issued_at or timezone.now()
    due = timezone.localdate(issued_at) + timedelta(days=settings.CREDIT_INVOICE_DUE_DAYS)
    return _exposure_transition(
        exposure=exposure,
        to=Exposure.Status.INVOICED,
        updates={
            "amount": amount,
            "invoiced_at": issued_at,
            "due_date": due,
            "payment_method": payment_method,
        },
    )


@transaction.atomic
def credit_authorization_release(*, check: CreditCheck) -> Exposure:
    exposure = Exposure.objects.select_for_update().get(check_ref=check)
    return _exposure_transition(
        exposure=exposure, to=Exposure.Status.RELEASED, updates={"released_at": timezone.now()}
    )


@transaction.atomic
def bnpl_invoice_mark_paid(*, invoice: Exposure, paid_at: datetime | None = None) -> Exposure:
    invoice = Exposure.objects.select_for_update().get(pk=invoice.pk)
    return _exposure_transition(
        exposure=invoice, to=Exposure.Status.PAID, updates={"paid_at": paid_at or timezone.now()}
    )


def bnpl_invoice_remind(*, invoice: Exposure, today: date) -> bool:
    """Record and send one reminder (a conditional update: two workers never send it twice)."""
    changed = (
        Exposure.objects.filter(
            pk=invoice.pk, status=Exposure.Status.INVOICED, reminder_count=invoice.reminder_count
        )
        .exclude(last_reminded_on=today)
        .update(reminder_count=invoice.reminder_count + 1, last_reminded_on=today)
    )
    if not changed:
        return False
    check = CreditCheck.objects.get(pk=invoice.check_ref_id)
    overdue = invoice.due_date < today
    subject = "お支払いのお願い (overdue)" if overdue else "お支払い期限のお知らせ (due soon)"
    body = (
        f"Invoice {invoice.public_id}: ¥{invoice.amount:,} due on {invoice.due_date:%Y-%m-%d}.\n"
        f"Pay at a convenience store or by bank transfer with the slip you received."
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [check.application["email"]])
    return True


def bnpl_invoices_remind(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(
        bnpl_invoice_remind(invoice=i, today=today) for i in selectors.invoices_due_for_reminder(today=today)
    )


# --- Rule sets ---------------------------------------------------------------------------------


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
        rules = engine.rules_of(source)
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
    rules = engine.rules_of(rule_set)
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


# --- Score models ------------------------------------------------------------------------------


@transaction.atomic
def score_model_register(*, trained: ml.TrainedModel, actor: Actor) -> ScoreModel:
    model = ScoreModel.objects.create(
        artefact=trained.path.name,
        sha256=trained.sha256,
        algorithm=ml.ALGORITHM,
        feature_names=ml.MODEL_FEATURES,
        auc=trained.auc,
        samples=trained.samples,
        seed=trained.seed,
    )
    audit_record(
        actor=actor, action="credit_model.registered", obj=model, after={"auc": round(trained.auc, 4)}
    )
    return model


@transaction.atomic
def score_model_activate(*, model: ScoreModel, slot: str, actor: Actor) -> ScoreModel:
    if slot not in Slot.values:
        raise PortalError(errors.MODEL_STATE, "Unknown slot.")
    ml.load(model)  # refuse a missing or altered artefact before it goes anywhere
    ScoreModel.objects.select_for_update().filter(slot__isnull=False).order_by("pk").exists()
    previous = ScoreModel.objects.filter(slot=slot).exclude(pk=model.pk).first()
    if previous is not None:
        ScoreModel.objects.filter(pk=previous.pk).update(slot=None)
    ScoreModel.objects.filter(pk=model.pk).update(slot=slot)
    model.slot = slot
    audit_record(
        actor=actor,
        action=f"credit_model.{slot}",
        obj=model,
        before={"version": previous.pk if previous else None},
    )
    transaction.on_commit(deployment_publish)
    return model


# --- Lists, known fraud, bureau ------------------------------------------------------------------


@transaction.atomic
def list_entry_add(*, mode: str, list_name: str, kind: str, value: str, note: str, actor: Actor) -> ListEntry:
    normalized = normalize(kind, value)
    if list_name not in ListEntry.List.values or kind not in ListEntry.Kind.values or not normalized:
        raise PortalError(errors.RULE_SET_STATE, "Unknown list or kind, or an empty value.")
    entry, created = ListEntry.objects.get_or_create(
        mode=mode,
        list=list_name,
        kind=kind,
        digest=digest(kind, normalized),
        defaults={"masked": mask(kind, normalized), "note": note[:300], "created_by": actor},
    )
    if created:
        member = f"{kind}:{entry.digest}"
        transaction.on_commit(lambda: realtime.list_add(mode=mode, name=list_name, member=member))
        audit_record(
            actor=actor,
            action="credit_list.added",
            obj=entry,
            after={"list": list_name, "kind": kind, "value": entry.masked},
        )
    return entry


@transaction.atomic
def list_entry_remove(*, entry: ListEntry, actor: Actor) -> None:
    deleted, _ = ListEntry.objects.filter(pk=entry.pk).delete()
    if deleted:
        member = f"{entry.kind}:{entry.digest}"
        transaction.on_commit(lambda: realtime.list_remove(mode=entry.mode, name=entry.list, member=member))
        audit_record(
            actor=actor,
            action="credit_list.removed",
            obj=entry,
            before={"list": entry.list, "value": entry.masked},
        )


def lists_sync(*, mode: str) -> int:
    members = selectors.list_members(mode=mode)
    realtime.lists_replace(mode=mode, block=members["block"], allow=members["allow"])
    return len(members["block"]) + len(members["allow"])


@transaction.atomic
def known_fraud_add(*, kind: str, text: str, note: str = "", actor: Actor) -> KnownFraud:
    if kind not in KnownFraud.Kind.values or not text.strip():
        raise PortalError(errors.RULE_SET_STATE, "Unknown kind or empty text.")
    entry = KnownFraud.objects.create(kind=kind, text=text.strip()[:300], note=note[:300])
    audit_record(actor=actor, action="credit_known_fraud.added", obj=entry, after={"kind": kind})
    transaction.on_commit(deployment_publish)
    return entry


def bureau_refresh(*, buyer_id: int) -> BureauReport:
    """Fetch and cache the bureau's report on a buyer (an upsert: safe to run twice)."""
    buyer = Buyer.objects.get(pk=buyer_id)
    bureau = get_bureau()
    payload = bureau.report(phone_digest=buyer.phone_digest)
    report, _ = BureauReport.objects.update_or_create(
        buyer=buyer, defaults={"source": bureau.name, "payload": payload, "fetched_at": timezone.now()}
    )
    return report


def bureau_refresh_many(*, buyer_ids: list[int]) -> int:
    """Refresh the reports that credit checks asked for (buyers deleted meanwhile are skipped)."""
    done = 0
    for buyer_id in buyer_ids:
        try:
            bureau_refresh(buyer_id=buyer_id)
        except Buyer.DoesNotExist:
            continue
        done += 1
    return done


# --- Backtests ------------------------------------------------------------------------------------


@transaction.atomic
def backtest_create(
    *, candidate: RuleSet, actor: Actor, sample_size: int = 10_000, candidate_model: ScoreModel | None = None
) -> Backtest:
    if not 1 <= sample_size <= 1_000_000:
        raise PortalError(errors.RULE_SET_STATE, "The sample size must be between 1 and 1,000,000.")
    deployment = selectors.deployment_from_db()
    backtest = Backtest.objects.create(
        candidate=candidate,
        candidate_model=candidate_model,
        baseline_id=deployment.rules_live,
        baseline_model_id=deployment.model_live,
        sample_size=sample_size,
        created_by=actor,
    )
    from credit.tasks import run_backtest

    transaction.on_commit(lambda: run_backtest.delay(backtest_id=backtest.pk))
    return backtest


def backtest_run(*, backtest_id: int) -> Backtest:
    """Decide the most recent stored checks with the candidate and with the baseline, side by side."""
    backtest = Backtest.objects.select_related("candidate", "baseline").get(pk=backtest_id)
    if backtest.status == Backtest.Status.DONE:
        return backtest
    try:
        candidate = engine.compiled_version(backtest.candidate)
        baseline = engine.compiled_version(backtest.baseline) if backtest.baseline else None
        counts: dict[str, dict[str, int]] = {
            side: dict.fromkeys(Decision.values, 0) for side in ("baseline", "candidate")
        }
        changed: list[dict[str, Any]] = []
        checks = selectors.recent_checks_for_backtest(limit=backtest.sample_size)
        total = 0
        for check in checks.only("public_id", "features", "decision").iterator(chunk_size=2000):
            total += 1
            features = dict(check.features)
            before_features = dict(features)
            if backtest.baseline_model_id:
                before_features["ml_score"] = score_with(backtest.baseline_model_id, features)
            before = baseline.decide(before_features).decision if baseline else check.decision
            after_features = dict(features)
            model_id = backtest.candidate_model_id or backtest.baseline_model_id
            if model_id:
                after_features["ml_score"] = score_with(model_id, features)
            after = candidate.decide(after_features)
            counts["baseline"][before] += 1
            counts["candidate"][after.decision] += 1
            if after.decision != before and len(changed) < 500:
                changed.append(
                    {
                        "check": check.public_id,
                        "before": before,
                        "after": after.decision,
                        "reasons": after.reason_codes,
                    }
                )
        changed_total = sum(abs(counts["candidate"][d] - counts["baseline"][d]) for d in Decision.values)
        Backtest.objects.filter(pk=backtest.pk).update(
            status=Backtest.Status.DONE,
            results={"checks": total, **counts, "net_moves": changed_total},
            changed=changed,
            finished_at=timezone.now(),
        )
    except Exception as exc:
        logger.exception("backtest %s failed", backtest.public_id)
        Backtest.objects.filter(pk=backtest.pk).update(status=Backtest.Status.FAILED, error=str(exc)[:2000])
    backtest.refresh_from_db()
    return backtest


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
