"""Provider notifications: signatures, storage once per event id, duplicates, order, polling when lost."""

import json

import pytest
from django.test import Client

from payments.models import Payment, PaymentEvent, ProviderNotification, WebhookDelivery
from payments.tasks import sweep_pending_payments
from simulators import bank, konbini
from simulators.wallets import DIALECTS
from tests.payments.flows import buyer, execute, get, ok, register, sim, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def _post(provider: str, body: dict, sign, client: Client | None = None):
    raw = json.dumps(body).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in sign(raw).items()}
    return (client or Client()).post(
        f"/notifications/{provider}", raw, content_type="application/json", **headers
    )


def _konbini_paid(payment: dict, event_id: str, **extra) -> dict:
    return {"event_id": event_id, "type": "paid", "reference": payment["access_id"], "amount": 1500,
            "paid_at": "2026-01-05T10:00:00+09:00", "konbini_code": "00010", "store_code": "123456", **extra}  # fmt: skip


def test_bad_signature_unknown_provider_and_garbage_store_nothing(api):
    payment = register(api, "Konbini")
    ok(execute(api, payment))
    body = _konbini_paid(payment, "e1")
    assert _post("konbini", body, lambda raw: {"X-Konbini-Signature": "0" * 64}).status_code == 401
    assert _post("konbini", body, DIALECTS["paypay"].sign).status_code == 401  # another provider's scheme
    assert _post("nobody", body, konbini.sign).status_code == 404
    assert _post("konbini", {"type": "paid"}, konbini.sign).status_code == 400  # no event id
    assert _post("konbini", {"event_id": "e2", "type": "refund"}, konbini.sign).status_code == 400
    raw = b"not json"
    garbage = Client().post("/notifications/konbini", raw, content_type="application/json",
                            HTTP_X_KONBINI_SIGNATURE=konbini.sign(raw)["X-Konbini-Signature"])  # fmt: skip
    assert garbage.status_code == 400
    assert Client().get("/notifications/konbini").status_code == 405
    assert not ProviderNotification.objects.exists()
    assert get(api, payment)["status"] == "AWAITING_CUSTOMER_PAYMENT"


def test_a_replayed_notification_is_stored_and_applied_once(api, receiver):
    subscribe(api, receiver.url, "payments.konbini.complete")
    payment = register(api, "Konbini")
    ok(execute(api, payment))
    body = _konbini_paid(payment, "paid-1")
    answers = [_post("konbini", body, konbini.sign).json() for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert ProviderNotification.objects.get().outcome == "applied"
    assert get(api, payment)["status"] == "CAPTURED"
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], action="complete").count() == 1
    assert len(receiver.wait_for(1)) == 1 and WebhookDelivery.objects.count() == 1


def test_out_of_order_notifications_never_go_backwards(api):
    payment = register(api, "Konbini")
    ok(execute(api, payment))
    assert _post("konbini", _konbini_paid(payment, "p"), konbini.sign).status_code == 200
    expired = {"event_id": "x", "type": "expired", "reference": payment["access_id"], "amount": 1500}
    assert _post("konbini", expired, konbini.sign).status_code == 200
    assert get(api, payment)["status"] == "CAPTURED"
    assert ProviderNotification.objects.get(event_id="x").outcome == "stale_captured"
    assert (
        PaymentEvent.objects.filter(payment__order_id=payment["id"], action="notification_ignored").count()
        == 1
    )


def test_a_transfer_after_expiry_raises_the_flag_only(api, settings):
    settings.PAYMENTS_POLL_INTERVAL_SECONDS = 0
    payment = register(api, "Virtualaccount", billing_amount="2000")
    executed = ok(execute(api, payment))
    sim(f"bank/v1/accounts/{payment['access_id']}/expire")
    sweep_pending_payments.apply()  # the bank does not notify expiry: the sweeper asks
    assert get(api, payment)["status"] == "EXPIRED"
    sim("bank/v1/transfers", {"account_number": executed["va_account_number"], "amount": 2000})
    final = get(api, payment)
    assert final["status"] == "EXPIRED" and final["expire_overpayment_flag"] == "1"
    assert final["transferred_amount"] == 2000 and final["amount"] == 2000


def test_a_lost_notification_is_found_by_polling(api, receiver, settings):
    settings.PAYMENTS_POLL_INTERVAL_SECONDS = 0
    subscribe(api, receiver.url, "payments.paypay.complete")
    sim("paypay/control", {"notifications": False})
    payment = register(api, "Paypay")
    executed = ok(execute(api, payment))
    buyer(executed["code_url"])
    assert get(api, payment)["status"] == "AWAITING_CUSTOMER_PAYMENT"  # nobody told us
    sweep_pending_payments.apply()
    assert get(api, payment)["status"] == "CAPTURED"
    [event] = PaymentEvent.objects.filter(payment__order_id=payment["id"], action="complete")
    assert event.actor == "reconciliation"
    sweep_pending_payments.apply()  # and again: nothing more
    assert len(receiver.wait_for(1)) == 1
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], to_status="CAPTURED").count() == 1


def test_test_mode_provider_cannot_touch_live_payments(live_api, settings):
    settings.PROVIDER_LIVE_URLS = {"konbini": "http://testserver/simulators/konbini"}
    settings.PROVIDER_SECRETS = {"konbini": "a-live-secret"}
    payment = register(live_api, "Konbini")
    ok(execute(live_api, payment))
    assert Payment.objects.get(order_id=payment["id"]).mode == "live"
    assert _post("konbini", _konbini_paid(payment, "cross"), konbini.sign).status_code == 200
    assert ProviderNotification.objects.get().outcome == "unknown_payment"
    assert get(live_api, payment)["status"] == "AWAITING_CUSTOMER_PAYMENT"


def test_bank_transfer_to_an_unknown_account_is_kept_and_ignored(api):
    body = {"event_id": "t1", "type": "transfer", "account_number": "0000000", "amount": 10,
            "transaction_date": "2026-01-05", "value_date": "2026-01-05"}  # fmt: skip
    assert _post("bank", body, bank.sign).status_code == 200
    assert ProviderNotification.objects.get().outcome == "unknown_payment"
    assert not Payment.objects.exists()
