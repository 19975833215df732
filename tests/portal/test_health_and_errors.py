import pytest
from django.test import override_settings

from portal.redis import reset_redis_client
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ok_with_real_services(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"


def test_readyz_names_the_failing_part(client):
    reset_redis_client()
    try:
        with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
            response = client.get("/readyz")
    finally:
        reset_redis_client()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"].startswith("error: ")
    assert body["checks"]["database"] == "ok"


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/v1/does-not-exist")
    assert response.status_code == 404
    assert error_codes(response) == ["E0000000404"]


def test_method_not_allowed_in_error_format(api):
    response = api.call("DELETE", "/v1/onboarding/application")
    assert response.status_code == 405
    assert error_codes(response) == ["E0000000405"]


def test_malformed_json_is_400(api):
    response = api.call("PUT", "/v1/onboarding/application", raw="{not json")
    assert response.status_code == 400
    assert error_codes(response) == ["E0000000401"]


def test_json_array_body_is_a_400_not_a_500(api):
    response = api.call("PUT", "/v1/onboarding/application", raw="[1, 2, 3]")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_unhandled_exception_is_a_logged_generic_500(api, monkeypatch, caplog):
    from portal import selectors

    def boom(merchant):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "application_of", boom)
    response = api.call("GET", "/v1/onboarding/application")
    assert response.status_code == 500
    assert error_codes(response) == ["E0000000500"]
    assert "secret internals" not in response.content.decode()
    assert any("secret internals" in r.getMessage() or r.exc_info for r in caplog.records)


def test_database_unavailable_is_a_retryable_503_and_never_replayed(api, monkeypatch):
    from django.db import OperationalError

    from payments.services import registration

    real = registration.payment_register

    def refused(**kwargs):
        raise OperationalError("FATAL:  sorry, too many clients already")

    monkeypatch.setattr(registration, "payment_register", refused)
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}
    response = api.call("POST", "/v1/payments", body, headers={"Idempotency-Key": "db-down-1"})
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert error_codes(response) == ["E0000000503"]
    assert "too many clients" not in response.content.decode()
    monkeypatch.setattr(registration, "payment_register", real)
    again = api.call("POST", "/v1/payments", body, headers={"Idempotency-Key": "db-down-1"})
    assert again.status_code == 200  # the 503 was not kept for the key: the retry is served


def test_unknown_web_page_is_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_openapi_schema_and_docs(client):
    schema = client.get("/v1/openapi.json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert "/v1/onboarding/application" in body["paths"]
    docs = client.get("/docs/")
    assert docs.status_code == 200
    errors_page = client.get("/docs/errors/")
    assert errors_page.status_code == 200
    assert b"E0100000002" in errors_page.content


def test_public_api_client_without_key_gets_401(client):
    response = ApiClient().call("GET", "/v1/onboarding/application")
    assert response.status_code == 401
    assert error_codes(response) == ["E0100000001"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/v1/payments/{order_id}/capture" in target.read_text()
