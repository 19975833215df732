"""Plans and subscriptions through the API, and billing across period boundaries with an
injected business day (the charge runs as the Celery task runs it, in-process here; the
worker tests start real processes)."""

from __future__ import annotations

from datetime import date

import pytest

from payments.models import Payment
from payments.services.reconcile import payment_reconcile
from payments.subscriptions.models import Subscription, SubscriptionCharge
from payments.subscriptions.services import billing
from payments.webhooks.models import WebhookEvent
from tests.payments.helpers import DECLINED, ERROR_500, MASTERCARD, VISA, token
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

TODAY = date(2027, 1, 20)


@pytest.fixture(autouse=True)
def business_day(monkeypatch):
    """Japan's date as the API sees it when a subscription is made or changed."""
    from payments.subscriptions.services import subscriptions

    monkeypatch.setattr(subscriptions, "business_today", lambda: TODAY)


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def plan(api: ApiClient, **extra) -> dict:
    return ok(
        api.call("POST", "/v1/plans", {"plan_name": "Monthly box", "amount": "1000", "tax": "100", **extra})
    )


def customer_with_card(api: ApiClient, card_no: str = VISA, customer_id: str = "cus-1") -> tuple[str, str]:
    ok(api.call("POST", "/v1/customers", {"id": customer_id, "name": "山田 太郎"}))
    card = ok(
        api.call(
            "POST", f"/v1/customers/{customer_id}/cards", {"token": token(api, card_no), "default_flag": "1"}
        )
    )
    return customer_id, card["id"]


def subscribe(api: ApiClient, plan_id: str, customer_id: str, start: str = "2027/01/31", **extra) -> dict:
    body = {"pay_type": "Card", "plan_id": plan_id, "customer_id": customer_id, "start_date": start, **extra}
    return ok(api.call("POST", "/v1/subscriptions", body))


def run_billing(day: date, times: int = 1) -> list[str]:
    """What one beat tick does on ``day``, ``times`` over (every charge task run in turn)."""
    outcomes = []
    for _ in range(times):
        for pk in billing.due_subscriptions(today=day):
            outcomes.append(billing.subscription_charge(subscription_pk=pk, today=day))
        billing.batches_report(today=day)
    return outcomes


def results(api: ApiClient, subscription_id: str) -> list[dict]:
    return ok(api.call("GET", f"/v1/subscriptions/{subscription_id}/result?pay_type=Card"))["list"]


# --- Plans ------------------------------------------------------------------------------


def test_plan_crud_and_fincode_shapes(api):
    created = plan(api, id="plan-gold", description="Gold", interval_pattern="month", interval_count="3")
    assert created == {
        **created,
        "id": "plan-gold", "plan_name": "Monthly box", "amount": 1000, "tax": 100, "total_amount": 1100,
        "interval_pattern": "month", "interval_count": 3, "used_flag": "0", "delete_flag": "0",
        "description": "Gold",
    }  # fmt: skip
    assert len(created["shop_id"]) and created["created"].count("/") == 2
    assert (
        api.call("POST", "/v1/plans", {"id": "plan-gold", "plan_name": "x", "amount": "1"}).status_code == 409
    )
    updated = ok(api.call("PUT", "/v1/plans/plan-gold", {"amount": "1200", "plan_name": "Gold box"}))
    assert (updated["amount"], updated["total_amount"], updated["plan_name"]) == (1200, 1300, "Gold box")
    listed = ok(api.call("GET", "/v1/plans?total_amount_min=1300&plan_name=Gold"))
    assert [p["id"] for p in listed["list"]] == ["plan-gold"]
    assert ok(api.call("DELETE", "/v1/plans/plan-gold"))["delete_flag"] == "1"
    assert ok(api.call("GET", "/v1/plans?delete_flag=0"))["total_count"] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": "1000"}, "E1700020001"),  # plan_name required
        ({"plan_name": "x"}, "E1700040001"),  # amount required
        ({"plan_name": "x", "amount": "0"}, "E1700040005"),
        ({"plan_name": "x", "amount": "10000000"}, "E1700040003"),
        ({"plan_name": "x", "amount": 1.5}, "E1700040002"),
        (
            {"plan_name": "x", "amount": "1000", "interval_count": "4", "interval_pattern": "month"},
            "E1700070006",
        ),
        ({"plan_name": "x", "amount": "1000", "interval_count": "2"}, "E1700060001"),
        (
            {"plan_name": "x", "amount": "1000", "interval_pattern": "week", "interval_count": "1"},
            "E1700060006",
        ),
        ({"plan_name": "x", "amount": "1000", "id": "a" * 26}, "E1700010003"),
    ],
)
def test_plan_bad_input_is_a_clear_400(api, body, code):
    response = api.call("POST", "/v1/plans", body)
    assert response.status_code == 400 and error_codes(response)[0] == code, response.content


def test_another_merchants_plans_and_subscriptions_do_not_exist(api, other_merchant):
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    other = ApiClient(other_merchant.test_secret)
    assert other.call("GET", f"/v1/plans/{created['id']}").status_code == 404
    assert other.call("PUT", f"/v1/plans/{created['id']}", {"amount": "1"}).status_code == 404
    assert other.call("DELETE", f"/v1/subscriptions/{subscription['id']}").status_code == 404
    assert ok(other.call("GET", "/v1/subscriptions?pay_type=Card"))["total_count"] == 0
    # nor can their plan be used with my customer, or my plan with theirs
    other_plan = plan(other)
    body = {
        "pay_type": "Card",
        "plan_id": other_plan["id"],
        "customer_id": customer_id,
        "start_date": "2027/02/01",
    }
    assert error_codes(api.call("POST", "/v1/subscriptions", body)) == ["E1700000001"]
    assert error_codes(other.call("POST", "/v1/subscriptions", body)) == ["E1200000001"]


# --- Subscriptions ------------------------------------------------------------------------


def test_subscription_answers_as_fincode_and_lists(api):
    created = plan(api)
    customer_id, card_id = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id, initial_amount="500", client_field_1="box-42")
    assert subscription["status"] == "ACTIVE" and subscription["id"].startswith("su_")
    assert subscription["start_date"] == "2027/01/31 00:00:00.000"
    assert subscription["next_charge_date"] == "2027/01/31 00:00:00.000"
    assert (subscription["amount"], subscription["tax"], subscription["total_amount"]) == (1000, 100, 1100)
    assert (subscription["initial_amount"], subscription["initial_tax"]) == (500, 0)
    assert subscription["card_id"] is None  # the default card at each charge
    assert subscription["end_month_flag"] == "0" and subscription["client_field_1"] == "box-42"
    assert ok(api.call("GET", f"/v1/plans/{created['id']}"))["used_flag"] == "1"
    listed = ok(api.call("GET", f"/v1/subscriptions?pay_type=Card&customer_id={customer_id}&status=ACTIVE"))
    assert [s["id"] for s in listed["list"]] == [subscription["id"]]
    named = subscribe(api, created["id"], customer_id, card_id=card_id, id="sub-1")
    assert named["id"] == "sub-1" and named["card_id"] == card_id
    assert error_codes(api.call("GET", "/v1/subscriptions")) == ["E1700080001"]  # pay_type required


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"start_date": "2027/01/19"}, "E1700000007"),  # before today (Japan)
        ({"start_date": "2027/02/30"}, "E1700130002"),
        ({"stop_date": "2027/01/01"}, "E1700000008"),
        ({"plan_id": "nope"}, "E1700000001"),
        ({"customer_id": "nope"}, "E1200000001"),
        ({"card_id": "cs_0000000000000000000000"}, "E1100000002"),
        ({"payment_method_id": "pm_x"}, "E1700000010"),
        ({"pay_type": "Konbini"}, "E1700080006"),
        ({"initial_amount": "0"}, "E1700160005"),
        ({"end_month_flag": "2"}, "E1700150006"),
    ],
)
def test_subscription_bad_input_is_a_clear_4xx_and_writes_nothing(api, change, code):
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    body = {
        "pay_type": "Card",
        "plan_id": created["id"],
        "customer_id": customer_id,
        "start_date": "2027/01/31",
    }
    response = api.call("POST", "/v1/subscriptions", {**body, **change})
    assert 400 <= response.status_code < 500 and error_codes(response) == [code], response.content
    assert not Subscription.objects.exists()


def test_a_customer_without_a_default_card_cannot_subscribe_without_card_id(api):
    created = plan(api)
    ok(api.call("POST", "/v1/customers", {"id": "no-card"}))
    body = {
        "pay_type": "Card",
        "plan_id": created["id"],
        "customer_id": "no-card",
        "start_date": "2027/01/31",
    }
    assert error_codes(api.call("POST", "/v1/subscriptions", body)) == ["E1100000003"]


def test_subscribed_customers_cards_and_plans_cannot_be_deleted(api):
    created = plan(api)
    customer_id, card_id = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id, card_id=card_id)
    assert error_codes(api.call("DELETE", f"/v1/plans/{created['id']}")) == ["E1700000003"]
    assert error_codes(api.call("DELETE", f"/v1/customers/{customer_id}")) == ["E1700000015"]
    assert error_codes(api.call("DELETE", f"/v1/customers/{customer_id}/cards/{card_id}")) == ["E1700000016"]
    assert ok(api.call("DELETE", f"/v1/subscriptions/{subscription['id']}"))["status"] == "CANCELED"
    assert ok(api.call("DELETE", f"/v1/plans/{created['id']}"))["delete_flag"] == "1"
    assert ok(api.call("DELETE", f"/v1/customers/{customer_id}"))["delete_flag"] == "1"
    assert ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))["customer_id"] is None


# --- Billing --------------------------------------------------------------------------------


def test_monthly_billing_across_period_boundaries_exactly_once(api):
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id, initial_amount="500", initial_tax="50")
    assert run_billing(date(2027, 1, 30)) == []  # not due yet
    assert run_billing(date(2027, 1, 31), times=3) == ["SUCCEEDED"]  # repeated ticks charge once
    assert run_billing(date(2027, 2, 27)) == []
    assert run_billing(date(2027, 2, 28), times=2) == ["SUCCEEDED"]  # the 31st falls on the 28th
    assert run_billing(date(2027, 3, 31)) == ["SUCCEEDED"]  # and back on the 31st
    found = results(api, subscription["id"])
    assert [(r["status"], r["total_amount"], r["charge_date"][:10]) for r in found] == [
        ("SUCCEEDED", 550, "2027/01/31"), ("SUCCEEDED", 1100, "2027/02/28"), ("SUCCEEDED", 1100, "2027/03/31"),
    ]  # fmt: skip
    payments = Payment.objects.filter(order_id__in=[r["order_id"] for r in found])
    assert sorted(p.status for p in payments) == ["CAPTURED"] * 3
    assert {r["access_id"] for r in found} == {p.access_id for p in payments}
    assert found[0]["card_no"].endswith("1111") and "4111111111111111" not in str(found)
    after = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert after["next_charge_date"] == "2027/04/30 00:00:00.000" and after["status"] == "ACTIVE"


def test_end_of_month_flag_and_longer_intervals(api):
    every_two = plan(api, interval_pattern="month", interval_count="2")
    yearly = plan(api, interval_pattern="year", interval_count="1")
    customer_id, _ = customer_with_card(api)
    month_end = subscribe(api, every_two["id"], customer_id, start="2027/01/20", end_month_flag="1")
    assert month_end["next_charge_date"].startswith("2027/01/31")
    year = subscribe(api, yearly["id"], customer_id, start="2027/02/01")
    run_billing(date(2027, 1, 31))
    run_billing(date(2027, 2, 1))
    assert ok(api.call("GET", f"/v1/subscriptions/{month_end['id']}"))["next_charge_date"].startswith(
        "2027/03/31"
    )
    assert ok(api.call("GET", f"/v1/subscriptions/{year['id']}"))["next_charge_date"].startswith("2028/02/01")


def test_a_declined_charge_is_retried_on_schedule_and_reported(api):
    hook = {"url": "https://shop.example.com/hook", "event": "recurring.card.batch"}
    ok(api.call("POST", "/v1/webhook_settings", hook))
    created = plan(api)
    customer_id, card_id = customer_with_card(api, DECLINED)
    subscription = subscribe(api, created["id"], customer_id)
    assert run_billing(date(2027, 1, 31)) == ["FAILED"]
    failed = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert failed["error_code"] == "E1000000004" and failed["status"] == "ACTIVE"
    assert failed["next_charge_date"].startswith("2027/02/01")  # the retry (SUBSCRIPTION_RETRY_DAYS)
    assert run_billing(date(2027, 1, 31)) == []  # not again the same day
    # The customer replaces the card; the retry on the next day succeeds.
    ok(api.call("PUT", f"/v1/customers/{customer_id}/cards/{card_id}", {"token": token(api, MASTERCARD)}))
    assert run_billing(date(2027, 2, 1)) == ["SUCCEEDED"]
    found = results(api, subscription["id"])
    assert [(r["status"], r["attempt"], r["error_code"]) for r in found] == [
        ("FAILED", 1, "E1000000004"), ("SUCCEEDED", 2, None),
    ]  # fmt: skip
    assert ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))["next_charge_date"].startswith(
        "2027/02/28"
    )
    batches = [e.payload for e in WebhookEvent.objects.filter(event="recurring.card.batch").order_by("id")]
    assert [(b["succeeded"], b["failed"], b["total"], b["charge_date"]) for b in batches] == [
        ("0", "1", "1", "2027/01/31"), ("1", "0", "1", "2027/02/01"),
    ]  # fmt: skip


def test_after_the_last_retry_the_period_is_given_up_and_the_next_one_charged(api, settings):
    settings.SUBSCRIPTION_RETRY_DAYS = (1, 3)
    created = plan(api)
    customer_id, _ = customer_with_card(api, DECLINED)
    subscription = subscribe(api, created["id"], customer_id)
    for day in (date(2027, 1, 31), date(2027, 2, 1), date(2027, 2, 3)):
        assert run_billing(day) == ["FAILED"]
    after = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert after["next_charge_date"].startswith("2027/02/28") and after["status"] == "ACTIVE"
    assert [r["attempt"] for r in results(api, subscription["id"])] == [1, 2, 3]
    assert not SubscriptionCharge.objects.filter(status="SUCCEEDED").exists()


def test_a_new_amount_applies_from_the_next_period(api):
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    run_billing(date(2027, 1, 31))
    ok(api.call("PUT", f"/v1/plans/{created['id']}", {"amount": "2000"}))
    cheaper = plan(api, amount="300", tax="0")
    ok(
        api.call(
            "PUT", f"/v1/subscriptions/{subscription['id']}", {"pay_type": "Card", "stop_date": "2027/04/15"}
        )
    )
    run_billing(date(2027, 2, 28))
    ok(
        api.call(
            "PUT", f"/v1/subscriptions/{subscription['id']}", {"pay_type": "Card", "plan_id": cheaper["id"]}
        )
    )
    run_billing(date(2027, 3, 31))
    assert run_billing(date(2027, 4, 30)) == []  # after the stop date
    assert [r["total_amount"] for r in results(api, subscription["id"])] == [1100, 2100, 300]
    assert ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))["next_charge_date"] is None


def test_cancel_stops_charges_and_raises_the_webhooks(api):
    for event in ("subscription.card.regist", "subscription.card.update", "subscription.card.delete"):
        ok(api.call("POST", "/v1/webhook_settings", {"url": "https://shop.example.com/hook", "event": event}))
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    ok(
        api.call(
            "PUT", f"/v1/subscriptions/{subscription['id']}", {"pay_type": "Card", "client_field_2": "x"}
        )
    )
    canceled = ok(api.call("DELETE", f"/v1/subscriptions/{subscription['id']}"))
    assert canceled["status"] == "CANCELED" and canceled["next_charge_date"] is None
    assert run_billing(date(2027, 1, 31)) == []
    assert error_codes(api.call("DELETE", f"/v1/subscriptions/{subscription['id']}")) == ["E1700000006"]
    events = list(WebhookEvent.objects.order_by("id"))
    assert [e.event for e in events] == [
        "subscription.card.regist", "subscription.card.update", "subscription.card.delete",
    ]  # fmt: skip
    assert (
        events[-1].payload["status"] == "CANCELED"
        and events[-1].payload["subscription_id"] == subscription["id"]
    )
    assert all(e.deliveries.count() == 1 for e in events)


def test_a_charge_left_half_done_by_a_dead_process_is_finished_once(api, settings):
    """A process claimed the period and registered its payment, then died: the next sweep after
    the lease takes the same attempt (and payment) up again."""
    settings.SUBSCRIPTION_CHARGE_LEASE_SECONDS = 0
    created = plan(api)
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    pk = Subscription.objects.get(subscription_id=subscription["id"]).pk
    attempt = billing.charge_claim(subscription_pk=pk, today=date(2027, 1, 31))
    assert attempt is not None
    billing._payment(attempt)  # registered; then the process dies before executing
    assert ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))["status"] == "RUNNING"
    assert run_billing(date(2027, 1, 31), times=2) == ["SUCCEEDED"]
    assert SubscriptionCharge.objects.get().payment.status == "CAPTURED"
    assert Payment.objects.count() == 1


def test_several_subscriptions_due_the_same_day_are_all_charged(api):
    created = plan(api)
    first, _ = customer_with_card(api, customer_id="a")
    second, _ = customer_with_card(api, customer_id="b")
    subscribe(api, created["id"], first)
    subscribe(api, created["id"], second)
    assert run_billing(date(2027, 1, 31), times=2) == ["SUCCEEDED", "SUCCEEDED"]


def test_an_acquirer_failing_without_an_answer_is_tried_again_then_counted_as_failed(api, settings):
    """HTTP 500 from the acquirer charges nothing: the same attempt is made again (at most
    SUBSCRIPTION_CHARGE_TRIES calls), then it is a failed charge with its retry day."""
    settings.SUBSCRIPTION_CHARGE_LEASE_SECONDS = 0
    settings.SUBSCRIPTION_CHARGE_TRIES = 3
    created = plan(api)
    customer_id, _ = customer_with_card(api, ERROR_500)
    subscription = subscribe(api, created["id"], customer_id)
    outcomes = []
    for _ in range(5):
        outcomes += run_billing(date(2027, 1, 31))
        for payment in Payment.objects.filter(pending_operation__isnull=False):  # as payments' sweep does
            payment_reconcile(payment_id=payment.pk)
    assert outcomes[-1] == "FAILED" and set(outcomes[:-1]) <= {"PENDING"}
    charge = SubscriptionCharge.objects.get()
    assert charge.tries == 3 and charge.error_code.startswith("E10000000")
    assert Payment.objects.count() == 1  # one attempt, one payment, tried three times
    after = ok(api.call("GET", f"/v1/subscriptions/{subscription['id']}"))
    assert after["next_charge_date"].startswith("2027/02/01") and after["status"] == "ACTIVE"


def test_merchant_pages_list_subscriptions_and_show_every_charge(api, merchant, client):
    created = plan(api, plan_name="Tea box")
    customer_id, _ = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    run_billing(date(2027, 1, 31))
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/subscriptions/"
    listed = client.get(base)
    assert listed.status_code == 200
    assert subscription["id"] in listed.content.decode() and "Tea box" in listed.content.decode()
    detail = client.get(f"{base}test/{subscription['id']}/")
    page = detail.content.decode()
    assert detail.status_code == 200 and "SUCCEEDED" in page and "2027-01-31" in page
    order_id = SubscriptionCharge.objects.get().payment.order_id
    assert f"/payments/test/{order_id}/" in page
    # another merchant's subscription is not found
    assert client.get(f"{base}test/su_nope/").status_code == 404


def test_merchant_pages_show_a_customers_payment_methods_and_subscriptions(
    api, merchant, other_merchant, client
):
    created = plan(api, plan_name="Tea box")
    customer_id, card_id = customer_with_card(api)
    subscription = subscribe(api, created["id"], customer_id)
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/customers/"
    listed = client.get(base).content.decode()
    assert customer_id in listed
    page = client.get(f"{base}test/{customer_id}/").content.decode()
    assert card_id in page and "************1111" in page and subscription["id"] in page
    assert "4111111111111111" not in page
    client.force_login(other_merchant.owner)  # not theirs: no such merchant for them
    assert client.get(f"{base}test/{customer_id}/").status_code == 404
