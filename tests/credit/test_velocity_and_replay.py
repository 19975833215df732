"""Velocity counters under concurrent checks (real PostgreSQL, real Redis), and replay."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from credit import services
from credit.models import CreditCheck, Exposure
from credit.types import CheckInput
from tests.credit.conftest import application, cond, deploy, rule
from tests.support import make_merchant

CONCURRENT = 12


def _input(**changes) -> CheckInput:
    from credit.api.views import CheckRequestSerializer

    serializer = CheckRequestSerializer(data=application(**changes))
    serializer.is_valid(raise_exception=True)
    return serializer.to_input()


@pytest.mark.django_db(transaction=True)
def test_velocity_counters_under_concurrent_checks(trained, model_settings):
    deploy([rule("D1", "decline", cond("order_amount", ">", 200_000))])  # every check here is approved
    shop = make_merchant(name="Busy Shop")

    def one(i: int) -> dict:
        try:
            email = f"buyer{i % 3}@example.jp"
            result = services.credit_check_run(
                merchant=shop.merchant, mode="test", application=_input(buyer__email=email, amount=1_000)
            )
            return result.features
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        snapshots = list(pool.map(one, range(CONCURRENT)))
    # Each check was counted exactly once, atomically: every count from 1 to N appears once.
    assert sorted(f["phone_apps_1h"] for f in snapshots) == list(range(1, CONCURRENT + 1))
    assert sorted(f["device_apps_24h"] for f in snapshots) == list(range(1, CONCURRENT + 1))
    assert sorted(f["address_apps_30d"] for f in snapshots) == list(range(1, CONCURRENT + 1))
    per_email = sorted(f["email_apps_24h"] for f in snapshots)
    assert per_email == sorted([1, 2, 3, 4] * 3)
    # The buyer row was locked: exposures add up, one authorization per approved check.
    assert CreditCheck.objects.count() == CONCURRENT
    assert sorted(f["open_exposure"] for f in snapshots) == [1_000 * i for i in range(CONCURRENT)]
    assert Exposure.objects.count() == CONCURRENT
    # The next check sees all of them.
    last = services.credit_check_run(merchant=shop.merchant, mode="test", application=_input(amount=1_000))
    assert last.features["phone_apps_1h"] == CONCURRENT + 1
    assert last.features["open_exposure"] == 1_000 * CONCURRENT


@pytest.mark.django_db
def test_test_and_live_counters_never_mix(merchant, live_rules):
    services.credit_check_run(merchant=merchant.merchant, mode="test", application=_input())
    live = services.credit_check_run(merchant=merchant.merchant, mode="live", application=_input())
    assert live.features["phone_apps_1h"] == 1 and live.features["open_exposure"] == 0


@pytest.mark.django_db
def test_replay_reproduces_decisions_with_the_versions_used(
    api, live_rules, live_model, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    shipping = {"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}
    for body in (
        application(),
        application(amount=250_000),
        application(shipping=shipping),
        application(amount=95_000),
    ):
        api.call("POST", "/v1/credit/checks", body)
    checks = list(CreditCheck.objects.order_by("id"))
    assert [c.decision for c in checks] == ["approved", "declined", "review", "declined"]
    deploy([rule("NEW", "decline", cond("buyer_age", ">", 0))])  # a different live version now
    for check in checks:
        replay = services.credit_check_replay(check=check)
        assert replay.same_as(check), (check.public_id, replay)
        assert replay.ml_score == check.ml_score
    call_command("credit_replay", "--limit", "10")
