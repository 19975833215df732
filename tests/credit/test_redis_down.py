"""A credit check while Redis refuses connections or never answers: the documented degraded
policy (velocity features unavailable → review), never a 500."""

from __future__ import annotations

import time

import pytest

from credit.models import CreditCheck, Exposure
from tests.credit.conftest import application

pytestmark = pytest.mark.django_db


def test_credit_checks_follow_the_degraded_policy(api, live_rules, live_model, redis_down):
    started = time.monotonic()
    response = api.call("POST", "/v1/credit/checks", application())
    took = time.monotonic() - started
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "review"
    assert "VELOCITY_UNAVAILABLE" in body["reason_codes"]
    assert took < 3
    check = CreditCheck.objects.get(public_id=body["id"])
    assert check.review_status == CreditCheck.ReviewStatus.PENDING  # in the manual review queue
    assert not Exposure.objects.exists()  # nothing authorised


def test_a_decline_stands_with_redis_down(api, live_rules, live_model, redis_down):
    response = api.call("POST", "/v1/credit/checks", application(amount=500_000))
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "declined"
    assert "HIGH_AMOUNT" in response.json()["reason_codes"]
