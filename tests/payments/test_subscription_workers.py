"""Subscription billing as in production: gunicorn (API and the card acquirer simulator), real
Celery workers on Redis, PostgreSQL — with two beat processes queueing every tick twice, and
a worker killed in the middle of the charges. Each period must be charged exactly once."""

from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
import pytest
from django.utils import timezone

from payments.models import Payment
from payments.subscriptions.models import Subscription, SubscriptionCharge
from payments.subscriptions.services import billing
from payments.subscriptions.tasks import bill_due
from payments.tasks import sweep_pending_payments
from simulators.models import SimulatedAcquirerTransaction
from tests import processes
from tests.payments.helpers import VISA
from tests.processes import http_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.worker]


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _until(check, timeout: float = 60.0, what: str = "condition", every=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if every:
            every()
        time.sleep(0.2)
    state = list(
        Subscription.objects.values_list(
            "subscription_id", "status", "next_charge_date", "retry_on", "lease_until"
        )
    )
    charges = list(SubscriptionCharge.objects.values_list("subscription_id", "period", "attempt", "status"))
    raise AssertionError(f"timed out waiting for {what}: {state} {charges}")


def _subscribers(api: httpx.Client, count: int, starts: list[date]) -> list[str]:
    """``count`` customers with a card, each subscribed to a monthly plan from one of ``starts``."""
    plan = _ok(api.post("/v1/plans", json={"plan_name": "Monthly", "amount": "980", "tax": "98"}))
    ids = []
    for n in range(count):
        customer = _ok(api.post("/v1/customers", json={"name": f"Buyer {n}"}))
        card_token = _ok(
            api.post(
                "/v1/tokens/cards",
                json={"card_no": VISA, "expire": "3012", "holder_name": "TARO", "security_code": "123"},
            )
        )["token"]
        _ok(
            api.post(f"/v1/customers/{customer['id']}/cards", json={"token": card_token, "default_flag": "1"})
        )
        start = starts[n % len(starts)]
        body = {
            "pay_type": "Card", "plan_id": plan["id"], "customer_id": customer["id"],
            "start_date": start.strftime("%Y/%m/%d"),
        }  # fmt: skip
        ids.append(_ok(api.post("/v1/subscriptions", json=body))["id"])
    return ids


def _settled(day: date) -> bool:
    return (
        not billing.due_subscriptions(today=day)
        and not Subscription.objects.filter(lease_until__isnull=False).exists()
    )


def _captures_at_the_acquirer() -> int:
    """What the outside world charged (only subscriptions make card payments in these tests)."""
    return SimulatedAcquirerTransaction.objects.filter(operation="authorize", outcome="captured").count()


@pytest.fixture
def stack(transactional_db, merchant, tmp_path):
    processes.purge_broker()
    broker = processes.test_broker_url()
    env = {
        "CELERY_BROKER_URL": broker,
        "SUBSCRIPTION_CHARGE_LEASE_SECONDS": "3",
        "PAYMENTS_RECONCILE_AFTER_SECONDS": "1",
        "PAYMENTS_RECONCILE_FIRST_DELAY": "1",
    }
    procs = processes.Stack(tmp_path, env)

    def start_workers(*concurrencies: int, latency: str = "1.5", standby: int = 0) -> list[processes.Proc]:
        return procs.start_workers(*concurrencies, latency=latency, standby=standby)

    api = http_client(
        base_url=procs.url, headers={"Authorization": f"Bearer {merchant.test_secret}"}, timeout=30
    )
    try:
        yield {"api": api, "url": procs.url, "workers": procs.workers, "start_workers": start_workers}
    finally:
        api.close()
        procs.kill()
        from portal.celery import app

        processes.use_broker(app, None)
        processes.purge_broker()


def test_a_month_of_billing_with_two_beats_and_two_workers_charges_each_period_once(stack):
    # the acquirer answers in 0.5 s: each charge and its duplicate (the second beat's) overlap
    workers = stack["start_workers"](2, 2, latency="0.5")
    first = timezone.localdate() + timedelta(days=1)
    starts = [first + timedelta(days=k) for k in range(3)]
    ids = _subscribers(stack["api"], 6, starts)
    processes.wait_ready(*workers)
    last = first + timedelta(days=34)
    day = first
    while day <= last:
        if billing.due_subscriptions(today=day):
            for _beat in range(2):  # two beat processes: every tick queued twice
                bill_due.apply_async(kwargs={"today": day.isoformat()})
            _until(lambda day=day: _settled(day), what=f"the charges of {day}")
        day += timedelta(days=1)
    succeeded = SubscriptionCharge.objects.filter(status="SUCCEEDED")
    # each subscription: its first charge and the one a month later, nothing more
    assert succeeded.count() == 12
    assert sorted(succeeded.values_list("subscription__subscription_id", "period")) == sorted(
        (sub, period) for sub in ids for period in (0, 1)
    )
    assert not SubscriptionCharge.objects.exclude(status="SUCCEEDED").exists()
    assert Payment.objects.filter(order_id__startswith="sc_", status="CAPTURED").count() == 12
    assert _captures_at_the_acquirer() == 12


def test_a_worker_killed_mid_run_leaves_no_period_charged_twice_or_skipped(stack):
    worker, standby = stack["start_workers"](4, standby=4)
    day = timezone.localdate() + timedelta(days=1)
    ids = _subscribers(stack["api"], 6, [day])
    processes.wait_ready(worker, standby)
    bill_due.apply_async(kwargs={"today": day.isoformat()})
    _until(
        lambda: (
            Payment.objects.filter(order_id__startswith="sc_", pending_operation__isnull=False).count() >= 2
        ),
        what="charges in flight at the acquirer",
    )
    worker.kill()  # SIGKILL, the whole worker, while the acquirer is answering
    processes.take_over(standby)  # another worker comes: it takes the tasks from now on

    def tick():  # beat goes on: the billing sweep and the payments' reconciliation
        if int(time.monotonic() * 5) % 5 == 0:  # each second
            bill_due.apply_async(kwargs={"today": day.isoformat()})
            sweep_pending_payments.apply_async()

    _until(lambda: _settled(day), timeout=90, what="every charge settled after the crash", every=tick)
    charges = SubscriptionCharge.objects.all()
    assert sorted(charges.values_list("subscription__subscription_id", "status")) == sorted(
        (sub, "SUCCEEDED") for sub in ids
    )
    assert Payment.objects.filter(order_id__startswith="sc_").count() == 6
    assert _captures_at_the_acquirer() == 6
