"""The asynchronous pay types end to end, as in production: gunicorn (API, simulators, notification
endpoints), a real Celery worker on Redis, PostgreSQL, and a merchant's webhook receiver."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
from django.db.models import F
from django.utils import timezone

from payments.models import (
    Payment,
    PaymentEvent,
    ProviderNotification,
    WebhookAttempt,
    WebhookEvent,
)
from payments.providers.http import provider_secret
from payments.webhooks.signing import verify
from simulators.models import SimulatedProviderPayment
from simulators.wallets import DIALECTS
from tests import processes
from tests.processes import http, http_client
from tests.receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.worker]

FAST = {
    "WEBHOOK_RETRY_BASE_SECONDS": "0.5",
    "WEBHOOK_RETRY_MAX_SECONDS": "2",
    "PROVIDER_RETRY_BASE_SECONDS": "0.5",
    "PAYMENTS_RECONCILE_AFTER_SECONDS": "1",
    "CELERY_VISIBILITY_TIMEOUT": "5",
}


@pytest.fixture(scope="module")
def processes_up(django_db_setup, django_db_blocker, tmp_path_factory):
    """One gunicorn and one worker for the whole module (started once: they take seconds)."""
    tmp_path = tmp_path_factory.mktemp("async")
    with django_db_blocker.unblock():
        processes.purge_broker()
        broker = processes.test_broker_url()
        web = processes.launch_server(tmp_path, threads=16, CELERY_BROKER_URL=broker, **FAST)
        url = web.url
        env = {"CELERY_BROKER_URL": broker, "PORTAL_BASE_URL": url, **FAST}
        workers: list = [processes.launch_worker(tmp_path, **env)]
        processes.wait_ready(web, *workers)  # side by side: each takes seconds to start
        standby: list = []

        def launch_standby():
            """A worker starting on the standby queue, for a test that kills the other: it takes
            seconds to start, the test meanwhile goes on."""
            standby.append(processes.launch_worker(tmp_path, queues=processes.STANDBY, **env))

        def start_worker():
            """Another worker, in place of a killed one: the one on standby takes the tasks over."""
            if not standby:
                launch_standby()
            processes.wait_ready(standby[-1])
            processes.take_over(standby[-1])
            workers.append(standby[-1])
            return standby[-1]

    try:
        yield {"url": url, "workers": workers, "launch_standby": launch_standby, "start_worker": start_worker}
    finally:
        for proc in [web, *standby, *(w for w in workers if w not in standby)]:
            proc.kill()
            proc.process.wait(10)
        from portal.celery import app

        processes.use_broker(app, None)
        processes.purge_broker()


@pytest.fixture
def stack(processes_up, transactional_db, merchant):
    receiver = Receiver()
    url = processes_up["url"]
    api = http_client(base_url=url, headers={"Authorization": f"Bearer {merchant.test_secret}"}, timeout=30)
    for provider in ("paypay", "dpay", "rakutenpay", "konbini", "bank"):  # a clean outside world
        http.post(f"{url}/simulators/{provider}/control", json={"latency": 0, "fail_status": None})
    try:
        yield {**processes_up, "api": api, "receiver": receiver}
    finally:
        receiver.stop()
        api.close()


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _subscribe(stack, *events: str) -> str:
    for event in events:
        _ok(stack["api"].post("/v1/webhook_settings", json={"url": stack["receiver"].url, "event": event}))
    return _ok(stack["api"].get("/v1/webhook_settings"))["list"][0]["signing_secret"]


def _register_execute(stack, pay_type: str, register: dict, execute: dict) -> tuple[dict, dict]:
    api = stack["api"]
    payment = _ok(api.post("/v1/payments", json={"pay_type": pay_type, **register}))
    body = {"pay_type": pay_type, "access_id": payment["access_id"], **execute}
    return payment, _ok(api.put(f"/v1/payments/{payment['id']}", json=body))


def _until(check, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _status(order_id: str) -> str:
    return Payment.objects.get(order_id=order_id).status


def _transitions(order_id: str) -> list[tuple[str, str]]:
    """The payment's status changes (history entries that are not status changes left out)."""
    return list(
        PaymentEvent.objects.filter(payment__order_id=order_id)
        .exclude(from_status=F("to_status"))
        .values_list("action", "to_status")
    )


def test_qr_payment_from_register_to_captured_by_provider_notification(stack):
    secret = _subscribe(stack, "payments.paypay.exec", "payments.paypay.complete")
    payment, executed = _register_execute(
        stack, "Paypay", {"job_code": "CAPTURE", "amount": "2500", "wallet": "rakutenpay"},
        {"redirect_url": "https://shop.example.com/thanks"},
    )  # fmt: skip
    assert executed["status"] == "AWAITING_CUSTOMER_PAYMENT", executed
    assert "/simulators/rakutenpay/pay/" in executed["code_url"]
    approved = http.post(executed["code_url"], data={"action": "approve"}, follow_redirects=False)
    assert approved.status_code == 302 and approved.headers["location"] == "https://shop.example.com/thanks"
    _until(lambda: _status(payment["id"]) == "CAPTURED", what="CAPTURED")
    received = stack["receiver"].wait_for(2)
    assert [r.json["event"] for r in received] == ["payments.paypay.exec", "payments.paypay.complete"]
    last = received[-1]
    assert (
        last.json["status"] == "CAPTURED"
        and last.json["amount"] == "2500"
        and last.json["order_id"] == payment["id"]
    )
    assert verify(last.body, last.headers["Webhook-Signature"], secret)
    assert last.headers["Webhook-Id"] == last.json["event_id"] and last.headers["Webhook-Sequence"] == "3"
    assert _transitions(payment["id"]) == [
        ("register", "UNPROCESSED"), ("execute", "AWAITING_CUSTOMER_PAYMENT"), ("complete", "CAPTURED"),
    ]  # fmt: skip
    notification = ProviderNotification.objects.get(payment__order_id=payment["id"])
    assert (notification.provider, notification.outcome) == ("rakutenpay", "applied")


def test_konbini_paid_and_konbini_expired(stack):
    _subscribe(stack, "payments.konbini.complete", "payments.konbini.expired.update.batch")
    device = {
        "device_name": "Pixel",
        "win_width": "1080",
        "win_height": "2400",
        "pixel_ratio": "2.63",
        "win_size_type": "1",
    }
    paid, paid_slip = _register_execute(stack, "Konbini", {"amount": "4800"}, device)
    unpaid, _ = _register_execute(stack, "Konbini", {"amount": "900"}, device)
    till = http.post(
        f"{stack['url']}/simulators/konbini/v1/store/payments",
        json={"slip_id": paid_slip["order_serial"], "konbini_code": "00030"},
    )
    assert till.status_code == 200, till.text
    http.post(f"{stack['url']}/simulators/konbini/v1/slips/{unpaid['access_id']}/expire").raise_for_status()
    _until(
        lambda: _status(paid["id"]) == "CAPTURED" and _status(unpaid["id"]) == "EXPIRED", what="final states"
    )
    events = sorted((r.json["order_id"], r.json["event"]) for r in stack["receiver"].wait_for(2))
    assert events == sorted(
        [(paid["id"], "payments.konbini.complete"), (unpaid["id"], "payments.konbini.expired.update.batch")]
    )
    assert Payment.objects.get(order_id=paid["id"]).konbini_code == "00030"


def test_worker_killed_during_a_provider_call_then_the_payment_ends_right_exactly_once(stack):
    stack["launch_standby"]()  # the worker that will replace the killed one starts meanwhile
    _subscribe(stack, "payments.paypay.exec", "payments.paypay.complete")
    control = f"{stack['url']}/simulators/paypay/control"
    http.post(control, json={"latency": 3.0}).raise_for_status()
    api = stack["api"]
    payment = _ok(
        api.post("/v1/payments", json={"pay_type": "Paypay", "job_code": "CAPTURE", "amount": "700"})
    )
    body = {
        "pay_type": "Paypay",
        "access_id": payment["access_id"],
        "redirect_url": "https://shop.example.com/",
    }
    pending = _ok(api.put(f"/v1/payments/{payment['id']}", json=body))  # answers after the API's short wait
    assert pending["status"] == "UNPROCESSED" and pending["pending_operation"] == "execute"
    _until(lambda: http.get(control).json().get("inflight", 0) >= 1, what="the wallet call in flight")
    stack["workers"][-1].kill()  # SIGKILL, the whole worker, in the middle of the wallet's answer
    http.post(control, json={"latency": 0}).raise_for_status()
    worker = processes.LogFrom.now(stack["start_worker"]())  # its tasks from now on
    from payments.tasks import sweep_pending_payments
    from portal.celery import app

    processes.use_broker(app, processes.test_broker_url())
    reconcile_after = timedelta(seconds=int(FAST["PAYMENTS_RECONCILE_AFTER_SECONDS"]) + 0.2)
    _until(
        lambda: Payment.objects.get(order_id=payment["id"]).pending_since < timezone.now() - reconcile_after,
        what="pending longer than PAYMENTS_RECONCILE_AFTER_SECONDS",
    )
    sweep_pending_payments.apply_async()
    _until(lambda: _status(payment["id"]) == "AWAITING_CUSTOMER_PAYMENT", what="AWAITING after recovery")
    stored = Payment.objects.get(order_id=payment["id"])
    assert stored.pending_operation is None and stored.wallet_url
    http.post(stored.wallet_url, data={"action": "approve", "follow": "0"}).raise_for_status()
    _until(lambda: _status(payment["id"]) == "CAPTURED", what="CAPTURED")
    # The killed worker's call to the wallet, answered to nobody, is over (the worker on standby
    # took over at once: it did not take seconds to start as a new one would).
    _until(lambda: http.get(control).json().get("inflight", 0) == 0, what="the killed call over")
    # let any duplicate (queued task, retry, second sweep) run to its end: nothing may change
    sweep_pending_payments.apply_async()
    processes.wait_idle(worker)
    assert (
        SimulatedProviderPayment.objects.filter(provider="paypay", payment_ref=payment["access_id"]).count()
        == 1
    )
    assert _transitions(payment["id"]) == [
        ("register", "UNPROCESSED"), ("execute", "AWAITING_CUSTOMER_PAYMENT"), ("complete", "CAPTURED"),
    ]  # fmt: skip
    assert [(e.event, e.sequence) for e in WebhookEvent.objects.filter(payment__order_id=payment["id"])] == [
        ("payments.paypay.exec", 2), ("payments.paypay.complete", 3),
    ]  # fmt: skip
    received = [r.json["event"] for r in stack["receiver"].wait_for(2)]
    assert received == ["payments.paypay.exec", "payments.paypay.complete"]


def test_receiver_down_for_a_while_then_up_gets_every_event_once(stack):
    worker = processes.LogFrom.now(stack["workers"][-1])  # its tasks from now on
    receiver = stack["receiver"]
    receiver.answer((503, "down for maintenance"))
    _subscribe(stack, "payments.paypay.regist", "payments.paypay.exec", "payments.paypay.complete")
    orders = []
    for i in range(3):
        payment, executed = _register_execute(
            stack,
            "Paypay",
            {"job_code": "CAPTURE", "amount": str(100 + i)},
            {"redirect_url": "https://s.example/"},
        )
        http.post(executed["code_url"], data={"action": "approve", "follow": "0"}).raise_for_status()
        orders.append(payment["id"])
    _until(lambda: all(_status(o) == "CAPTURED" for o in orders), what="all captured")
    receiver.stop()  # now nobody even listens
    attempts = WebhookAttempt.objects.filter(delivery__event__payment__order_id__in=orders)
    before = attempts.count()
    _until(lambda: attempts.count() > before, what="deliveries tried again while the receiver is down")
    receiver.answer((200, '{"receive":"0"}'))
    receiver.start()  # back, on the same port
    from payments.webhooks.tasks import sweep

    sweep.apply_async()  # the periodic sweeper (beat) runs too: it must not cause duplicates
    expected = WebhookEvent.objects.filter(payment__order_id__in=orders).count()
    assert expected == 9
    _until(
        lambda: all(
            d == "delivered" for d in WebhookEvent.objects.filter(payment__order_id__in=orders).values_list(
                "deliveries__status", flat=True)
        ),
        timeout=40,
        what="every delivery delivered",
    )  # fmt: skip
    processes.wait_idle(worker)  # a duplicate (retry, sweep) would have arrived now
    hits: dict[str, list] = {}
    for r in receiver.received:
        hits.setdefault(r.headers["Webhook-Id"], []).append(r.answered)
    event_ids = set(
        WebhookEvent.objects.filter(payment__order_id__in=orders).values_list("event_id", flat=True)
    )
    assert set(hits) == event_ids
    for event_id, answers in hits.items():
        # failures first, then exactly one success, and nothing after it
        assert answers.count(200) == 1 and answers[-1] == 200, (event_id, answers)
    assert any(503 in answers for answers in hits.values())


def test_duplicate_and_out_of_order_notifications_change_nothing_twice(stack):
    worker = processes.LogFrom.now(stack["workers"][-1])  # its tasks from now on
    _subscribe(stack, "payments.paypay.complete", "payments.paypay.cancel")
    url = stack["url"]
    payment, executed = _register_execute(
        stack,
        "Paypay",
        {"job_code": "AUTH", "amount": "1200", "wallet": "dpay"},
        {"redirect_url": "https://s.example/"},
    )
    http.post(executed["code_url"], data={"action": "approve", "follow": "0"}).raise_for_status()
    _until(lambda: _status(payment["id"]) == "AUTHORIZED", what="AUTHORIZED")
    for _ in range(3):  # the wallet replays its notification
        http.post(f"{url}/simulators/dpay/payments/{payment['access_id']}/renotify").raise_for_status()
    canceled = _ok(stack["api"].put(
        f"/v1/payments/{payment['id']}/cancel", json={"pay_type": "Paypay", "access_id": payment["access_id"]}))  # fmt: skip
    assert canceled["status"] == "CANCELED"
    # A late "captured" and a stale "authorized" arrive after the cancellation.
    secret = provider_secret("dpay", "test")
    for n, state in enumerate(["captured", "authorized"]):
        body = json.dumps({"event_id": f"late-{n}", "type": f"payment.{state}", "data": {
            "order_id": payment["access_id"], "payment_id": executed["code_id"], "amount": 1200}}).encode()  # fmt: skip
        headers = {"Content-Type": "application/json", **DIALECTS["dpay"].sign(body)}
        assert (
            secret
            and http.post(f"{url}/notifications/dpay", content=body, headers=headers).status_code == 200
        )
    replay = http.post(f"{url}/notifications/dpay", content=body, headers=headers)
    assert replay.json()["duplicate"] is True
    _until(
        lambda: ProviderNotification.objects.filter(payment__order_id=payment["id"], processed_at__isnull=False).count() == 3,
        what="notifications processed",
    )  # fmt: skip
    processes.wait_idle(worker)  # whatever they queued has run
    assert _status(payment["id"]) == "CANCELED"
    assert ProviderNotification.objects.filter(payment__order_id=payment["id"]).count() == 3
    assert sorted(ProviderNotification.objects.filter(payment__order_id=payment["id"]).values_list("outcome", flat=True)) == [
        "applied", "stale_canceled", "stale_canceled"]  # fmt: skip
    assert _transitions(payment["id"]) == [
        ("register", "UNPROCESSED"), ("execute", "AWAITING_CUSTOMER_PAYMENT"), ("complete", "AUTHORIZED"),
        ("cancel", "CANCELED"),
    ]  # fmt: skip
    assert sorted(r.json["event"] for r in stack["receiver"].wait_for(2)) == [
        "payments.paypay.cancel",
        "payments.paypay.complete",
    ]
