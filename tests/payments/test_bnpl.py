"""``pay_type=Bnpl``: the credit check decides at execute; review outcomes reach the merchant by webhook."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from credit import services as credit
from credit.models import CreditCheck, Exposure
from payments.methods.bnpl import flow as bnpl
from payments.models import Payment, PaymentEvent, WebhookEvent
from payments.webhooks import services as webhooks
from tests.credit.conftest import BUYER, cond, deploy, rule
from tests.support import error_codes, make_user

pytestmark = pytest.mark.django_db

RULES = [
    rule("D1", "decline", cond("order_amount", ">", 100_000), reason="HIGH_AMOUNT"),
    rule("D2", "decline", cond("email_domain", "==", "blocked.example"), reason="BLOCKLISTED"),
    rule("R1", "review", cond("order_amount", ">", 50_000), reason="LARGE_ORDER"),
    rule("S1", "score", cond("item_count", ">=", 1), weight=5, reason="HAS_ITEMS"),
]


@pytest.fixture
def live_rules(db):
    from credit import engine

    engine.cache_clear()
    return deploy(RULES)


def _register(api, amount: str, job_code: str = "AUTH") -> dict:
    response = api.call("POST", "/v1/payments", {"pay_type": "Bnpl", "job_code": job_code, "amount": amount})
    assert response.status_code == 200, response.content
    return response.json()


def _execute(api, payment: dict, **buyer_changes):
    body = {
        "pay_type": "Bnpl",
        "access_id": payment["access_id"],
        "buyer": {**BUYER, **buyer_changes},
        "items": [{"name": "Sneakers", "price": int(payment["amount"]), "quantity": 1}],
        "invoice_method": "bank_transfer",
    }
    return api.call("PUT", f"/v1/payments/{payment['id']}", body)


def _action(api, payment: dict, name: str):
    return api.call(
        "PUT", f"/v1/payments/{payment['id']}/{name}", {"pay_type": "Bnpl", "access_id": payment["access_id"]}
    )


def test_approved_then_shipped_issues_the_invoice(api, live_rules):
    payment = _register(api, "12000")
    assert payment["status"] == "UNPROCESSED" and payment["pay_type"] == "Bnpl"
    executed = _execute(api, payment)
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert body["status"] == "AUTHORIZED"
    check = CreditCheck.objects.get(public_id=body["credit_check_id"])
    assert check.decision == "approved" and check.amount == 12000 and check.order_id == payment["access_id"]
    assert Exposure.objects.get(check_ref=check).status == "authorized"
    assert body["invoice"] is None
    shipped = _action(api, payment, "capture")
    assert shipped.status_code == 200, shipped.content
    invoice = shipped.json()["invoice"]
    assert shipped.json()["status"] == "CAPTURED"
    assert invoice["status"] == "invoiced" and invoice["amount"] == 12000
    assert invoice["payment_method"] == "bank_transfer"
    assert invoice["due_date"] == (timezone.localdate() + timedelta(days=14)).isoformat()
    paid = bnpl.invoice_paid(payment=Payment.objects.get(order_id=payment["id"]))
    assert paid.status == "paid"
    assert (
        api.call("GET", f"/v1/payments/{payment['id']}?pay_type=Bnpl").json()["invoice"]["status"] == "paid"
    )
    actions = list(
        PaymentEvent.objects.filter(payment__order_id=payment["id"]).values_list("action", flat=True)
    )
    assert actions == ["register", "execute", "capture", "invoice_paid"]


def test_declined_fails_with_a_category_not_the_rule(api, live_rules):
    payment = _register(api, "150000")
    body = _execute(api, payment).json()
    assert body["status"] == "FAILED"
    assert body["error_code"] == "E1600000001"
    assert body["decline_category"] == "credit_limit"
    # Neither the rule nor its reason code, as words: the body's random ids may hold "D1".
    assert not re.search(r"\b(HIGH_AMOUNT|D1)\b", json.dumps(body))
    other = _register(api, "3000")
    assert _execute(api, other, email="someone@blocked.example").json()["decline_category"] == "fraud_risk"
    assert not Exposure.objects.filter(check_ref__public_id=body["credit_check_id"]).exists()
    again = _execute(api, payment)
    assert again.status_code == 409 and error_codes(again) == ["E1000000002"]


def test_review_waits_then_the_reviewers_decision_moves_the_payment(
    api, merchant, live_rules, django_capture_on_commit_callbacks
):
    webhooks.webhook_setting_create(
        merchant=merchant.merchant,
        mode="test",
        data={"url": "https://shop.example.com/hook", "event": "payments.bnpl.review"},
    )
    payment = _register(api, "60000")
    body = _execute(api, payment).json()
    assert body["status"] == "AWAITING_PAYMENT_APPROVAL"
    check = CreditCheck.objects.get(public_id=body["credit_check_id"])
    assert check.review_status == "pending"
    reviewer = make_user(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        credit.credit_check_review(check=check, outcome="approved", note="Known customer", reviewer=reviewer)
    stored = Payment.objects.get(order_id=payment["id"])
    assert stored.status == "AUTHORIZED"
    event = WebhookEvent.objects.get(payment=stored, event="payments.bnpl.review")
    assert event.payload["status"] == "AUTHORIZED" and event.payload["credit_check_id"] == check.public_id
    # Running the task again changes nothing.
    assert bnpl.review_decided(check_id=check.pk) is None
    assert PaymentEvent.objects.filter(payment=stored, action="review").count() == 1


def test_review_declined(api, live_rules, django_capture_on_commit_callbacks):
    payment = _register(api, "70000")
    check = CreditCheck.objects.get(public_id=_execute(api, payment).json()["credit_check_id"])
    with django_capture_on_commit_callbacks(execute=True):
        credit.credit_check_review(
            check=check, outcome="declined", note="Address mismatch", reviewer=make_user(is_staff=True)
        )
    body = api.call("GET", f"/v1/payments/{payment['id']}").json()
    assert body["status"] == "FAILED" and body["error_code"] == "E1600000001"


def test_cancel_releases_the_credit_and_an_invoiced_payment_cannot_be_cancelled(api, live_rules):
    payment = _register(api, "8000")
    check_id = _execute(api, payment).json()["credit_check_id"]
    canceled = _action(api, payment, "cancel")
    assert canceled.json()["status"] == "CANCELED"
    assert Exposure.objects.get(check_ref__public_id=check_id).status == "released"
    shipped = _register(api, "9000", job_code="CAPTURE")
    body = _execute(api, shipped).json()
    assert body["status"] == "CAPTURED" and body["invoice"]["status"] == "invoiced"
    refused = _action(api, shipped, "cancel")
    assert refused.status_code == 409 and error_codes(refused) == ["E1600000002"]


def test_unpaid_invoices_feed_later_checks(api, live_rules):
    payment = _register(api, "20000", job_code="CAPTURE")
    _execute(api, payment)
    later = _register(api, "1000")
    check = CreditCheck.objects.get(public_id=_execute(api, later).json()["credit_check_id"])
    assert check.features["unpaid_amount"] == 20000
    assert check.features["open_exposure"] >= 20000


def test_bad_buyer_data_is_a_400_and_nothing_changes(api, live_rules):
    payment = _register(api, "5000")
    response = _execute(api, payment, birth_date="not-a-date")
    assert response.status_code == 400
    assert Payment.objects.get(order_id=payment["id"]).status == "UNPROCESSED"
    assert not CreditCheck.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_review_outcome_reaches_the_merchant_through_a_real_worker(merchant, api, receiver, celery_worker):
    from credit import engine

    engine.cache_clear()
    deploy(RULES)
    webhooks.webhook_setting_create(
        merchant=merchant.merchant, mode="test", data={"url": receiver.url, "event": "payments.bnpl.review"}
    )
    payment = _register(api, "60000")
    check = CreditCheck.objects.get(public_id=_execute(api, payment).json()["credit_check_id"])
    credit.credit_check_review(check=check, outcome="approved", note="ok", reviewer=make_user(is_staff=True))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not receiver.received:
        time.sleep(0.2)
    assert receiver.received, celery_worker.log()
    body = receiver.bodies()[0]
    assert body["event"] == "payments.bnpl.review" and body["status"] == "AUTHORIZED"
    assert body["order_id"] == payment["id"]
    assert "payments.bnpl.review_decided" in celery_worker.log()
    assert Payment.objects.get(order_id=payment["id"]).status == "AUTHORIZED"


def test_merchant_page_shows_the_credit_decision_and_simulates_the_invoice_payment(
    client, api, merchant, live_rules
):
    payment = _register(api, "4000", job_code="CAPTURE")
    _execute(api, payment)
    client.force_login(merchant.owner)
    url = f"/m/{merchant.merchant.public_id}/payments/test/{payment['id']}/"
    page = client.get(url)
    assert (
        b"Deferred payment (BNPL)" in page.content
        and b"Simulate the buyer paying the invoice" in page.content
    )
    client.post(url + "simulate/")
    assert (
        Exposure.objects.get(
            check_ref__public_id=Payment.objects.get(order_id=payment["id"]).credit_check.public_id
        ).status
        == "paid"
    )
    assert b"Paid" in client.get(url).content
