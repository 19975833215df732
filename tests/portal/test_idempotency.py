import concurrent.futures
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditEvent, IdempotencyRecord
from tests.processes import http
from tests.support import ApiClient, error_codes, make_merchant

pytestmark = pytest.mark.django_db

PATH = "/v1/onboarding/application"


def test_same_key_same_body_replays_first_response_byte_for_byte(applicant_api):
    body = {"legal_name": "株式会社テスト"}
    first = applicant_api.call("PUT", PATH, body, headers={"idempotent_key": "k-1"})
    assert first.status_code == 200
    applicant_api.call("PUT", PATH, {"legal_name": "Changed in between"})
    again = applicant_api.call("PUT", PATH, body, headers={"idempotent_key": "k-1"})
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


def test_errors_are_replayed_too_with_their_status(applicant_api):
    body = {"corporate_number": "1234567890123"}
    first = applicant_api.call("PUT", PATH, body, headers={"Idempotency-Key": "k-err"})
    assert first.status_code == 400
    again = applicant_api.call("PUT", PATH, body, headers={"Idempotency-Key": "k-err"})
    assert (again.status_code, again.content) == (400, first.content)


def test_same_key_different_body_is_refused(applicant_api):
    applicant_api.call("PUT", PATH, {"legal_name": "A"}, headers={"idempotent_key": "k-2"})
    response = applicant_api.call("PUT", PATH, {"legal_name": "B"}, headers={"idempotent_key": "k-2"})
    assert response.status_code == 400
    assert error_codes(response) == ["E0000000461"]
    assert applicant_api.call("GET", PATH).json()["legal_name"] == "A"


def test_key_still_in_flight_gets_409(applicant, applicant_api):
    IdempotencyRecord.objects.create(
        merchant=applicant.merchant,
        mode="test",
        key="k-3",
        fingerprint="x" * 64,
        leased_until=timezone.now() + timedelta(minutes=5),
        expires_at=timezone.now() + timedelta(hours=24),
    )
    from portal.idempotency import request_fingerprint

    IdempotencyRecord.objects.filter(key="k-3").update(
        fingerprint=request_fingerprint("PUT", PATH, b'{"legal_name": "A"}')
    )
    response = applicant_api.call("PUT", PATH, {"legal_name": "A"}, headers={"idempotent_key": "k-3"})
    assert response.status_code == 409
    assert error_codes(response) == ["E0000000409"]


def test_keys_are_per_merchant_and_mode(applicant, applicant_api):
    body = {"legal_name": "A"}
    assert applicant_api.call("PUT", PATH, body, headers={"idempotent_key": "shared"}).status_code == 200
    other = make_merchant(name="Other", approved=False)
    response = ApiClient(other.test_secret).call("PUT", PATH, body, headers={"idempotent_key": "shared"})
    assert response.status_code == 200  # the other merchant's own request, never a replay
    assert "Idempotent-Replayed" not in response
    assert response.json()["merchant_id"] == other.merchant.public_id
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "has space"])
def test_invalid_keys_are_refused(applicant_api, key):
    response = applicant_api.get(PATH)  # warm-up: authentication works
    assert response.status_code == 200
    response = applicant_api.call("PUT", PATH, {"legal_name": "A"}, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert error_codes(response) == ["E0000000462"]
    assert applicant_api.get(PATH).json()["legal_name"] == ""


def test_expired_record_is_replaced(applicant, applicant_api):
    applicant_api.call("PUT", PATH, {"legal_name": "A"}, headers={"idempotent_key": "old"})
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    response = applicant_api.call("PUT", PATH, {"legal_name": "B"}, headers={"idempotent_key": "old"})
    assert response.status_code == 200
    assert response.json()["legal_name"] == "B"


@pytest.mark.django_db(transaction=True)
def test_parallel_identical_requests_run_once(server):
    shop = make_merchant(name="Parallel", approved=False)
    from portal import services

    services.application_update(
        application=shop.merchant.application,
        data={
            "legal_name": "株式会社パラレル",
            "legal_name_kana": "カブシキガイシャパラレル",
            "corporate_number": "7000012050002",
            "representative_name": "並列 太郎",
            "postal_code": "1000001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-1111-2222",
            "business_category": "saas",
            "expected_monthly_volume": 100,
            "requested_methods": ["Card"],
        },
        actor=None,
    )
    headers = {"Authorization": f"Bearer {shop.test_secret}", "idempotent_key": "submit-once"}

    def submit(_):
        return http.post(f"{server}/v1/onboarding/application/submit", headers=headers, timeout=30)

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(submit, range(40)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    bodies = {r.content for r in responses if r.status_code == 200}
    assert len(bodies) == 1
    assert (
        AuditEvent.objects.filter(
            action="application.submitted", object_id=shop.merchant.application.public_id
        ).count()
        == 1
    )
