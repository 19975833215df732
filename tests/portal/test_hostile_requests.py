"""The onboarding API and authentication under hostile input: a 4xx in the API's error format,
never a 500 (property-based, as tests/payments/test_hostile_bodies.py for payments)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.models import ApiKey, Mode
from tests.hostile import assert_answered, body, field, hostile_settings, junk
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db

HYPOTHESIS = hostile_settings(60)
PATH = "/v1/onboarding/application"


@pytest.fixture
def applicant(db) -> ApiClient:
    """A merchant whose application is still a draft (editable)."""
    shop = make_merchant(name="Draft Shop", approved=False)
    return ApiClient(shop.keys[(Mode.TEST, ApiKey.Kind.SECRET)])


@HYPOTHESIS
@given(
    method=st.sampled_from(["PUT", "PATCH", "POST"]),
    payload=body(
        legal_name=field("株式会社テスト"),
        corporate_number=field("1234567890123", "12"),
        postal_code=field("100-0001"),
        phone=field("03-1234-5678"),
        website=field("https://shop.example"),
        business_category=field("retail", "nope"),
        expected_monthly_volume=field(1_000_000, -1, 10**20),
        requested_methods=field(["Card"], ["Card", "Card"], ["Nope"]),
    )
    | junk,
)
def test_application_bodies(applicant, method, payload):
    assert_answered(applicant.call(method, PATH, raw=json.dumps(payload, allow_nan=True)))
    assert_answered(applicant.call("POST", f"{PATH}/submit", raw=json.dumps(payload, allow_nan=True)))


@HYPOTHESIS
@given(
    header=st.text(max_size=120)
    | st.builds(lambda scheme, rest: f"{scheme} {rest}", st.sampled_from(["Bearer", "Basic", "Token"]), st.text(max_size=80))
)  # fmt: skip
def test_authorization_headers(header):
    client = ApiClient()
    for path in (PATH, "/v1/payments", "/v1/credit/checks"):
        response = client.get(path, HTTP_AUTHORIZATION=header)
        assert_answered(response)
        assert response.status_code in (401, 403, 404, 405, 429), (header, response.status_code)
