"""Wallet aggregator, provider failures, throttling and circuit breaker, validation of the async pay types."""

import time

import pytest

from payments.models import Payment, PaymentEvent, WalletTerms
from payments.providers import breaker
from payments.providers.throttle import provider_throttle
from payments.tasks import sweep_pending_payments
from simulators.models import SimulatedProviderPayment
from tests.payments.flows import DEVICE, act, buyer, execute, get, ok, register, sim, subscribe
from tests.processes import http
from tests.support import error_codes

pytestmark = pytest.mark.django_db(transaction=True)
# No provider call, nothing queued on commit: the fast, rolled-back database is enough.
FAST = pytest.mark.django_db


@FAST
def test_wallet_from_the_extension_field_or_the_contract(api, merchant):
    assert register(api, "Paypay", wallet="dpay")["wallet"] == "dpay"
    WalletTerms.objects.create(
        merchant=merchant.merchant, wallets=["rakutenpay", "dpay"], default_wallet="rakutenpay"
    )
    assert register(api, "Paypay")["wallet"] == "rakutenpay"
    refused = api.call(
        "POST", "/v1/payments", {"pay_type": "Paypay", "job_code": "AUTH", "amount": "10", "wallet": "paypay"}
    )
    assert refused.status_code == 403 and error_codes(refused) == ["E1000000022"]
    unknown = api.call(
        "POST", "/v1/payments", {"pay_type": "Paypay", "job_code": "AUTH", "amount": "10", "wallet": "x"}
    )
    assert unknown.status_code == 400 and error_codes(unknown) == ["E1000530006"]
    assert Payment.objects.count() == 2


@FAST
def test_an_operation_inside_a_callers_transaction_does_not_wait_for_a_worker(api, settings, monkeypatch):
    """The provider call is queued when the caller's transaction commits: waiting inside it could
    only wait out the deadline while holding the caller's locks."""
    settings.PAYMENTS_PROVIDER_WAIT_SECONDS = 30

    def no_waiting(seconds):
        raise AssertionError(f"waited {seconds} s for a provider call that cannot start yet")

    payment = register(api, "Konbini")
    monkeypatch.setattr(time, "sleep", no_waiting)
    answer = ok(execute(api, payment))
    assert answer["status"] == "UNPROCESSED" and answer["id"] == payment["id"]
    assert Payment.objects.get(order_id=payment["id"]).pending_reference  # queued, not lost


@pytest.mark.parametrize("wallet", ["paypay", "dpay", "rakutenpay"])
def test_wallet_auth_change_capture_cancel(api, receiver, wallet):
    subscribe(api, receiver.url, "payments.paypay.complete", "payments.paypay.change", "payments.paypay.capture",
              "payments.paypay.cancel")  # fmt: skip
    payment = register(api, "Paypay", job_code="AUTH", amount="1000", wallet=wallet)
    buyer(ok(execute(api, payment))["code_url"])
    authorized = get(api, payment)
    assert authorized["status"] == "AUTHORIZED" and authorized["auth_max_date"]
    changed = ok(act(api, payment, "change", amount="800", update_description="one item less"))
    assert (changed["status"], changed["amount"], changed["update_description"]) == (
        "AUTHORIZED",
        800,
        "one item less",
    )
    assert changed["merchant_update_id"]
    captured = ok(act(api, payment, "capture", capture_description="shipped"))
    assert (
        captured["status"] == "CAPTURED"
        and captured["merchant_capture_id"]
        and captured["auth_max_date"] is None
    )
    canceled = ok(act(api, payment, "cancel"))
    assert canceled["status"] == "CANCELED" and canceled["merchant_revert_id"]
    events = [r.json for r in receiver.wait_for(4)]
    assert [(e["event"], e["status"], e["amount"]) for e in events] == [
        ("payments.paypay.complete", "AUTHORIZED", "1000"), ("payments.paypay.change", "AUTHORIZED", "800"),
        ("payments.paypay.capture", "CAPTURED", "800"), ("payments.paypay.cancel", "CANCELED", "800"),
    ]  # fmt: skip
    row = SimulatedProviderPayment.objects.get(provider=wallet)
    assert (row.state, row.amount, len(row.references)) == ("canceled", 800, 4)


def test_buyer_declines_in_the_wallet(api, receiver):
    subscribe(api, receiver.url, "payments.paypay.failed")
    payment = register(api, "Paypay")
    buyer(ok(execute(api, payment))["code_url"], action="decline")
    assert get(api, payment)["status"] == "FAILED"
    assert receiver.wait_for(1)[0].json["event"] == "payments.paypay.failed"


def test_operations_the_pay_type_does_not_have(api):
    konbini = register(api, "Konbini")
    ok(execute(api, konbini))
    for name, code in (
        ("capture", "E1000000020"),
        ("change", "E1000000020"),
        ("auth", "E1000000020"),
        ("secure", "E1000000020"),
    ):
        response = act(api, konbini, name, amount="10")
        assert response.status_code == 400 and error_codes(response) == [code], (name, response.content)
    wallet = register(api, "Paypay", job_code="AUTH")
    early = act(api, wallet, "capture")
    assert early.status_code == 409 and error_codes(early) == ["E1000000002"]
    wrong = act(api, wallet, "cancel", pay_type="Konbini")
    assert wrong.status_code == 400 and error_codes(wrong) == ["E1000000011"]
    assert Payment.objects.get(order_id=wallet["id"]).pending_operation is None


@FAST
@pytest.mark.parametrize(
    ("pay_type", "body", "code"),
    [
        ("Konbini", {"device_name": None}, "E1000420001"),
        ("Konbini", {"payment_term_day": "15"}, "E1000410005"),
        ("Konbini", {"win_size_type": "3"}, "E1000460002"),
        ("Paypay", {"redirect_url": "javascript:alert(1)"}, "E1000380002"),
        ("Paypay", {"redirect_type": "9"}, "E1000390006"),
        ("Virtualaccount", {"reference_order_id": "o_old"}, "E1000490002"),
        ("Virtualaccount", {"payment_term_day": "100"}, "E1000410005"),
    ],
)
def test_execute_rejects_bad_input_and_changes_nothing(api, pay_type, body, code):
    payment = register(api, pay_type)
    base = {**DEVICE} if pay_type == "Konbini" else {}
    response = execute(api, payment, **{**base, **body})
    assert response.status_code == 400 and code in error_codes(response), response.content
    stored = Payment.objects.get(order_id=payment["id"])
    assert (stored.status, stored.pending_operation) == ("UNPROCESSED", None)
    assert not SimulatedProviderPayment.objects.exists()


@FAST
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"pay_type": "Paypay", "amount": "100"}, "E1000030001"),
        ({"pay_type": "Paypay", "job_code": "CHECK", "amount": "100"}, "E1000030006"),
        ({"pay_type": "Konbini", "amount": "0"}, "E1000040005"),
        ({"pay_type": "Konbini", "amount": "300000"}, "E1000000009"),
        ({"pay_type": "Virtualaccount", "amount": "100"}, "E1000470001"),
        ({"pay_type": "Virtualaccount", "billing_amount": "1.5"}, "E1000470002"),
    ],
)
def test_register_rejects_bad_input(api, body, code):
    response = api.call("POST", "/v1/payments", body)
    assert response.status_code == 400 and code in error_codes(response), response.content
    assert not Payment.objects.exists()


@FAST
def test_live_mode_without_providers_is_a_clear_error(live_api):
    payment = register(live_api, "Paypay")
    response = execute(live_api, payment)
    assert response.status_code == 503 and error_codes(response) == ["E1000000023"]
    assert Payment.objects.get(order_id=payment["id"]).pending_operation is None


def test_provider_5xx_is_retried_by_reconciliation_without_a_second_code(api, settings):
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 0
    sim("dpay/control", {"fail_status": 503, "fail_count": 1})
    payment = register(api, "Paypay", wallet="dpay")
    pending = ok(execute(api, payment))
    assert (pending["status"], pending["pending_operation"]) == ("UNPROCESSED", "execute")
    sweep_pending_payments.apply()  # reconcile: the wallet never saw it → sent again, same reference
    final = get(api, payment)
    assert final["status"] == "AWAITING_CUSTOMER_PAYMENT" and final["code_url"]
    assert SimulatedProviderPayment.objects.count() == 1
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], action="execute").count() == 1


def test_provider_refusal_is_the_answer_and_the_payment_stays_retryable(api):
    payment = register(api, "Virtualaccount", billing_amount="3000")
    ok(execute(api, payment))
    canceled = ok(act(api, payment, "cancel"))
    assert canceled["status"] == "CANCELED"
    konbini = register(api, "Konbini")
    ok(execute(api, konbini))
    sim("konbini/v1/store/payments", {"reference": konbini["access_id"]})
    paid_already = act(api, konbini, "cancel")  # CAPTURED: the network refuses to cancel a paid slip
    assert paid_already.status_code == 402 and error_codes(paid_already) == ["E1000000021"]
    stored = Payment.objects.get(order_id=konbini["id"])
    assert (stored.status, stored.pending_operation, stored.error_code) == ("CAPTURED", None, "E1000000021")


@FAST
def test_breaker_opens_after_failures_and_lets_one_probe_through(settings):
    settings.PROVIDER_BREAKER_FAILURES, settings.PROVIDER_BREAKER_COOLDOWN = 3, 1
    assert breaker.breaker_allow("dpay") == 0
    for _ in range(3):
        breaker.breaker_failure("dpay")
    wait = breaker.breaker_allow("dpay")
    assert 0 < wait <= 1
    assert breaker.breaker_allow("paypay") == 0  # one breaker per provider
    time.sleep(wait + 0.05)
    assert breaker.breaker_allow("dpay") == 0  # the probe
    assert breaker.breaker_allow("dpay") > 0  # nobody else while it runs
    breaker.breaker_success("dpay")
    assert breaker.breaker_allow("dpay") == 0 and breaker.breaker_state("dpay") == {"state": "closed"}


@FAST
def test_throttle_per_provider(settings):
    settings.PROVIDER_RATE_PER_SECOND = {**settings.PROVIDER_RATE_PER_SECOND, "konbini": 1}
    settings.PROVIDER_BURST = 2
    waits = [provider_throttle("konbini") for _ in range(4)]
    assert waits[:2] == [0.0, 0.0] and all(0 < w <= 1.0 for w in waits[2:])
    assert provider_throttle("bank") == 0.0


def test_throttled_calls_wait_instead_of_calling(api, settings):
    settings.PROVIDER_RATE_PER_SECOND = {**settings.PROVIDER_RATE_PER_SECOND, "bank": 1}
    settings.PROVIDER_BURST = 1
    first, second = register(api, "Virtualaccount"), register(api, "Virtualaccount")
    assert ok(execute(api, first))["status"] == "AWAITING_CUSTOMER_PAYMENT"
    deferred = ok(execute(api, second))
    assert (deferred["status"], deferred["pending_operation"]) == ("UNPROCESSED", "execute")
    assert SimulatedProviderPayment.objects.count() == 1


def test_a_slow_wallet_is_cut_off_and_the_others_stay_fast(server, api, settings):
    """Over the network (timeouts are real): d払い hangs, its breaker opens, PayPay is unaffected."""
    settings.PROVIDER_SIMULATOR_URL, settings.PROVIDER_NOTIFY_BASE_URL = f"{server}/simulators", server
    settings.PROVIDER_TIMEOUTS = {**settings.PROVIDER_TIMEOUTS, "dpay": 0.3}
    settings.PROVIDER_BREAKER_FAILURES = 2
    http.post(f"{server}/simulators/dpay/control", json={"latency": 1.5}).raise_for_status()
    took = []
    for _ in range(3):
        payment = register(api, "Paypay", wallet="dpay")
        started = time.monotonic()
        answer = ok(execute(api, payment))
        took.append(time.monotonic() - started)
        assert (answer["status"], answer["pending_operation"]) == ("UNPROCESSED", "execute")
    assert all(t < 1.0 for t in took), took  # never the wallet's 1.5 s
    # Breaker open: the third is not even tried (two calls reached the wallet), so it does not
    # wait out the 0.3 s timeout the first two waited (compared with them, not with a fixed
    # time: on a busy machine an answer without the call took 0.22 s).
    assert http.get(f"{server}/simulators/dpay/control").json()["calls"] == 2
    assert min(took[:2]) >= 0.3 and took[2] < min(took[:2]), took
    assert breaker.breaker_state("dpay")["state"] == "open"
    fast = register(api, "Paypay", wallet="paypay")
    started = time.monotonic()
    assert ok(execute(api, fast))["status"] == "AWAITING_CUSTOMER_PAYMENT"
    assert time.monotonic() - started < 1.0
