"""3-D Secure 2 as fincode: tds2_ret_url flow (acs_url, secure2, challenge) and the redirect flow."""

import pytest

from payments.models import CardSecret, Payment, WebhookEvent
from tests.payments.flows import subscribe
from tests.payments.helpers import (
    CHALLENGE,
    NOT_ENROLLED,
    TDS_FAIL,
    VISA,
    action,
    execute,
    posted_fields,
    register,
    token,
)
from tests.support import error_codes

pytestmark = pytest.mark.django_db

RET = "https://shop.example.com/3ds/callback"


def _start(api, public_api, card: str, **register_extra):
    payment = register(api, tds_type="2", **register_extra)
    executed = execute(api, payment, token(public_api, card), tds2_ret_url=RET)
    assert executed.status_code == 200, executed.content
    return payment, executed.json()


def test_frictionless(api, public_api, client):
    payment, body = _start(api, public_api, VISA)
    assert body["status"] == "AUTHENTICATED" and body["tds2_status"] == "AUTHENTICATING"
    assert body["acs_url"].endswith(f"/tds/method/{payment['access_id']}/") and body["redirect_url"] is None
    assert CardSecret.objects.filter(purpose="payment").count() == 1
    page = client.get(body["acs_url"])
    assert page.status_code == 200
    assert RET.encode() in page.content
    assert (
        "form-action" in page["Content-Security-Policy"]
        and "https://shop.example.com" in page["Content-Security-Policy"]
    )
    fields = posted_fields(page.content)
    assert fields["event"] == "ThreeDSecureMethodFinished"
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]})
    assert auth.status_code == 200, auth.content
    assert auth.json()["tds2_trans_result"] == "Y"
    assert "challenge_url" not in auth.json()
    secured = action(api, payment, "secure")
    assert secured.status_code == 200, secured.content
    assert secured.json()["status"] == "AUTHORIZED"
    assert not CardSecret.objects.exists()


def test_challenge_flow(api, public_api, client):
    payment, body = _start(api, public_api, CHALLENGE, job_code="CAPTURE")
    fields = posted_fields(client.get(body["acs_url"]).content)
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]}).json()
    assert auth["tds2_trans_result"] == "C"
    challenge_url = auth["challenge_url"]
    early = action(api, payment, "secure")
    assert early.status_code == 409 and error_codes(early) == ["E1300000004"]
    page = client.get(challenge_url)
    assert b"123456" in page.content
    param = posted_fields(page.content)["param"]
    wrong = client.post(challenge_url, {"param": param, "code": "000000"})
    assert wrong.status_code == 400 and b"Attempts left: 2" in wrong.content
    done = client.post(challenge_url, {"param": param, "code": "123456"})
    assert posted_fields(done.content)["event"] == "AuthResultReady"
    result = api.call("GET", f"/v1/secure2/{payment['access_id']}").json()
    assert result["tds2_trans_result"] == "Y"
    assert action(api, payment, "secure").json()["status"] == "CAPTURED"


def test_authentication_failure_fails_the_payment(api, public_api, client):
    payment, body = _start(api, public_api, TDS_FAIL)
    fields = posted_fields(client.get(body["acs_url"]).content)
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]}).json()
    assert auth["tds2_trans_result"] == "N" and auth["tds2_trans_result_reason"] == "01"
    failed = action(api, payment, "secure")
    assert failed.status_code == 402 and error_codes(failed) == ["E1300000002"]
    stored = Payment.objects.get(order_id=payment["id"])
    assert stored.status == "FAILED" and stored.card_secret_id is None
    assert not CardSecret.objects.exists()


def test_forged_param_is_refused(api, public_api):
    payment, _ = _start(api, public_api, VISA)
    response = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": "forged"})
    assert response.status_code == 400 and error_codes(response) == ["E1300000005"]


def test_not_enrolled_card_with_tds2_type_2_stops_and_3_continues(api, public_api):
    payment = register(api, tds_type="2", tds2_type="2")
    tok = token(public_api, NOT_ENROLLED)
    stopped = execute(api, payment, tok, tds2_ret_url=RET)
    assert stopped.status_code == 402 and error_codes(stopped) == ["E1300000003"]
    assert Payment.objects.get(order_id=payment["id"]).status == "UNPROCESSED"
    # The token was not used up by the refused attempt.
    other = register(api, tds_type="2", tds2_type="3")
    continued = execute(api, other, tok, tds2_ret_url=RET)
    assert continued.status_code == 200, continued.content
    assert continued.json()["status"] == "AUTHORIZED"


def test_redirect_flow_with_challenge_returns_to_the_shop(api, public_api, client):
    payment = register(api, tds_type="2")
    body = execute(
        api, payment, token(public_api, CHALLENGE),
        return_url="https://shop.example.com/ok", return_url_on_failure="https://shop.example.com/ng",
    ).json()  # fmt: skip
    assert body["acs_url"] is None and "/tds/redirect/" in body["redirect_url"]
    first = client.get(body["redirect_url"])
    assert first.status_code == 302 and "/tds/challenge/" in first["Location"]
    param = posted_fields(client.get(first["Location"]).content)["param"]
    done = client.post(first["Location"], {"param": param, "code": "123456"})
    assert b'action="https://shop.example.com/ok"' in done.content
    assert posted_fields(done.content)["status"] == "AUTHORIZED"
    assert Payment.objects.get(order_id=payment["id"]).status == "AUTHORIZED"


def test_cancel_during_3ds_drops_the_card(api, public_api):
    payment, _ = _start(api, public_api, VISA)
    assert action(api, payment, "cancel").json()["status"] == "CANCELED"
    assert not CardSecret.objects.exists()


def test_authentication_and_the_challenges_result_raise_fincodes_secure2_events(api, public_api, client):
    events = ["payments.card.exec", "payments.card.secure2.authenticate", "payments.card.secure2.result",
              "payments.card.secure"]  # fmt: skip
    subscribe(api, "https://shop.example.com/hooks", *events)
    payment, body = _start(api, public_api, CHALLENGE, job_code="CAPTURE")
    fields = posted_fields(client.get(body["acs_url"]).content)
    assert (
        api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]}).status_code == 200
    )
    # Asked again, the recorded result is answered: no second event.
    assert (
        api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]}).status_code == 200
    )
    page = client.get(api.call("GET", f"/v1/secure2/{payment['access_id']}").json()["challenge_url"])
    param = posted_fields(page.content)["param"]
    challenge_url = f"/tds/challenge/{payment['access_id']}/"
    client.post(challenge_url, {"param": param, "code": "000000"})  # a wrong code decides nothing
    client.post(challenge_url, {"param": param, "code": "123456"})
    assert action(api, payment, "secure").json()["status"] == "CAPTURED"
    raised = list(WebhookEvent.objects.filter(payment__order_id=payment["id"]).order_by("sequence"))
    assert [(e.event, e.sequence) for e in raised] == [
        (name, n) for n, name in enumerate(events, start=2)
    ]  # 1: the registration
    assert [e.payload["status"] for e in raised] == [
        "AUTHENTICATED",
        "AUTHENTICATED",
        "AUTHENTICATED",
        "CAPTURED",
    ]
    assert all(e.payload["order_id"] == payment["id"] and e.payload["event"] == e.event for e in raised)
    history = list(Payment.objects.get(order_id=payment["id"]).events.values_list("action", "detail"))
    assert ("tds_authenticate", {"result": "C"}) in history and ("tds_challenge", {"result": "Y"}) in history


def test_a_frictionless_authentication_raises_no_result_event(api, public_api, client):
    subscribe(
        api,
        "https://shop.example.com/hooks",
        "payments.card.secure2.authenticate",
        "payments.card.secure2.result",
    )
    payment, body = _start(api, public_api, VISA)
    fields = posted_fields(client.get(body["acs_url"]).content)
    assert (
        api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": fields["param"]}).json()[
            "tds2_trans_result"
        ]
        == "Y"
    )
    raised = WebhookEvent.objects.filter(payment__order_id=payment["id"])
    assert [(e.event, e.sequence) for e in raised] == [
        ("payments.card.secure2.authenticate", 3)
    ]  # after regist, exec
