"""Google Pay: an ECv2 payment token in (test mode: made by the product's test helper), a card
authorisation out; capture, cancel, change, re-authorise and 3-D Secure as cards."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from payments.methods.googlepay import encrypt_test_token
from payments.methods.wallet_card import WALLET_LIVE_KEYS_MISSING, WALLET_TOKEN_EXPIRED, WALLET_TOKEN_INVALID
from payments.models import CardSecret, Payment, PaymentEvent
from payments.webhooks import secrets
from payments.webhooks.signing import verify
from simulators.models import SimulatedAcquirerTransaction
from tests.payments.flows import subscribe
from tests.payments.helpers import CHALLENGE, VISA, posted_fields
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


def test_fincodes_base64_token_is_taken(api, merchant):
    payment = register(api, job_code="CAPTURE")
    encoded = base64.b64encode(wallet_token(merchant).encode()).decode()  # as fincode asks
    executed = execute(api, payment, encoded)
    assert executed.status_code == 200, executed.content
    assert executed.json()["status"] == "CAPTURED" and executed.json()["card_no"] == "************1111"


def test_three_d_secure_waits_for_the_buyer(api, merchant):
    payment = register(api, tds_type="2")
    executed = execute(api, payment, wallet_token(merchant), tds2_ret_url="https://shop.example/3ds")
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert body["status"] == "AUTHENTICATED" and payment["access_id"] in body["acs_url"]
    assert action(api, payment, "cancel").json()["status"] == "CANCELED"
    assert not CardSecret.objects.exists()


@pytest.mark.django_db(transaction=True)  # webhooks are queued on commit
def test_pan_only_card_through_a_three_d_secure_challenge_with_its_webhooks(api, merchant, client, receiver):
    """A card kept in the buyer's Google account (PAN_ONLY: no cryptogram) is authenticated
    with 3-D Secure 2 (a challenge), then authorised; the merchant hears of each step."""
    subscribe(api, receiver.url, "payments.googlepay.regist", "payments.googlepay.exec",
              "payments.googlepay.secure2.authenticate", "payments.googlepay.secure2.result",
              "payments.googlepay.secure", "payments.card.exec")  # fmt: skip
    payment = register(api, job_code="CAPTURE", amount="4200", tds_type="2")
    tok = wallet_token(merchant, CHALLENGE, pan_only=True)
    started = execute(api, payment, tok, tds2_ret_url="https://shop.example/3ds")
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "AUTHENTICATED" and started.json()["tds2_status"] == "AUTHENTICATING"
    method = posted_fields(client.get(started.json()["acs_url"]).content)
    assert method["event"] == "ThreeDSecureMethodFinished"
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": method["param"]})
    assert auth.status_code == 200, auth.content
    assert auth.json()["tds2_trans_result"] == "C"
    challenge_url = auth.json()["challenge_url"]
    early = action(api, payment, "secure")
    assert early.status_code == 409 and error_codes(early) == ["E1300000004"]
    param = posted_fields(client.get(challenge_url).content)["param"]
    answered = client.post(challenge_url, {"param": param, "code": "123456"})
    assert posted_fields(answered.content)["event"] == "AuthResultReady"
    assert api.call("GET", f"/v1/secure2/{payment['access_id']}").json()["tds2_trans_result"] == "Y"
    secured = action(api, payment, "secure")
    assert secured.status_code == 200, secured.content
    assert secured.json()["status"] == "CAPTURED" and secured.json()["card_no"] == "************3220"

    (authorisation,) = SimulatedAcquirerTransaction.objects.filter(reference__startswith=payment["access_id"])
    assert "eci" not in authorisation.response  # PAN_ONLY: no network token went to the acquirer
    assert not CardSecret.objects.exists()
    received = sorted(receiver.wait_for(5), key=lambda r: r.json["event_sequence"])
    assert [(r.json["event"], r.json["status"]) for r in received] == [
        ("payments.googlepay.regist", "UNPROCESSED"),
        ("payments.googlepay.exec", "AUTHENTICATED"),
        ("payments.googlepay.secure2.authenticate", "AUTHENTICATED"),  # a challenge is asked for
        ("payments.googlepay.secure2.result", "AUTHENTICATED"),  # the challenge is passed
        ("payments.googlepay.secure", "CAPTURED"),
    ]
    assert {r.json["pay_type"] for r in received} == {PAY}
    assert all(r.json["order_id"] == payment["id"] for r in received)
    assert [r.json["event_sequence"] for r in received] == [1, 2, 3, 4, 5]
    secret = secrets.current(merchant.merchant.pk, "test").secret
    assert all(verify(r.body, r.headers["Webhook-Signature"], secret) for r in received)
    assert CHALLENGE not in b"".join(r.body for r in received).decode()


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
