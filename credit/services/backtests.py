"""Backtests: a rule set replayed over stored checks."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit import errors, selectors
from credit.models import (
    Backtest,
    Decision,
    RuleSet,
    ScoreModel,
)
from credit.services.checks import score_with
from portal.errors import PortalError
from portal.models import User

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


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
    from credit import engine  # the numeric core loads at its first use (credit/__init__.py)

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
