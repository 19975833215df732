"""Bad input is a 4xx in fincode's error shape, never a 500 — written as the attacks.

Nested JSON past the parser's depth, numbers in other scripts or with padding, and errors
that Django answers before the API does (bad Host, oversized bodies), with DEBUG on too.
"""

from __future__ import annotations

import json

import pytest

from payments.models import Payment
from portal import jsonsafe
from tests.support import error_codes

pytestmark = pytest.mark.django_db


def nested(depth: int, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def payment_with(value) -> str:
    return json.dumps({"pay_type": "Card", "job_code": "AUTH", "amount": value})


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
@pytest.mark.parametrize("admission", [True, False])
def test_deeply_nested_json_is_a_400_at_the_door_and_in_the_api(api, settings, depth, admission):
    settings.ADMISSION_ENABLED = admission
    body = '{"pay_type": "Card", "job_code": "AUTH", "amount": "100", "x": ' + nested(depth) + "}"
    response = api.call("POST", "/v1/payments", raw=body)
    assert response.status_code == 400, response.content
    assert error_codes(response) == ["E0000000401"]
    assert "nested deeper than 32" in response.json()["errors"][0]["error_message"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "path", ["/v1/customers", "/v1/credit/checks", "/v1/webhook_settings", "/v1/payments/o_x/capture"]
)
def test_deeply_nested_json_is_a_400_everywhere(api, path):
    method = "PUT" if path.endswith("capture") else "POST"
    response = api.call(method, path, raw=nested(5_000, "{}"))
    # (a payment that does not exist is looked up before its body is read)
    assert response.status_code == (404 if method == "PUT" else 400), response.content
    assert response["Content-Type"].startswith("application/json")


def test_nesting_within_the_bound_still_reaches_validation(api):
    response = api.call("POST", "/v1/payments", raw=nested(30, "{}"))
    assert response.status_code == 400
    assert error_codes(response) != ["E0000000401"]  # parsed; refused by validation instead


@pytest.mark.parametrize(
    "text,too_deep",
    [
        (nested(32), False),
        (nested(33), True),
        ('["' + "[" * 100 + '"]', False),  # brackets inside a string do not nest
        ('["\\"' + "[" * 100 + '"]', False),  # nor after an escaped quote
        ('{"a":' * 40 + "1" + "}" * 40, True),
    ],
)
def test_depth_bound(text, too_deep):
    assert jsonsafe.depth_exceeds(text.encode()) is too_deep
    if too_deep:
        with pytest.raises(jsonsafe.JSONBodyError):
            jsonsafe.loads(text)
    else:
        assert jsonsafe.loads(text) == json.loads(text)


NOT_DIGITS = [
    "１００",
    "١٠٠",
    "१००",
    " 100",
    "100 ",
    "00100",
    "+100",
    "-100",
    "1e2",
    "100.0",
    "1_000",
    "0x64",
    "\t100\n",
]


@pytest.mark.parametrize("value", NOT_DIGITS)
def test_amounts_are_ascii_digits_only(api, value):
    response = api.call("POST", "/v1/payments", raw=payment_with(value))
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["error_message"].startswith("amount:"), error
    assert not Payment.objects.exists()


@pytest.mark.parametrize("value", ["100", 100, "0"])
def test_plain_amounts_are_still_taken(api, value):
    response = api.call("POST", "/v1/payments", raw=payment_with(value))
    if value in ("0",):
        assert response.status_code == 400  # a card AUTH needs at least 1
        assert response.json()["errors"][0]["error_message"].startswith("amount:")
    else:
        assert response.status_code == 200, response.content
        assert str(response.json()["amount"]) == "100"


@pytest.mark.parametrize("value", ["１２３４５６７", " 1000000", "01000000"])
def test_application_volume_is_ascii_digits_only(applicant_api, value):
    response = applicant_api.call("PUT", "/v1/onboarding/application", {"expected_monthly_volume": value})
    assert response.status_code == 400, response.content
    assert "expected_monthly_volume" in response.json()["errors"][0]["error_message"]


@pytest.mark.parametrize("debug", [True, False])
def test_bad_host_under_v1_is_json(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/v1/payments", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert error_codes(response) == ["E0000000400"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/v1/payments", "/v1/customers", "/v1/credit/checks"])
def test_oversized_body_under_v1_is_json(api, settings, debug, path):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw = json.dumps({"pay_type": "Card", "job_code": "AUTH", "amount": "100", "pad": "x" * 4096})
    response = api.call("POST", path, raw=raw)
    assert response.status_code in (400, 413), response.content
    assert response["Content-Type"].startswith("application/json")
    assert error_codes(response)[0] in ("E0000000413", "E0000000400")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_method_and_path_under_v1_are_json(api, settings, debug):
    settings.DEBUG = debug
    for response in (api.call("PATCH", "/v1/payments"), api.get("/v1/nothing/here")):
        assert response.status_code in (404, 405)
        assert response["Content-Type"].startswith("application/json")


def test_api_answers_are_not_cached(api):
    for response in (api.get("/v1/payments?pay_type=Card"), api.get("/v1/payments/o_missing?pay_type=Card")):
        assert response["Cache-Control"] == "no-store"


def test_a_receivers_deeply_nested_answer_is_an_answer_not_a_crash():
    from payments.webhooks.delivery import accepted

    assert accepted(200, '{"receive": ' + nested(5_000) + "}") is True  # not fincode's "1": taken
    assert accepted(200, '{"receive": "1"}') is False
