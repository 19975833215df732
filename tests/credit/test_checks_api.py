"""POST /v1/credit/checks and GET /v1/credit/checks/{id} against PostgreSQL and Redis."""

from __future__ import annotations

import pytest

from credit.models import CreditCheck, Exposure, ShadowDecision
from tests.credit.conftest import application
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db


def test_an_approved_check_returns_the_decision_and_versions(api, live_rules, live_model):
    response = api.call("POST", "/v1/credit/checks", application())
    assert response.status_code == 200, response.content
    body = response.json()
    check = CreditCheck.objects.get()
    assert body["id"] == check.public_id and body["id"].startswith("cc_")
    assert body["object"] == "credit_check"
    assert body["decision"] == "approved" == body["outcome"]
    assert body["reason_codes"] == ["MANY_ITEMS", "METRO"]
    assert body["matched_rules"] == ["S2", "S3"]
    assert body["score"] == 25
    assert body["rule_set_version"] == live_rules.pk
    assert body["model_version"] == live_model.pk
    assert 0 < body["ml_score"] < 1
    assert body["credit_limit"] == 100_000
    assert body["credit_limit_left"] == 88_000
    features = body["features"]
    assert features["order_amount"] == 12_000
    assert features["item_count"] == 4
    assert features["max_item_amount"] == 12_000
    assert features["prefecture"] == "Tokyo"
    assert features["email_domain"] == "example.jp"
    assert features["shipping_differs"] is False
    assert features["phone_apps_1h"] == features["phone_apps_24h"] == features["phone_apps_30d"] == 1
    assert features["open_exposure"] == 0 and features["days_since_first_seen"] == 0
    assert features["bureau_age_days"] == -1
    assert check.decision == "approved" and check.ml_score == body["ml_score"]
    exposure = Exposure.objects.get()
    assert (exposure.status, exposure.amount, exposure.check_ref_id) == ("authorized", 12_000, check.pk)

    again = api.call("GET", f"/v1/credit/checks/{check.public_id}")
    assert again.status_code == 200
    assert again.json() == body


def test_second_check_sees_exposure_and_velocity(api, live_rules, live_model):
    api.call("POST", "/v1/credit/checks", application())
    body = api.call("POST", "/v1/credit/checks", application(amount=90_000)).json()
    assert body["features"]["open_exposure"] == 12_000
    assert body["features"]["phone_apps_1h"] == 2
    assert body["decision"] == "declined"
    assert body["reason_codes"] == ["MANY_ITEMS", "METRO", "CREDIT_LIMIT"]
    assert body["credit_limit_left"] == 88_000
    assert Exposure.objects.count() == 1


def test_declined_and_review_decisions(api, live_rules, live_model):
    declined = api.call("POST", "/v1/credit/checks", application(amount=250_000)).json()
    assert (declined["decision"], declined["reason_codes"][0]) == ("declined", "HIGH_AMOUNT")
    shipping = {"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}
    review = api.call("POST", "/v1/credit/checks", application(shipping=shipping)).json()
    assert review["features"]["shipping_differs"] is True
    assert review["features"]["shipping_prefecture"] == "Osaka"
    assert review["score"] == 55
    assert review["decision"] == "review"
    assert review["review_status"] == "pending"
    assert Exposure.objects.count() == 0


def test_live_mode_answers_without_explanations(live_api, live_rules, live_model):
    body = live_api.call("POST", "/v1/credit/checks", application()).json()
    assert body["decision"] == "approved"
    assert "matched_rules" not in body and "features" not in body


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (application(amount=0), "E2000090005", "amount: Ensure this value is greater than or equal to 1."),
        (application(amount="12.5"), "E2000090002", "amount: A valid integer is required."),
        (
            application(buyer__phone="12"),
            "E2000010002",
            "buyer.phone: must be a Japanese phone number of 10 or 11 digits",
        ),
        (
            application(buyer__postal_code="1000"),
            "E2000010002",
            "buyer.postal_code: must be a 7-digit postal code (123-4567)",
        ),
        (
            application(buyer__birth_date="2999-01-01"),
            "E2000010005",
            "buyer.birth_date: is not a plausible birth date",
        ),
        (application(buyer=None), "E2000010001", "buyer: This field is required."),
        (application(currency="USD"), "E2000100006", 'currency: "USD" is not a valid choice.'),
        (application(colour="red"), "E2000000009", "colour: is not a known field"),
    ],
)
def test_bad_input_is_a_clear_400_and_writes_nothing(api, live_rules, body, code, message):
    response = api.call("POST", "/v1/credit/checks", body)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"error_code": code, "error_message": message}]}
    assert CreditCheck.objects.count() == 0


def test_malformed_json_and_public_key(api, merchant, live_rules):
    assert error_codes(api.call("POST", "/v1/credit/checks", raw="{nope")) == ["E0000000401"]
    public = ApiClient(merchant.test_public)
    response = public.call("POST", "/v1/credit/checks", application())
    assert response.status_code == 403 and error_codes(response) == ["E0100000005"]
    assert CreditCheck.objects.count() == 0


def test_no_live_rule_set_is_503(api):
    response = api.call("POST", "/v1/credit/checks", application())
    assert response.status_code == 503
    assert error_codes(response) == ["E2000000006"]
    assert CreditCheck.objects.count() == 0


def test_checks_are_private_to_merchant_and_mode(api, live_api, other_merchant, live_rules, live_model):
    check_id = api.call("POST", "/v1/credit/checks", application()).json()["id"]
    other = ApiClient(other_merchant.test_secret)
    for client in (other, live_api):
        response = client.call("GET", f"/v1/credit/checks/{check_id}")
        assert response.status_code == 404 and error_codes(response) == ["E2000000001"]
    assert ShadowDecision.objects.count() == 0


def test_idempotent_like_the_payment_api(api, live_rules, live_model):
    first = api.call("POST", "/v1/credit/checks", application(), headers={"idempotent_key": "k-1"})
    again = api.call("POST", "/v1/credit/checks", application(), headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert CreditCheck.objects.count() == 1
    assert Exposure.objects.count() == 1
    other = api.call(
        "POST", "/v1/credit/checks", application(amount=5_000), headers={"idempotent_key": "k-1"}
    )
    assert other.status_code == 400 and error_codes(other) == ["E0000000461"]
    assert CreditCheck.objects.count() == 1
