"""Credit checks: one BNPL application decided (features from every store, the ML score, the compiled rules, the policy), stored with what is needed to replay it.

Round trips per check: one Redis pipeline (counters, lists, deployment pointer) and two
PostgreSQL statements in one transaction. With Redis unavailable the degraded policy applies
(an approval becomes a review, ``VELOCITY_UNAVAILABLE``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from credit import errors, realtime, selectors
from credit.bureau_queue import bureau_refresh_request
from credit.geo import prefecture_of
from credit.identity import digest, normalize, normalize_address, normalize_email, normalize_phone
from credit.models import (
    Buyer,
    CreditCheck,
    Decision,
    ScoreModel,
)
from credit.types import CheckInput, CheckResult
from portal.errors import PortalError
from portal.ids import new_id
from portal.models import Merchant, User

if TYPE_CHECKING:
    from credit import engine

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


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
    first statement and ``COMMIT`` with the second in one psycopg pipeline each, so the whole
    transaction costs two round trips; an error rolls it back. Inside an outer transaction
    (the caller's, a test's) it is ``transaction.atomic()`` and the statements go as they are.
    """

    def __init__(self) -> None:
        self.inline = connection.get_autocommit() and not connection.in_atomic_block
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

    def fetchone(self, sql: str, params: list[Any], *, opens: bool = False, closes: bool = False) -> tuple:
        """Run one statement of the check and return its row: in one round trip with the
        transaction's ``BEGIN`` (``opens``) or ``COMMIT`` (``closes``) when inline."""
        with connection.cursor() as cursor:
            if not self.inline:
                cursor.execute(sql, params)
                return cursor.fetchone()
            connection.ensure_connection()
            with connection.cursor() as control, connection.wrap_database_errors:
                with connection.connection.pipeline():
                    if opens:
                        control.execute("BEGIN")
                    cursor.execute(sql, params)
                    if closes:
                        control.execute("COMMIT")
                return cursor.fetchone()

    def on_commit(self, func: Callable[[], None]) -> None:
        """Run ``func`` once the check is committed (now if it already is)."""
        transaction.on_commit(func)  # outside an atomic block (inline mode, committed) it runs now


def _lock_buyer_with_history(
    *, tx: _CheckTransaction, mode: str, phone_digest: str, now: datetime
) -> tuple[Buyer, dict[str, Any]]:
    """The first statement of a check: lock (or create) the buyer, then read its history and
    bureau document: one call of ``credit_buyer_lock_history`` (migration 0003) does both, with
    a fresh snapshot after the lock."""
    params = [new_id("by"), mode, phone_digest, now, timezone.localdate(now)]
    pk, public_id, first_seen_at, *row = tx.fetchone(_LOCK_WITH_HISTORY, params, opens=True)
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


def score_model_cache_clear() -> None:
    """Forget the score models this process has loaded (tests; a model row is never changed)."""
    _model_rows.clear()


def score_model_row(model_id: int | None) -> ScoreModel | None:
    if model_id is None:
        return None
    row = _model_rows.get(model_id)
    if row is None:
        row = _model_rows[model_id] = ScoreModel.objects.get(pk=model_id)
    return row


def score_with(model_id: int | None, features: dict[str, Any]) -> float:
    """The ML score of a model version (0.0 when no model is deployed)."""
    from credit import ml  # the numeric core loads at its first use (credit/__init__.py)

    row = score_model_row(model_id)
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
    from credit import engine, ml  # the numeric core loads at its first use (credit/__init__.py)
    from credit.similarity import fraud_similarity

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
        model = ml.load(row) if (row := score_model_row(deployment.model_live)) else None
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
    check.pk = tx.fetchone(sql + _INSERT_END, params, closes=True)[0]
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
    from credit import engine

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
    from credit import engine

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
