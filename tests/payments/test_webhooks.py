"""Webhook settings (fincode's API), signatures, delivery, retries, claims, resend, merchant pages."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Payment, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSecret
from payments.webhooks import delivery as webhook_delivery
from payments.webhooks import secrets
from payments.webhooks.signing import signature_header, verify
from tests.payments.flows import execute, ok, register, subscribe
from tests.payments.helpers import VISA, action, token
from tests.payments.helpers import execute as card_execute
from tests.payments.helpers import register as card_register
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db(transaction=True)
# No provider call, nothing queued on commit: the fast, rolled-back database is enough.
FAST = pytest.mark.django_db


@FAST
def test_settings_crud_as_fincode(api, other_merchant):
    created = ok(api.call("POST", "/v1/webhook_settings", {
        "url": "https://shop.example.com/hook", "event": "payments.card.exec", "signature": "SIG"}))  # fmt: skip
    assert created["id"].startswith("w_") and created["event"] == "payments.card.exec"
    assert created["signature"] == "SIG" and created["signing_secret"].startswith("whsec_")
    assert set(created) == {"id", "url", "event", "signature", "signing_secret", "created", "updated"}
    listed = ok(api.call("GET", "/v1/webhook_settings"))["list"]
    assert [s["id"] for s in listed] == [created["id"]]
    updated = ok(
        api.call("PUT", f"/v1/webhook_settings/{created['id']}", {"url": "https://shop.example.com/h2"})
    )
    assert updated["url"] == "https://shop.example.com/h2" and updated["event"] == "payments.card.exec"
    other = ApiClient(other_merchant.test_secret)
    assert other.call("GET", f"/v1/webhook_settings/{created['id']}").status_code == 404
    assert ok(api.call("DELETE", f"/v1/webhook_settings/{created['id']}")) == {
        "id": created["id"],
        "delete_flag": "1",
    }
    gone = api.call("GET", f"/v1/webhook_settings/{created['id']}")
    assert gone.status_code == 404 and error_codes(gone) == ["E1400000001"]
    assert ok(api.call("GET", "/v1/webhook_settings"))["list"] == []


@FAST
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "https://x.example/h"}, "E1400030001"),
        ({"url": "https://x.example/h", "event": "payments.nothing"}, "E1400030006"),
        ({"url": "not a url", "event": "payments.card.exec"}, "E1400020002"),
        ({"url": "https://x.example/h", "event": "payments.card.exec", "signature": "s" * 61}, "E1400040003"),
        ({"id": "bad id!", "url": "https://x.example/h", "event": "payments.card.exec"}, "E1400010002"),
    ],
)
def test_settings_validation(api, body, code):
    response = api.call("POST", "/v1/webhook_settings", body)
    assert response.status_code == 400 and code in error_codes(response), response.content


@FAST
def test_live_webhooks_need_https(live_api):
    response = live_api.call(
        "POST", "/v1/webhook_settings", {"url": "http://x.example/h", "event": "payments.card.exec"}
    )
    assert response.status_code == 400 and error_codes(response) == ["E1400000003"]


@FAST
def test_signature_verifies_and_rotation_signs_twice(merchant):
    body = b'{"a":1}'
    first = secrets.current(merchant.merchant.pk, "test").secret
    header = signature_header(body, secrets.signing(merchant.merchant.pk, "test"))
    assert verify(body, header, first)
    assert not verify(body + b" ", header, first)
    assert not verify(body, signature_header(body, [first], timestamp=int(time.time()) - 3600), first)
    second = secrets.rotate(merchant_id=merchant.merchant.pk, mode="test").secret
    rotated = signature_header(body, secrets.signing(merchant.merchant.pk, "test"))
    assert rotated.count("v1=") == 2 and verify(body, rotated, first) and verify(body, rotated, second)
    WebhookSecret.objects.filter(secret=first).update(expires_at=timezone.now() - timedelta(seconds=1))
    secrets.forget()  # workers keep the secrets for a few seconds
    after = signature_header(body, secrets.signing(merchant.merchant.pk, "test"))
    assert after.count("v1=") == 1 and verify(body, after, second) and not verify(body, after, first)


def test_card_payments_raise_fincode_events(api, public_api, receiver, merchant):
    subscribe(api, receiver.url, "payments.card.regist", "payments.card.exec", "payments.card.capture",
              "payments.card.cancel", signature="MY-SIGNATURE")  # fmt: skip
    payment = card_register(api, amount="1200")
    assert card_execute(api, payment, token(public_api, VISA)).status_code == 200
    assert action(api, payment, "capture").status_code == 200
    assert action(api, payment, "cancel").status_code == 200
    received = receiver.wait_for(4)
    assert [r.json["event"] for r in received] == [
        "payments.card.regist", "payments.card.exec", "payments.card.capture", "payments.card.cancel"]  # fmt: skip
    assert [r.json["status"] for r in received] == ["UNPROCESSED", "AUTHORIZED", "CAPTURED", "CANCELED"]
    assert [r.json["event_sequence"] for r in received] == [1, 2, 3, 4]
    first = received[0]
    assert first.headers["Fincode-Signature"] == "MY-SIGNATURE"
    assert first.json["order_id"] == payment["id"] and first.json["amount"] == "1200"
    secret = secrets.current(merchant.merchant.pk, "test").secret
    assert all(verify(r.body, r.headers["Webhook-Signature"], secret) for r in received)
    assert "4111111111111111" not in b"".join(r.body for r in received).decode()


def test_receiver_errors_are_retried_with_backoff_and_logged(api, receiver, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    receiver.answer((500, "oops"), (200, '{"receive":"1"}'), (200, "0"))
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert 8 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 12
    assert webhook_delivery.deliver(delivery_id=delivery.pk) == "not_due"  # not before its time
    for expected in ("retry", "delivered"):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert webhook_delivery.deliver(delivery_id=delivery.pk) == expected
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    attempts = list(
        WebhookAttempt.objects.order_by("number").values_list("number", "status_code", "delivered", "error")
    )
    assert attempts == [
        (1, 500, False, "HTTP 500"),
        (2, 200, False, 'answered {"receive": "1"}'),
        (3, 200, True, ""),
    ]
    assert WebhookAttempt.objects.get(number=1).response_excerpt == "oops"
    assert webhook_delivery.deliver(delivery_id=delivery.pk) == "not_due"  # never again once delivered
    assert len(receiver.received) == 3


def test_gives_up_after_the_retry_period(api, receiver, settings):
    receiver.stop()
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    # One generic reason, never the exception's text (that would scan ports for the merchant).
    assert (delivery.status, delivery.last_error) == (
        "pending",
        "no answer: the connection failed or timed out",
    )
    WebhookEvent.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.WEBHOOK_RETRY_PERIOD_SECONDS)
    )
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhook_delivery.deliver(delivery_id=delivery.pk) == "failed"
    assert WebhookDelivery.objects.get().status == "failed" and WebhookAttempt.objects.count() == 2


@FAST
def test_backoff_doubles_up_to_the_maximum(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS = 5, 3600
    delays = [webhook_delivery.backoff(n) for n in range(1, 14)]
    assert 4.5 <= delays[0] <= 5.5 and 9 <= delays[1] <= 11 and 18 <= delays[2] <= 22
    assert max(delays) <= 3600 * 1.1 and delays[-1] >= 3600 * 0.9
    # with the defaults, retries cover at least the 3-day period
    assert sum(min(5 * 2 ** (n - 1), 4 * 3600) for n in range(1, 30)) > 3 * 86400


def test_two_workers_claiming_one_delivery_post_it_once(api, receiver):
    receiver.delay = 0.5
    receiver.stop()  # nothing delivered while we set up
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    receiver.start()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    results = []
    threads = [threading.Thread(target=lambda: results.append(webhook_delivery.deliver(delivery_id=WebhookDelivery.objects.get().pk))) for _ in range(4)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["delivered", "not_due", "not_due", "not_due"]
    assert len(receiver.received) == 1


def test_resend_and_deleted_setting(api, receiver):
    [setting] = subscribe(api, receiver.url, "payments.paypay.regist")
    payment = register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    from payments.webhooks.services import webhook_delivery_resend

    webhook_delivery_resend(delivery=delivery)
    assert len(receiver.wait_for(2)) == 2 and WebhookAttempt.objects.filter(manual=True).count() == 1
    assert receiver.received[0].headers["Webhook-Id"] == receiver.received[1].headers["Webhook-Id"]
    receiver.stop()
    ok(execute(api, payment))  # no subscriber for exec: nothing
    api.call("DELETE", f"/v1/webhook_settings/{setting['id']}")
    register(api, "Paypay")
    assert WebhookDelivery.objects.count() == 1 and Payment.objects.count() == 2


def test_merchant_pages_show_and_resend(client, api, receiver, merchant):
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/webhooks/"
    page = client.get(base)
    assert page.status_code == 200 and delivery.delivery_id.encode() in page.content
    assert secrets.current(merchant.merchant.pk, "test").secret.encode() in page.content
    detail = client.get(f"{base}deliveries/{delivery.delivery_id}/")
    assert (
        detail.status_code == 200 and b"delivered" in detail.content and b"event_sequence" in detail.content
    )
    assert client.post(f"{base}deliveries/{delivery.delivery_id}/resend/").status_code == 302
    assert len(receiver.wait_for(2)) == 2
    added = client.post(
        base, {"mode": "test", "url": "https://shop.example.com/k", "event": "payments.konbini.complete"}
    )
    assert added.status_code == 302
    assert (
        json.loads(api.call("GET", "/v1/webhook_settings").content)["list"][1]["event"]
        == "payments.konbini.complete"
    )
    assert client.post(f"{base}rotate/", {"mode": "test"}).status_code == 302
    assert len(secrets.valid(merchant.merchant.pk, "test")) == 2


def test_viewer_cannot_change_webhooks(client, api, receiver, merchant):
    from portal.models import Membership
    from tests.support import make_user

    viewer = make_user()
    Membership.objects.create(user=viewer, merchant=merchant.merchant, role="viewer")
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    client.force_login(viewer)
    base = f"/m/{merchant.merchant.public_id}/webhooks/"
    assert client.get(base).status_code == 200
    client.post(f"{base}deliveries/{delivery.delivery_id}/resend/")
    client.post(
        base, {"mode": "test", "url": "https://shop.example.com/k", "event": "payments.konbini.complete"}
    )
    assert (
        WebhookAttempt.objects.count() == 1
        and len(json.loads(api.call("GET", "/v1/webhook_settings").content)["list"]) == 1
    )


def test_operators_see_webhooks_in_the_admin(admin_client, api, receiver):
    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")
    delivery = WebhookDelivery.objects.get()
    for path in ("webhookdelivery/", f"webhookdelivery/{delivery.pk}/change/", "webhookevent/", "webhooksetting/",
                 "providernotification/", "walletterms/"):  # fmt: skip
        assert admin_client.get(f"/admin/payments/{path}").status_code == 200, path
    assert admin_client.get("/admin/simulators/simulatedproviderpayment/").status_code == 200
    resent = admin_client.post(
        "/admin/payments/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]}
    )
    assert resent.status_code == 302 and len(receiver.wait_for(2)) == 2
