import base64

import pytest

from payments.models import Payment, PaymentEvent
from tests.payments.flows import DEVICE, act, execute, get, ok, register, sim, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def test_konbini_paid_at_the_till(api, receiver):
    subscribe(api, receiver.url, "payments.konbini.exec", "payments.konbini.complete")
    payment = register(api, "Konbini", amount="1500", tax="150")
    executed = ok(execute(api, payment, payment_term_day="3"))
    assert executed["status"] == "AWAITING_CUSTOMER_PAYMENT"
    assert len(executed["order_serial"]) == 18 and executed["result"] == "000"
    assert executed["payment_term_day"] == 3 and executed["payment_term"].endswith("23:59:59.999")
    assert base64.b64decode(executed["barcode"]).startswith(b"\x89PNG")
    assert executed["barcode_format"] == "png"
    paid = sim("konbini/v1/store/payments", {"slip_id": executed["order_serial"], "konbini_code": "00020"})
    assert paid.status_code == 200, paid.content
    final = get(api, payment)
    assert final["status"] == "CAPTURED"
    assert final["konbini_code"] == "00020" and final["payment_date"]
    assert final["overpayment_flag"] == "0"
    events = [r.json for r in receiver.wait_for(2)]
    assert [e["event"] for e in events] == ["payments.konbini.exec", "payments.konbini.complete"]
    assert events[1]["amount"] == "1500" and events[1]["tax"] == "150" and events[1]["status"] == "CAPTURED"
    # Paying the same slip again: fincode's overpayment flag, nothing else changes.
    sim("konbini/v1/store/payments", {"slip_id": executed["order_serial"]})
    again = get(api, payment)
    assert again["status"] == "CAPTURED" and again["overpayment_flag"] == "1"
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], action="complete").count() == 1


def test_konbini_expires_unpaid(api, receiver):
    subscribe(api, receiver.url, "payments.konbini.expired.update.batch")
    payment = register(api, "Konbini")
    ok(execute(api, payment))
    assert sim(f"konbini/v1/slips/{payment['access_id']}/expire").status_code == 200
    assert get(api, payment)["status"] == "EXPIRED"
    [event] = [r.json for r in receiver.wait_for(1)]
    assert event["event"] == "payments.konbini.expired.update.batch" and event["status"] == "EXPIRED"
    refused = sim("konbini/v1/store/payments", {"reference": payment["access_id"]})
    assert refused.status_code == 409
    assert get(api, payment)["status"] == "EXPIRED"


def test_konbini_barcode_and_cancel(api):
    payment = register(api, "Konbini")
    executed = ok(execute(api, payment))
    barcode = ok(api.call("PUT", f"/v1/payments/{payment['id']}/barcode", {
        "pay_type": "Konbini", "access_id": payment["access_id"], **DEVICE, "win_width": "200"}))  # fmt: skip
    assert int(barcode["barcode_width"]) <= 200 < int(executed["barcode_width"])
    canceled = ok(act(api, payment, "cancel"))
    assert canceled["status"] == "CANCELED"
    # Paid after cancellation (the barcode still scans): the flag, not a capture.
    sim("konbini/v1/store/payments", {"reference": payment["access_id"]})
    final = get(api, payment)
    assert final["status"] == "CANCELED" and final["cancel_overpayment_flag"] == "1"
    late = api.call(
        "PUT",
        f"/v1/payments/{payment['id']}/barcode",
        {"pay_type": "Konbini", "access_id": payment["access_id"], **DEVICE},
    )
    assert late.status_code == 409 and late.json()["errors"][0]["error_code"] == "E1000000024"


@pytest.mark.parametrize(
    ("sent", "status", "amount", "tax"),
    [(3300, "CAPTURED", 3000, 300), (5000, "CAPTURED", 5000, 0), (1000, "CAPTURED", 1000, 0)],
    ids=["exact", "over", "under"],
)
def test_virtual_account_transfers(api, receiver, sent, status, amount, tax):
    subscribe(api, receiver.url, "payments.virtualaccount.complete")
    payment = register(api, "Virtualaccount", billing_amount="3000", billing_tax="300")
    executed = ok(execute(api, payment, payment_term_day="5"))
    assert executed["status"] == "AWAITING_CUSTOMER_PAYMENT"
    assert len(executed["va_account_number"]) == 7 and executed["va_branch_code"] == "101"
    assert executed["billing_total_amount"] == 3300
    sent_ok = sim("bank/v1/transfers", {"account_number": executed["va_account_number"], "amount": sent})
    assert sent_ok.status_code == 200, sent_ok.content
    final = get(api, payment)
    assert (final["status"], final["amount"], final["tax"]) == (status, amount, tax)
    assert (
        final["billing_amount"] == 3000
        and final["billing_tax"] == 300
        and final["transferred_amount"] == sent
    )
    assert final["remitter_account_name"] == "ヤマダ タロウ" and final["transaction_date"]
    [event] = [r.json for r in receiver.wait_for(1)]
    assert event["event"] == "payments.virtualaccount.complete" and event["transferred_amount"] == sent
    # A second transfer: overpayment flag, the sum kept, no second capture.
    sim("bank/v1/transfers", {"account_number": executed["va_account_number"], "amount": 100})
    again = get(api, payment)
    assert again["overpayment_flag"] == "1" and again["transferred_amount"] == sent + 100
    assert Payment.objects.get(order_id=payment["id"]).event_seq == 3
