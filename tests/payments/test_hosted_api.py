"""``POST /v1/sessions`` and ``POST /v1/card_sessions`` (fincode's hosted pages), and the pages
driven with Django's test client: card with 3-D Secure, konbini, card registration, cancel, expiry,
double submit, and the attacks (another merchant's session, uncontracted pay types, bad URLs)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.hosted.models import CardRegistrationSession, PaymentSession, SessionStatus
from payments.models import Card, CardToken, Customer, Payment
from portal.models import Contract
from tests.payments.helpers import CHALLENGE, DECLINED, VISA, posted_fields
from tests.support import error_codes

pytestmark = pytest.mark.django_db

OK = "https://shop.example.com/ok"
NG = "https://shop.example.com/cancel"


def create(api, **extra):
    body = {
        "transaction": {"pay_type": ["Card"], "amount": "1500", "tax": "100", "client_field_1": "cart-1"},
        "card": {"job_code": "CAPTURE", "tds_type": "2"},
        "success_url": OK,
        "cancel_url": NG,
        **extra,
    }
    return api.call("POST", "/v1/sessions", body)


def page_path(answer: dict) -> str:
    return answer["link_url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def tokenise(client, path: str, card_no: str = VISA) -> str:
    answer = client.post(
        path + "token",
        {"card_no": card_no, "expire": "3012", "holder_name": "TARO YAMADA", "security_code": "123"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def csrf_client(client):
    client.handler.enforce_csrf_checks = False
    return client


def test_create_payment_session_answers_as_fincode(api):
    answer = create(api, expire="2099/12/31 23:59:59", shop_service_name="Test Service")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert re.fullmatch(r"ps_[A-Za-z0-9]{22}", body["id"])
    assert body["link_url"].endswith(f"/hosted/pay/{body['id']}/")
    assert body["status"] == "CREATE"
    assert body["expire"] == "2099/12/31 23:59:59.000"
    assert body["success_url"] == OK and body["cancel_url"] == NG
    assert body["shop_service_name"] == "Test Service"
    assert body["guide_mail_send_flag"] == "0" and body["thanks_mail_send_flag"] == "0"
    transaction = body["transaction"]
    assert transaction["pay_type"] == ["Card"] and transaction["amount"] == 1500 and transaction["tax"] == 100
    assert transaction["client_field_1"] == "cart-1" and transaction["order_id"].startswith("o_")
    assert body["card"]["job_code"] == "CAPTURE" and body["card"]["tds_type"] == "2"
    assert set(body) >= {"konbini", "paypay", "virtualaccount", "created", "updated"}
    assert not Payment.objects.exists()  # the page makes the payment, not the session


def test_create_card_session_answers_as_fincode(api):
    answer = api.call(
        "POST", "/v1/card_sessions", {"success_url": OK, "cancel_url": NG, "customer_name": "買物 太郎"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert re.fullmatch(r"cs_[A-Za-z0-9]{22}", body["id"]) and body["status"] == "CREATE"
    assert body["link_url"].endswith(f"/hosted/cards/{body['id']}/")
    assert body["customer_id"].startswith("c_") and body["customer_name"] == "買物 太郎"
    assert not Customer.objects.exists()  # made when the card is registered


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"success_url": "javascript:alert(1)"}, "success_url"),
        ({"cancel_url": "ftp://shop.example.com/x"}, "cancel_url"),
        ({"success_url": "https://" + "a" * 300 + ".com/"}, "success_url"),
        ({"expire": "2020/01/01 00:00:00"}, None),
        ({"expire": "tomorrow"}, "expire"),
        ({"transaction": {"pay_type": ["Cash"], "amount": "100"}}, "transaction"),
        ({"transaction": {"pay_type": [], "amount": "100"}}, "transaction"),
        ({"transaction": {"amount": "0"}}, "transaction"),
        ({"transaction": {"amount": "１００"}}, "transaction"),
        ({"transaction": {"amount": "100", "order_id": "bad id!"}}, "transaction"),
        ({"transaction": "x"}, "transaction"),
        ({"card": {"job_code": "CHECK"}}, "card"),
        (
            {"virtualaccount": {"reference_order_id": "o_1", "virtualaccount_reception_mail_send_flag": "0"}},
            None,
        ),
    ],
)
def test_bad_requests_are_fincode_400s(api, extra, field):
    answer = create(api, **extra)
    assert answer.status_code == 400, answer.content
    assert answer.json()["errors"][0]["error_code"].startswith("E19")
    assert not PaymentSession.objects.exists()


def test_fincodes_own_example_body_is_taken(api):
    """fincode's documented example sends konbini.payment_term_day as a number."""
    answer = api.call(
        "POST",
        "/v1/sessions",
        {
            "success_url": "https://your-service.example.com/success",
            "cancel_url": "https://your-service.example.com/cancel",
            "transaction": {"pay_type": ["Card", "Konbini", "Paypay"], "amount": "1000"},
            "card": {"job_code": "CAPTURE", "tds_type": "2", "tds2_type": "2"},
            "konbini": {"payment_term_day": 2, "konbini_reception_mail_send_flag": "0"},
            "paypay": {"job_code": "CAPTURE"},
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["konbini"]["payment_term_day"] == 2
    assert answer.json()["transaction"]["pay_type"] == ["Card", "Konbini", "Paypay"]
    assert create(api, konbini={"payment_term_day": "15"}).status_code == 400
    assert create(api, konbini={"payment_term_day": 2.5}).status_code == 400


def test_card_registration_with_3ds_is_refused_as_for_payment_methods(api):
    answer = api.call("POST", "/v1/card_sessions", {"tds_type": "2"})
    assert answer.status_code == 400 and error_codes(answer) == ["E1900000007"]
    assert not CardRegistrationSession.objects.exists()


def test_missing_transaction_and_wrong_body(api):
    assert api.call("POST", "/v1/sessions", {}).status_code == 400
    assert api.call("POST", "/v1/sessions", raw="[1]").status_code == 400
    assert api.call("POST", "/v1/card_sessions", {"customer_id": "a b"}).status_code == 400
    assert not PaymentSession.objects.exists() and not CardRegistrationSession.objects.exists()


def test_pay_types_limited_to_the_merchants_contracts(api, merchant):
    Contract.objects.filter(merchant=merchant.merchant, pay_type="Konbini").update(
        status=Contract.Status.SUSPENDED
    )
    answer = create(api, transaction={"pay_type": ["Card", "Konbini"], "amount": "100"})
    assert answer.status_code == 400
    assert error_codes(answer) == ["E1900000001"]
    assert not PaymentSession.objects.exists()


def test_applicant_without_contracts_cannot_make_pages(applicant_api):
    assert error_codes(create(applicant_api)) == ["E1900000001"]
    assert error_codes(applicant_api.call("POST", "/v1/card_sessions", {})) == ["E1900000001"]


def test_order_id_of_an_existing_payment_is_refused(api):
    first = create(api, transaction={"amount": "100", "order_id": "order-1"})
    assert first.status_code == 200
    again = create(api, transaction={"amount": "100", "order_id": "order-1"})
    assert again.status_code == 409 and error_codes(again) == ["E1900000004"]


def test_card_payment_with_3ds_challenge_on_the_page(api, client):
    body = create(api).json()
    path = page_path(body)
    page = client.get(path)
    assert page.status_code == 200 and "お支払い" in page.content.decode()
    assert "¥1,600" in page.content.decode()
    tok = tokenise(client, path, CHALLENGE)
    paid = client.post(path, {"pay_type": "Card", "token": tok})
    assert paid.status_code == 302 and "/tds/redirect/" in paid["Location"]
    session = PaymentSession.objects.get()
    assert session.status == SessionStatus.AUTHENTICATING
    challenge = client.get(paid["Location"])
    assert challenge.status_code == 302 and "/tds/challenge/" in challenge["Location"]
    param = posted_fields(client.get(challenge["Location"]).content)["param"]
    done = client.post(challenge["Location"], {"param": param, "code": "123456"})
    back = posted_fields(done.content)
    assert back["status"] == "CAPTURED" and f"/hosted/pay/{body['id']}/return".encode() in done.content
    returned = client.post(path + "return", back)
    assert returned.status_code == 200
    assert f'action="{OK}"'.encode() in returned.content
    fields = posted_fields(returned.content)
    assert fields == {
        "session_id": body["id"], "order_id": body["transaction"]["order_id"], "pay_type": "Card", "status": "CAPTURED",
    }  # fmt: skip
    payment = Payment.objects.get()
    assert payment.order_id == body["transaction"]["order_id"] and payment.status == "CAPTURED"
    assert payment.total_amount == 1600 and payment.client_field_1 == "cart-1"
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    # the page is used: a second submit never pays again
    again = client.post(path, {"pay_type": "Card", "token": tokenise_or_none(client, path)})
    assert Payment.objects.count() == 1 and again.status_code in (200, 409, 410)


def tokenise_or_none(client, path):
    answer = client.post(
        path + "token",
        {"card_no": VISA, "expire": "3012", "holder_name": "T", "security_code": "123"},
        content_type="application/json",
    )
    return answer.json().get("token", "") if answer.status_code == 200 else ""


def test_declined_card_leaves_the_page_open_for_another_card(api, client):
    body = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    declined = client.post(path, {"pay_type": "Card", "token": tokenise(client, path, DECLINED)})
    assert declined.status_code == 400
    assert PaymentSession.objects.get().status == SessionStatus.CREATE
    paid = client.post(path, {"pay_type": "Card", "token": tokenise(client, path, VISA)})
    assert paid.status_code == 200 and posted_fields(paid.content)["status"] == "AUTHORIZED"
    assert Payment.objects.get().status == "AUTHORIZED"


def test_double_submit_pays_once(api, client):
    body = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    session = PaymentSession.objects.get()
    from payments.hosted import services

    services.session_claim(session)  # another request holds the page
    busy = client.post(path, {"pay_type": "Card", "token": tokenise(client, path)})
    assert busy.status_code == 409 and not Payment.objects.exists()
    assert (
        not CardToken.objects.filter(used_at__isnull=False).exists()
        if hasattr(CardToken, "used_at")
        else True
    )


def test_pay_type_not_offered_by_the_page(api, client):
    body = create(api).json()
    answer = client.post(page_path(body), {"pay_type": "Konbini"})
    assert answer.status_code == 400 and not Payment.objects.exists()


def test_konbini_on_the_page_shows_the_slip(api, client, django_capture_on_commit_callbacks):
    body = create(api, transaction={"pay_type": ["Card", "Konbini"], "amount": "3000"}).json()
    path = page_path(body)
    with django_capture_on_commit_callbacks(execute=True):  # the provider call (Celery, eager)
        sent = client.post(path, {"pay_type": "Konbini", "win_width": "390", "win_height": "844"})
    assert sent.status_code == 302 and sent["Location"].endswith(path + "return?go=1")
    answer = client.get(path + "return")
    assert answer.status_code == 200, answer.content
    assert 'action="https://shop.example.com/ok"' in answer.content.decode()
    assert "お支払い手続きを受け付けました" in answer.content.decode()
    assert Payment.objects.get().pay_type == "Konbini"
    assert PaymentSession.objects.get().status == SessionStatus.COMPLETED


def test_cancel_sends_the_buyer_to_cancel_url(api, client):
    body = create(api).json()
    answer = client.post(page_path(body) + "cancel")
    assert answer.status_code == 200 and f'action="{NG}"'.encode() in answer.content
    assert PaymentSession.objects.get().status == SessionStatus.CANCELED
    assert client.get(page_path(body)).status_code == 200  # a page that says so
    assert client.post(page_path(body), {"pay_type": "Card"}).status_code == 200
    assert not Payment.objects.exists()


def test_expired_page_answers_410(api, client):
    body = create(api).json()
    PaymentSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.get(page_path(body))
    assert page.status_code == 410 and "有効期限" in page.content.decode()
    assert client.post(page_path(body), {"pay_type": "Card", "token": "tk_x"}).status_code == 410
    token = client.post(page_path(body) + "token", {"card_no": VISA}, content_type="application/json")
    assert token.status_code == 410
    assert not Payment.objects.exists() and not CardToken.objects.exists()


def test_unknown_session_is_404(client):
    assert client.get("/hosted/pay/ps_doesnotexist/").status_code == 404
    assert client.get("/hosted/cards/" + "x" * 300 + "/").status_code == 404
    assert client.post("/hosted/pay/ps_nope/token", {}, content_type="application/json").status_code == 404


def test_another_merchants_session_is_theirs(api, other_merchant, client):
    """A session id is the buyer's link; the page pays the merchant that made it, never another."""
    from tests.support import ApiClient

    other = ApiClient(other_merchant.test_secret)
    body = create(other, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    paid = client.post(path, {"pay_type": "Card", "token": tokenise(client, path)})
    assert paid.status_code == 200
    payment = Payment.objects.get()
    assert payment.merchant == other_merchant.merchant
    # the first merchant sees nothing of it
    assert api.call("GET", f"/v1/payments/{payment.order_id}").status_code == 404


def test_token_of_the_page_cannot_pay_for_another_merchant(api, other_merchant, client):
    mine = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    from tests.support import ApiClient

    theirs = create(ApiClient(other_merchant.test_secret), card={"job_code": "AUTH", "tds_type": "0"}).json()
    tok = tokenise(client, page_path(mine))
    answer = client.post(page_path(theirs), {"pay_type": "Card", "token": tok})
    assert answer.status_code == 400 and not Payment.objects.filter(status="AUTHORIZED").exists()


def test_card_registration_page_saves_the_card(api, client):
    body = api.call(
        "POST", "/v1/card_sessions", {"success_url": OK, "customer_id": "cust-1", "customer_name": "TARO"}
    ).json()
    path = page_path(body)
    page = client.get(path)
    assert page.status_code == 200 and "カード登録" in page.content.decode()
    done = client.post(path, {"token": tokenise(client, path)})
    assert done.status_code == 200 and f'action="{OK}"'.encode() in done.content
    card = Card.objects.get()
    assert card.customer.customer_id == "cust-1" and card.card_no == "************1111"
    assert posted_fields(done.content) == {
        "session_id": body["id"],
        "customer_id": "cust-1",
        "card_id": card.card_id,
    }
    listed = api.call("GET", "/v1/customers/cust-1/cards").json()
    assert [c["id"] for c in listed["list"]] == [card.card_id]
    again = client.post(path, {"token": "tk_again"})
    assert again.status_code == 200 and Card.objects.count() == 1


def test_card_registration_cancel_and_expiry(api, client):
    body = api.call("POST", "/v1/card_sessions", {"cancel_url": NG}).json()
    cancelled = client.post(page_path(body) + "cancel")
    assert f'action="{NG}"'.encode() in cancelled.content
    other = api.call("POST", "/v1/card_sessions", {}).json()
    CardRegistrationSession.objects.filter(session_id=other["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(page_path(other)).status_code == 410
    assert not Card.objects.exists() and not Customer.objects.exists()


def test_paypay_on_the_page_goes_to_the_wallet_and_back(api, client, django_capture_on_commit_callbacks):
    body = create(
        api, transaction={"pay_type": ["Paypay"], "amount": "1200"}, paypay={"job_code": "CAPTURE"}
    ).json()
    path = page_path(body)
    page = client.get(path)
    assert "PayPay" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(path, {"pay_type": "Paypay"})
    assert sent.status_code == 302 and sent["Location"].endswith(path + "return?go=1")
    to_wallet = client.get(sent["Location"])
    assert to_wallet.status_code == 302 and "/simulators/paypay/pay/" in to_wallet["Location"]
    waiting = client.get(path + "return")  # back before approving: the page waits, the wallet is a link
    assert waiting.status_code == 200 and "wallet-link" in waiting.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(to_wallet["Location"].split("testserver", 1)[-1], {"action": "approve"})
    assert approved.status_code == 302 and approved["Location"].endswith(path + "return")
    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(path + "return")
    payment = Payment.objects.get()
    assert payment.pay_type == "Paypay" and payment.status == "CAPTURED", payment.status
    assert back.status_code == 200 and posted_fields(back.content)["status"] == "CAPTURED"
    assert PaymentSession.objects.get().status == SessionStatus.COMPLETED


def test_virtual_account_on_the_page(api, client, django_capture_on_commit_callbacks):
    body = create(
        api,
        transaction={"pay_type": ["Virtualaccount"], "amount": "5000"},
        virtualaccount={"payment_term_day": "5"},
    ).json()
    path = page_path(body)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(path, {"pay_type": "Virtualaccount"})
    assert sent.status_code == 302
    answer = client.get(path + "return")
    assert answer.status_code == 200 and "va-account" in answer.content.decode()
    assert Payment.objects.get().payment_term_day == 5


def test_a_page_is_no_card_testing_tool(api, client):
    """Declines are bounded per page: after MAX_ATTEMPTS the page refuses, nothing more reaches the acquirer."""
    from payments.hosted.services import MAX_ATTEMPTS

    body = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    for _ in range(MAX_ATTEMPTS):
        assert (
            client.post(path, {"pay_type": "Card", "token": tokenise(client, path, DECLINED)}).status_code
            == 400
        )
    last = client.post(path, {"pay_type": "Card", "token": tokenise(client, path, VISA)})
    assert last.status_code == 409 and "試行回数" in last.content.decode()
    assert Payment.objects.get().status == "UNPROCESSED"


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_pay_once(api, client):
    """Two requests race for one page (each in its own thread and database connection)."""
    import threading

    from django.db import connection

    from payments.hosted import services
    from portal.errors import PortalError

    body = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    tokens = [tokenise(client, path), tokenise(client, path)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(tok: str) -> None:
        session = PaymentSession.objects.get()
        barrier.wait()
        try:
            attempt = services.payment_session_pay(
                session=session, pay_type="Card", form={"token": tok}, return_url="https://x.example.com/r"
            )
            outcomes.append(attempt.payment.status)
        except PortalError as exc:
            outcomes.append(exc.spec.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(tok,)) for tok in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the loser finds the page held (busy) or, if it came that late, already paid (closed)
    assert sorted(outcomes)[0] == "AUTHORIZED" and sorted(outcomes)[1] in ("E1900000012", "E1900000013")
    assert Payment.objects.count() == 1 and PaymentSession.objects.get().status == SessionStatus.COMPLETED


def test_merchant_page_lists_the_pages_of_its_merchant_only(api, merchant, other_merchant, client):
    from tests.support import ApiClient

    body = create(api, card={"job_code": "AUTH", "tds_type": "0"}).json()
    path = page_path(body)
    client.post(path, {"pay_type": "Card", "token": tokenise(client, path)})
    card_page = api.call("POST", "/v1/card_sessions", {"customer_id": "listed-1"}).json()
    theirs = create(ApiClient(other_merchant.test_secret)).json()
    client.force_login(merchant.owner)
    listed = client.get(f"/m/{merchant.merchant.public_id}/hosted/")
    page = listed.content.decode()
    assert listed.status_code == 200
    assert body["id"] in page and "COMPLETED" in page and body["transaction"]["order_id"] in page
    assert card_page["id"] in page and "listed-1" in page
    assert theirs["id"] not in page
    assert (
        client.get(f"/m/{merchant.merchant.public_id}/hosted/?mode=live").content.decode().count("ps_") == 0
    )
    client.force_login(other_merchant.owner)
    assert client.get(f"/m/{merchant.merchant.public_id}/hosted/").status_code == 404


def test_guide_and_thanks_mails(api, client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = create(
            api,
            card={"job_code": "AUTH", "tds_type": "0"},
            guide_mail_send_flag="1",
            thanks_mail_send_flag="1",
            receiver_mail="buyer@example.com",
            mail_customer_name="買物 太郎",
            shop_service_name="Mail Shop",
        ).json()
    assert body["guide_mail_send_flag"] == "1" and body["receiver_mail"] == "buyer@example.com"
    [guide] = mailoutbox
    assert guide.to == ["buyer@example.com"] and "Mail Shop" in guide.subject
    assert body["link_url"] in guide.body and "買物 太郎 様" in guide.body
    path = page_path(body)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"pay_type": "Card", "token": tokenise(client, path)})
    assert [m.subject for m in mailoutbox][1] == "【Mail Shop】お支払い手続きが完了しました"
    missing = create(api, guide_mail_send_flag="1")
    assert missing.status_code == 400 and "receiver_mail" in missing.json()["errors"][0]["error_message"]
    assert create(api, receiver_mail="not-an-address").status_code == 400
