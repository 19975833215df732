"""Direct-debit subscriptions: the debit is requested ahead of its charge day (within the bank's
request period); the charge settles when the bank's result arrives, days later."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payments.subscriptions.models import SubscriptionCharge
from tests.payments.directdebit_helpers import activated_account, clearing, customer, next_target, text
from tests.payments.flows import ok
from tests.payments.test_subscriptions import plan, run_billing
from tests.support import error_codes

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_direct_debit_subscription_is_requested_ahead_and_settled_by_the_banks_result(api, settings):
    settings.SUBSCRIPTION_WAIT_SECONDS = 0  # look at the waiting charge again at every tick
    buyer = customer(api)
    account = activated_account(api, buyer["id"])
    monthly = plan(api, amount="5000", tax="500")
    start = next_target(after=next_target() + timedelta(days=9))
    body = {"pay_type": "Directdebit", "plan_id": monthly["id"], "customer_id": buyer["id"]}
    not_a_debit_day = ok_or_error(api, {**body, "start_date": text(start + timedelta(days=2))})
    assert not_a_debit_day == ["E1700000014"]
    assert ok_or_error(api, {**body, "card_id": "cs_" + "0" * 22, "start_date": text(start)}) == [
        "E1700000010"
    ]
    subscription = ok(api.call("POST", "/v1/subscriptions", {**body, "start_date": text(start)}))
    assert subscription["payment_method_id"] == account["id"] and subscription["card_id"] is None
    lead = start - timedelta(days=8)
    assert run_billing(lead - timedelta(days=1)) == []  # not yet: 8 days ahead of the charge day
    assert run_billing(lead) == ["PENDING"]  # requested; the bank answers on the debit day
    charge = SubscriptionCharge.objects.get()
    assert charge.payment.status == "AWAITING_PAYMENT_APPROVAL" and charge.payment.target_date == start
    running = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert running["status"] == "RUNNING"
    clearing(start)
    assert run_billing(start) == ["SUCCEEDED"]
    results = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}/result?pay_type=Directdebit"))[
        "list"
    ]
    assert [(r["status"], r["total_amount"], r["payment_method_id"]) for r in results] == [
        ("SUCCEEDED", 5500, account["id"])
    ]
    after = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert after["status"] == "ACTIVE" and after["next_charge_date"].startswith(text(start)[:5])


def ok_or_error(api, body) -> list[str]:
    response = api.call("POST", "/v1/subscriptions", body)
    assert 400 <= response.status_code < 500, response.content
    return error_codes(response)
