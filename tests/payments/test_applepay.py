"""Apple Pay: an EC_v1 payment token in (test mode: made by the product's test helper, encrypted
to its test key), a card authorisation out; capture and cancel as cards."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from payments.methods.applepay import encrypt_test_token
from payments.methods.wallet_card import WALLET_LIVE_KEYS_MISSING, WALLET_TOKEN_EXPIRED, WALLET_TOKEN_INVALID
from payments.models import CardSecret, Payment, PaymentEvent
from tests.payments.helpers import DECLINED, VISA
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

PAY = "Applepay"


def register(client: ApiClient, job_code: str = "AUTH", amount: str = "1200") -> dict:
    response = client.call("POST", "/v1/payments", {"pay_type": PAY, "job_code": job_code, "amount": amount})
    assert response.status_code == 200, response.content
    return response.json()


def execute(client: ApiClient, payment: dict, tok: str):
    body = {"pay_type": PAY, "access_id": payment["access_id"], "token": tok}
    return client.call("PUT", f"/v1/payments/{payment['id']}", body)


def action(client: ApiClient, payment: dict, name: str):
    body = {"pay_type": PAY, "access_id": payment["access_id"]}
    return client.call("PUT", f"/v1/payments/{payment['id']}/{name}", body)


def wallet_token(merchant, card_no: str = VISA, **kwargs) -> str:
    return encrypt_test_token(merchant=merchant.merchant, card_no=card_no, expire="3012", **kwargs)


def test_register_execute_capture(api, merchant, caplog):
    caplog.set_level(logging.DEBUG)
    payment = register(api)
    assert payment["pay_type"] == PAY and payment["status"] == "UNPROCESSED"
    assert "tds_type" not in payment and "card_id" not in payment
    executed = execute(api, payment, wallet_token(merchant))
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert body["status"] == "AUTHORIZED"
    assert body["card_no"] == "************1111" and body["brand"] == "VISA" and body["expire"] == "3012"
    assert body["transaction_id"] and body["approve"]
    captured = action(api, payment, "capture")
    assert captured.status_code == 200, captured.content
    assert captured.json()["status"] == "CAPTURED"
    fetched = api.call("GET", f"/v1/payments/{payment['id']}?pay_type={PAY}").json()
    assert fetched["status"] == "CAPTURED" and fetched["card_no"] == "************1111"
    history = list(
        PaymentEvent.objects.filter(payment__order_id=payment["id"]).values_list("action", "to_status")
    )
    assert history == [("register", "UNPROCESSED"), ("execute", "AUTHORIZED"), ("capture", "CAPTURED")]
    # The clear number is nowhere: not in the payment row, its history, card secrets or logs.
    row = Payment.objects.filter(order_id=payment["id"]).values().get()
    assert VISA not in json.dumps(row, default=str)
    assert VISA not in json.dumps(list(PaymentEvent.objects.values("detail")), default=str)
    assert not CardSecret.objects.exists()
    assert VISA not in caplog.text


def test_capture_job_code_then_cancel(api, merchant):
    payment = register(api, job_code="CAPTURE")
    assert execute(api, payment, wallet_token(merchant)).json()["status"] == "CAPTURED"
    canceled = action(api, payment, "cancel")
    assert canceled.status_code == 200, canceled.content
    assert canceled.json()["status"] == "CANCELED"


def test_change_and_reauthorize_are_not_apple_pay_operations(api, merchant):
    payment = register(api)
    execute(api, payment, wallet_token(merchant))
    for name, extra in (("change", {"job_code": "AUTH", "amount": "100"}), ("auth", {"method": "1"})):
        body = {"pay_type": PAY, "access_id": payment["access_id"], **extra}
        refused = api.call("PUT", f"/v1/payments/{payment['id']}/{name}", body)
        assert refused.status_code == 409 and error_codes(refused) == ["E1000000002"], refused.content
    assert Payment.objects.get(order_id=payment["id"]).status == "AUTHORIZED"


def test_a_declined_card_is_the_cards_error(api, merchant):
    payment = register(api)
    refused = execute(api, payment, wallet_token(merchant, DECLINED))
    assert refused.status_code == 402 and error_codes(refused) == ["E1000000004"]


def _tampered(tok: str) -> str:
    data = json.loads(base64.b64decode(tok))
    blob = bytearray(base64.b64decode(data["data"]))
    blob[5] ^= 1
    data["data"] = base64.b64encode(bytes(blob)).decode()
    return base64.b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("garbage", WALLET_TOKEN_INVALID.code),
        ("not-json", WALLET_TOKEN_INVALID.code),
        ("tampered", WALLET_TOKEN_INVALID.code),
        ("other-merchant", WALLET_TOKEN_INVALID.code),
        ("expired", WALLET_TOKEN_EXPIRED.code),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_written(api, merchant, other_merchant, kind, code):
    payment = register(api)
    tok = {
        "garbage": lambda: "!!not base64!!",
        "not-json": lambda: base64.b64encode(b"[1, 2").decode(),
        "tampered": lambda: _tampered(wallet_token(merchant)),
        "other-merchant": lambda: wallet_token(other_merchant),
        "expired": lambda: wallet_token(merchant, expired=True),
    }[kind]()
    refused = execute(api, payment, tok)
    assert refused.status_code == 400, refused.content
    assert error_codes(refused) == [code]
    assert VISA not in refused.content.decode()
    row = Payment.objects.get(order_id=payment["id"])
    assert (row.status, row.card_no, row.transaction_id) == ("UNPROCESSED", None, None)
    assert list(PaymentEvent.objects.filter(payment=row).values_list("action", flat=True)) == ["register"]


def test_another_merchants_payment_is_404(api, merchant, other_merchant):
    payment = register(api)
    other = ApiClient(other_merchant.test_secret)
    assert execute(other, payment, wallet_token(other_merchant)).status_code == 404
    assert Payment.objects.get(order_id=payment["id"]).status == "UNPROCESSED"


def test_live_mode_without_keys_is_refused(live_api, settings, tmp_path):
    settings.WALLET_LIVE_KEYS_DIR = str(tmp_path)  # empty: no key configured
    before = Payment.objects.count()
    refused = live_api.call("POST", "/v1/payments", {"pay_type": PAY, "job_code": "AUTH", "amount": "100"})
    assert refused.status_code == 403 and error_codes(refused) == [WALLET_LIVE_KEYS_MISSING.code]
    assert Payment.objects.count() == before


def test_test_tokens_from_the_simulator(api, merchant, client):
    made = client.post(
        f"/simulators/wallet-tokens/{PAY}",
        {"shop_id": merchant.merchant.public_id, "card_no": VISA, "expire": "3012"},
        content_type="application/json",
    )
    assert made.status_code == 200
    payment = register(api)
    assert execute(api, payment, made.json()["token"]).json()["status"] == "AUTHORIZED"
