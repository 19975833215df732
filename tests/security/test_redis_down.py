"""Redis refusing connections, or accepting them and never answering: the API still answers
every request as its settings say — never a 500, never a hang."""

from __future__ import annotations

import time

import pytest

from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

# ``redis_down`` (tests/conftest.py): Redis refusing connections, or silent.


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_bad_api_key_is_still_a_401(redis_down):
    client = ApiClient("m_test_" + "x" * 40)
    for _ in range(3):
        response, took = timed(lambda: client.get("/v1/payments?pay_type=Card"))
        assert response.status_code == 401, response.content
        assert error_codes(response) == ["E0100000002"]
        assert took < 3


def test_a_malformed_authorization_is_still_a_401(redis_down):
    response = ApiClient().get("/v1/payments?pay_type=Card", HTTP_AUTHORIZATION="Basic !!!")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_payments_fail_open_as_configured(redis_down, api, settings):
    assert settings.ADMISSION_FAILURE_MODE == "open"
    response, took = timed(
        lambda: api.call("POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "100"})
    )
    assert response.status_code == 200, response.content
    assert took < 3


def test_payments_fail_closed_when_configured(redis_down, api, settings):
    settings.ADMISSION_FAILURE_MODE = "closed"
    response = api.call("POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "100"})
    assert response.status_code == 503, response.content
    assert error_codes(response) == ["E1500000005"]
    assert response["Retry-After"]
