"""Nothing stays behind: the sweepers find lost deliveries, crashed leases, unprocessed notifications,
expired codes; test mode's simulated buyer raises fincode's ….complete.stub events."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments.asyncflows.models import ProviderNotification
from payments.models import Payment, WebhookDelivery
from payments.tasks import sweep_pending_payments
from payments.webhooks.tasks import sweep as webhook_sweep
from tests.payments.flows import execute, get, ok, register, sim, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def test_webhook_sweeper_delivers_lost_and_abandoned_deliveries(api, receiver):
    receiver.stop()
    subscribe(api, receiver.url, "payments.konbini.regist")
    register(api, "Konbini")
    register(api, "Konbini")
    first, second = WebhookDelivery.objects.order_by("id")
    long_ago = timezone.now() - timedelta(minutes=5)
    # one whose task was lost, one whose worker died holding the lease
    WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=long_ago)
    WebhookDelivery.objects.filter(pk=second.pk).update(
        next_attempt_at=long_ago, lease_until=long_ago, lease_token="dead-worker"
    )
    receiver.start()
    assert webhook_sweep.apply().result == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert webhook_sweep.apply().result == 0
    assert len(receiver.received) == 2


def test_a_held_lease_is_not_swept(api, receiver):
    receiver.stop()
    subscribe(api, receiver.url, "payments.konbini.regist")
    register(api, "Konbini")
    soon = timezone.now() + timedelta(seconds=30)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1), lease_until=soon)
    assert webhook_sweep.apply().result == 0


def test_unprocessed_notifications_are_processed_by_the_sweeper(api):
    payment = register(api, "Paypay")
    executed = ok(execute(api, payment))
    sim("paypay/control", {"notifications": False})
    Client().post(executed["code_url"].split("testserver")[1], {"action": "approve", "follow": "0"})
    body = {"notification_id": "lost-task", "merchant_order_id": payment["access_id"], "order_amount": 1000,
            "state": "COMPLETED"}  # fmt: skip
    # stored, but its processing task was lost (a broker failure at commit)
    row = ProviderNotification.objects.create(
        provider="paypay", mode="test", event_id="lost-task", body=json.dumps(body)
    )
    ProviderNotification.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    sweep_pending_payments.apply()
    row.refresh_from_db()
    assert row.outcome == "applied" and get(api, payment)["status"] == "CAPTURED"


def test_wallet_code_expiry(api, receiver):
    subscribe(api, receiver.url, "payments.paypay.expired")
    payment = register(api, "Paypay")
    ok(execute(api, payment))
    sim(f"paypay/payments/{payment['access_id']}/expire")
    assert get(api, payment)["status"] == "EXPIRED"
    assert receiver.wait_for(1)[0].json["event"] == "payments.paypay.expired"


@pytest.mark.parametrize(("pay_type", "event"), [("Konbini", "payments.konbini.complete.stub"),
                                                 ("Virtualaccount", "payments.virtualaccount.complete.stub")])  # fmt: skip
def test_simulated_buyer_raises_stub_events(client, api, receiver, merchant, pay_type, event):
    subscribe(api, receiver.url, event)
    payment = register(api, pay_type)
    ok(execute(api, payment))
    client.force_login(merchant.owner)
    page = f"/m/{merchant.merchant.public_id}/payments/test/{payment['id']}/"
    assert b'id="simulate"' in client.get(page).content
    assert client.post(f"{page}simulate/").status_code == 302
    final = get(api, payment)
    assert final["status"] == "CAPTURED"
    [received] = receiver.wait_for(1)
    assert received.json["event"] == event and received.json["status"] == "CAPTURED"
    assert client.post(f"{page}simulate/").status_code == 302  # not awaiting any more: refused
    assert get(api, payment)["status"] == "CAPTURED" and len(receiver.received) == 1


def test_simulation_is_test_mode_only(client, live_api, merchant, settings):
    settings.PROVIDER_LIVE_URLS = {"bank": "http://testserver/simulators/bank"}
    settings.PROVIDER_SECRETS = {"bank": "live"}
    payment = register(live_api, "Virtualaccount")
    ok(execute(live_api, payment))
    client.force_login(merchant.owner)
    answer = client.post(
        f"/m/{merchant.merchant.public_id}/payments/live/{payment['id']}/simulate/", follow=True
    )
    assert b"test mode only" in answer.content
    assert Payment.objects.get(order_id=payment["id"]).status == "AWAITING_CUSTOMER_PAYMENT"
