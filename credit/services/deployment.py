"""What is live: the deployment pointer in Redis, and warming a process up before its first check."""

from __future__ import annotations

import logging

from credit import realtime, selectors
from credit.services.checks import score_model_row
from portal.models import User

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


def deployment_publish() -> selectors.Deployment:
    """Write what PostgreSQL says is live/shadow to Redis (after a change has committed)."""
    deployment = selectors.deployment_from_db()
    realtime.state_write(deployment.as_dict(), only_if_missing=False)
    return deployment


def engine_warm_up() -> selectors.Deployment | None:
    """Compile the live and shadow rule sets, load their models and the known-fraud index.

    Called when a web process starts (gunicorn ``post_worker_init``), so that the first
    checks a process answers do not pay for it — compiling 5,000 rules takes ~0.6 s, during which the process's other threads wait.
    Never fails the process: a database not migrated yet just means no warm-up.
    """
    try:
        deployment = selectors.deployment_from_db()
        if deployment.rules_live is None:  # no check can run yet: nothing to warm
            return deployment
        from credit import engine, ml  # the numeric core (credit/__init__.py)
        from credit.similarity import fraud_indexes

        for rule_set_id in {deployment.rules_live, deployment.rules_shadow} - {None}:
            engine.compiled_by_id(rule_set_id)
        for model_id in {deployment.model_live, deployment.model_shadow} - {None}:
            ml.load(score_model_row(model_id))
        fraud_indexes(deployment.fraud)
        return deployment
    except Exception:  # warming is an optimisation; the first check does it otherwise
        logger.warning("credit: engine warm-up skipped", exc_info=True)
        return None
