"""Credit tasks through a real Celery worker (arguments must serialise)."""

from __future__ import annotations

import time

import pytest

from credit import services
from credit.models import Backtest, BureauReport
from tests.credit.conftest import BASIC_RULES, application, cond, deploy, rule
from tests.support import ApiClient, make_merchant


def _wait(predicate, worker, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(worker.log())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_bureau_refresh_and_backtest_run_in_a_real_worker(celery_worker):
    live = deploy(BASIC_RULES)
    shop = make_merchant(name="Worker Shop")
    api = ApiClient(shop.test_secret)
    for amount in (5_000, 250_000, 60_000):
        assert api.call("POST", "/v1/credit/checks", application(amount=amount)).status_code == 200
    _wait(lambda: BureauReport.objects.exists(), celery_worker)
    assert "credit.bureau.refresh" in celery_worker.log()

    candidate = services.rule_set_clone(source=None, actor=None)
    services.rule_set_replace_rules(
        rule_set=candidate,
        doc={"rules": [rule("D1", "decline", cond("order_amount", ">", 50_000), reason="HIGH_AMOUNT")]},
        actor=None,
    )
    backtest = services.backtest_create(candidate=candidate, actor=None, sample_size=100)
    _wait(lambda: Backtest.objects.get(pk=backtest.pk).status == "done", celery_worker)
    backtest.refresh_from_db()
    assert backtest.baseline_id == live.pk
    assert backtest.results["checks"] == 3
    assert backtest.results["baseline"] == {"approved": 1, "declined": 1, "review": 1}
    assert backtest.results["candidate"] == {"approved": 1, "declined": 2, "review": 0}
    assert [(c["before"], c["after"]) for c in backtest.changed] == [("review", "declined")]
    assert "credit.backtests.run" in celery_worker.log()
