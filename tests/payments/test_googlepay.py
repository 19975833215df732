"""Google Pay: an ECv2 payment token in (test mode: made by the product's test helper), a card
authorisation out; capture, cancel, change, re-authorise and 3-D Secure as cards."""

from __future__ import annotations

import json
import logging

import pytest

from payments.methods.googlepay import encrypt_test_token
from payments.methods.wallet_card import WALLET_LIVE_KEYS_MISSING, WALLET_TOKEN_EXPIRED, WALLET_TOKEN_INVALID
from payments.models import CardSecret, Payment, PaymentEvent
from tests.payments.helpers import VISA
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

PAY = "Googlepay"


def register(client: ApiClient, job_code: str = "AUTH", amount: str = "1200", **extra) -> dict:
    body = {"pay_type": PAY, "job_code": job_code, "amount": amount, **extra}
    response = client.call("POST", "/v1/payments", body)
    assert response.status_code == 200, response.content
    return response.json()


def execute(client: ApiClient, payment: dict, tok: str, **extra):
    body = {"pay_type": PAY, "access_id": payment["access_id"], "token": tok, "method": "1", **extra}
    return client.call("PUT", f"/v1/payments/{payment['id']}", body)


def action(client: ApiClient, payment: dict, name: str, **extra):
    body = {"pay_type": PAY, "access_id": payment["access_id"], **extra}
    return client.call("PUT", f"/v1/payments/{payment['id']}/{name}", body)


def wallet_token(merchant, card_no: str = VISA, **kwargs) -> str:
    return encrypt_test_token(merchant=merchant.merchant, card_no=card_no, expire="3012", **kwargs)


def test_execute_change_cancel_reauthorize_capture(api, merchant, caplog):
    caplog.set_level(logging.DEBUG)
    payment = register(api)
    executed = execute(api, payment, wallet_token(merchant))
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert (
        body["status"] == "AUTHORIZED" and body["card_no"] == "************1111" and body["brand"] == "VISA"
    )
    assert body["acs_url"] is None and "holder_name" not in body
    changed = action(api, payment, "change", job_code="AUTH", amount="900")
    assert changed.status_code == 200, changed.content
    assert changed.json()["amount"] == 900
    assert action(api, payment, "cancel").json()["status"] == "CANCELED"
    again = action(api, payment, "auth", method="1")
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "AUTHORIZED"
    assert action(api, payment, "capture").json()["status"] == "CAPTURED"
    history = list(
        PaymentEvent.objects.filter(payment__order_id=payment["id"]).values_list("action", flat=True)
    )
    assert history == ["register", "execute", "change", "cancel", "reauthorize", "capture"]
    row = Payment.objects.filter(order_id=payment["id"]).values().get()
    assert VISA not in json.dumps(row, default=str) and VISA not in caplog.text
    assert not CardSecret.objects.exists()


def test_three_d_secure_waits_for_the_buyer(api, merchant):
    payment = register(api, tds_type="2")
    executed = execute(api, payment, wallet_token(merchant), tds2_ret_url="https://shop.example/3ds")
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert body["status"] == "AUTHENTICATED" and payment["access_id"] in body["acs_url"]
    assert action(api, payment, "cancel").json()["status"] == "CANCELED"
    assert not CardSecret.objects.exists()


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("garbage", WALLET_TOKEN_INVALID.code),
        ("tampered", WALLET_TOKEN_INVALID.code),
        ("other-merchant", WALLET_TOKEN_INVALID.code),
        ("expired", WALLET_TOKEN_EXPIRED.code),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_written(api, merchant, other_merchant, kind, code):
    payment = register(api)
    good = wallet_token(merchant)
    tok = {
        "garbage": lambda: '{"protocolVersion": "ECv2", "signedMessage": 5}',
        "tampered": lambda: good.replace('\\"tag\\": \\"', '\\"tag\\": \\"A'),
        "other-merchant": lambda: wallet_token(other_merchant),
        "expired": lambda: wallet_token(merchant, expired=True),
    }[kind]()
    refused = execute(api, payment, tok)
    assert refused.status_code == 400, refused.content
    assert error_codes(refused) == [code]
    row = Payment.objects.get(order_id=payment["id"])
    assert (row.status, row.card_no, row.transaction_id) == ("UNPROCESSED", None, None)
    assert list(PaymentEvent.objects.filter(payment=row).values_list("action", flat=True)) == ["register"]


def test_another_merchants_payment_is_404(api, merchant, other_merchant):
    payment = register(api)
    other = ApiClient(other_merchant.test_secret)
    assert execute(other, payment, wallet_token(other_merchant)).status_code == 404


def test_live_mode_without_keys_is_refused(live_api, settings, tmp_path):
    settings.WALLET_LIVE_KEYS_DIR = str(tmp_path)
    before = Payment.objects.count()
    refused = live_api.call("POST", "/v1/payments", {"pay_type": PAY, "job_code": "AUTH", "amount": "100"})
    assert refused.status_code == 403 and error_codes(refused) == [WALLET_LIVE_KEYS_MISSING.code]
    assert Payment.objects.count() == before
