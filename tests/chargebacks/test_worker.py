"""The merchant hears of a chargeback (opened, decided) by a signed webhook a real Celery worker delivers."""

from __future__ import annotations

import time

import pytest

from payments.chargebacks import services
from payments.webhooks import services as webhooks
from tests.chargebacks.helpers import captured, open_chargeback


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_opened_and_decided_reach_the_merchant_through_a_real_worker(merchant, api, receiver, celery_worker):
    for event in ("chargebacks.opened", "chargebacks.decided"):
        webhooks.webhook_setting_create(
            merchant=merchant.merchant,
            mode="test",
            data={"url": receiver.url, "event": event, "signature": "merchant-secret"},
        )
    chargeback = open_chargeback(captured(api), amount=2500)
    services.chargeback_decide(chargeback=chargeback, won=True, actor="acquirer")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(receiver.received) < 2:
        time.sleep(0.2)
    assert len(receiver.received) >= 2, celery_worker.log()
    bodies = {body["event"]: body for body in receiver.bodies()}
    opened, decided = bodies["chargebacks.opened"], bodies["chargebacks.decided"]
    assert (
        opened["id"] == chargeback.chargeback_id
        and opened["status_code"] == 4005
        and opened["amount"] == 2500
    )
    assert decided["status_code"] == 4007 and decided["canceled"] == "false"
    assert decided["event_sequence"] > opened["event_sequence"]
    assert all(r.headers.get("Fincode-Signature") == "merchant-secret" for r in receiver.received)
