import pytest

from payments.models import Payment, PaymentEvent, WebhookDelivery
from tests.payments.flows import buyer, execute, get, ok, register, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def test_paypay_register_execute_approve_captured(api, receiver):
    subscribe(api, receiver.url, "payments.paypay.exec", "payments.paypay.complete")
    payment = register(api, "Paypay", order_description="Green tea")
    assert payment["status"] == "UNPROCESSED" and payment["wallet"] == "paypay"
    executed = ok(execute(api, payment))
    assert executed["status"] == "AWAITING_CUSTOMER_PAYMENT"
    assert executed["code_url"].startswith("http://testserver/simulators/paypay/pay/c_")
    assert executed["pending_operation"] is None
    buyer(executed["code_url"])
    final = get(api, payment)
    assert final["status"] == "CAPTURED"
    assert final["payment_date"]
    received = receiver.wait_for(2)
    assert [r.json["event"] for r in received] == ["payments.paypay.exec", "payments.paypay.complete"]
    assert [r.json["event_sequence"] for r in received] == [2, 3]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2
    history = list(
        PaymentEvent.objects.filter(payment__order_id=payment["id"]).values_list("action", "to_status")
    )
    assert history == [
        ("register", "UNPROCESSED"),
        ("execute", "AWAITING_CUSTOMER_PAYMENT"),
        ("complete", "CAPTURED"),
    ]
    assert Payment.objects.get(order_id=payment["id"]).event_seq == 3
