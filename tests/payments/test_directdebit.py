"""Direct debit (``Directdebit``, 口座振替): register, execute on a target date, change, cancel; the
bank's result by notification (processed by Celery) on its clearing day."""

from datetime import timedelta

import pytest

from payments.models import DirectDebitAccount, Payment, PaymentEvent, Status
from tests.payments.directdebit_helpers import (
    activated_account,
    add_account,
    clearing,
    customer,
    execute,
    next_target,
    register,
    text,
)
from tests.payments.flows import act, get, ok, sim, subscribe
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = ("payments.directdebit.regist", "payments.directdebit.exec", "payments.directdebit.change",
          "payments.directdebit.cancel", "payments.directdebit.complete")  # fmt: skip


def test_debit_withdrawn_on_the_target_date(api, receiver):
    subscribe(api, receiver.url, *EVENTS)
    buyer = customer(api)
    account = activated_account(api, buyer["id"])
    payment = register(api, amount="3000", tax="300", remarks="ｹﾞｯｶﾞｸ")
    assert payment["status"] == "UNPROCESSED" and payment["pay_type"] == "Directdebit"
    target = next_target()
    executed = ok(execute(api, payment, buyer["id"], target))
    assert executed["status"] == "AWAITING_PAYMENT_APPROVAL"
    assert executed == {**executed, "payment_method_id": account["id"], "customer_id": buyer["id"],
                        "target_date": text(target), "request_accept_end_date": text(target - timedelta(days=7)),
                        "transfer_return_date": text(target + timedelta(days=2)), "bank_code": "0310",
                        "bank_name": "GMOあおぞらネット銀行", "branch_code": "101", "remarks": "ｹﾞｯｶﾞｸ",
                        "result_code": None, "withdrawal_date": None, "total_amount": 3300}  # fmt: skip
    changed = ok(act(api, payment, "change", amount="2500", tax="250"))
    assert changed["status"] == "AWAITING_PAYMENT_APPROVAL" and changed["total_amount"] == 2750
    assert clearing(target - timedelta(days=1))["debits"] == []  # not due yet
    assert clearing(target)["debits"] == [payment["access_id"]]
    final = get(api, payment)
    assert final["status"] == "CAPTURED" and final["result_code"] == "0"
    assert final["withdrawal_date"] == text(target)
    found = ok(
        api.call("GET", f"/v1/customers/{buyer['id']}/payment_methods/{account['id']}?pay_type=Directdebit")
    )
    assert found["directdebit"]["last_result_code"] == "0"
    assert found["directdebit"]["last_withdrawal_date"].startswith(text(target))
    events = [r.json for r in receiver.wait_for(4)]
    assert [e["event"] for e in events] == [*EVENTS[:3], "payments.directdebit.complete"]
    assert events[-1] == {**events[-1], "status": "CAPTURED", "result_code": "0", "amount": "2500",
                          "payment_method_id": account["id"], "target_date": text(target)}  # fmt: skip
    # The bank says it again: nothing changes twice.
    sim(f"directdebit/payments/{payment['access_id']}/renotify")
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], action="complete").count() == 1


@pytest.mark.parametrize(("number", "code"), [("2222222", "1"), ("3333333", "2"), ("4444444", "3")])
def test_debit_fails_with_the_banks_result_code(api, receiver, number, code):
    subscribe(api, receiver.url, "payments.directdebit.complete")
    buyer = customer(api)
    activated_account(api, buyer["id"], account_number=number)
    payment = register(api)
    target = next_target()
    ok(execute(api, payment, buyer["id"], target))
    clearing(target)
    final = get(api, payment)
    assert final["status"] == "FAILED" and final["result_code"] == code and final["withdrawal_date"] is None
    [event] = [r.json for r in receiver.wait_for(1)]
    assert event["event"] == "payments.directdebit.complete" and event["result_code"] == code


def test_cancel_before_the_request_period_ends(api):
    buyer = customer(api)
    account = activated_account(api, buyer["id"])
    payment = register(api)
    target = next_target()
    ok(execute(api, payment, buyer["id"], target))
    # A debit waiting for the bank keeps its account.
    refused = api.call("DELETE", f"/v1/customers/{buyer['id']}/payment_methods/{account['id']}")
    assert refused.status_code == 409 and error_codes(refused) == ["E1800000007"]
    canceled = ok(act(api, payment, "cancel"))
    assert canceled["status"] == "CANCELED"
    assert clearing(target)["debits"] == []
    assert get(api, payment)["status"] == "CANCELED"
    ok(api.call("DELETE", f"/v1/customers/{buyer['id']}/payment_methods/{account['id']}"))


def test_change_and_cancel_after_the_request_period_are_refused(api):
    buyer = customer(api)
    activated_account(api, buyer["id"])
    payment = register(api)
    ok(execute(api, payment, buyer["id"]))
    Payment.objects.filter(order_id=payment["id"]).update(target_date=next_target() - timedelta(days=40))
    for name, body in (("change", {"amount": "100"}), ("cancel", {})):
        response = act(api, payment, name, **body)
        assert response.status_code == 409 and error_codes(response) == ["E1800000008"]
    assert get(api, payment)["status"] == "AWAITING_PAYMENT_APPROVAL"


def test_execute_refusals_leave_the_payment_unprocessed(api, other_merchant):
    buyer = customer(api)
    pending = ok(add_account(api, buyer["id"]))  # not approved at the bank yet
    payment = register(api)
    cases = [
        (execute(api, payment, buyer["id"]), 400, "E1800000005"),
        (execute(api, payment, buyer["id"], next_target() + timedelta(days=1)), 400, "E1800000006"),
        (execute(api, payment, buyer["id"], payment_method_id="pm_" + "x" * 22), 404, "E1800000001"),
        (execute(api, payment, "c_nobody"), 404, "E1200000001"),
    ]
    other = ApiClient(other_merchant.test_secret)
    theirs = customer(other)
    their_account = activated_account(other, theirs["id"])
    cases += [
        (execute(api, payment, theirs["id"]), 404, "E1200000001"),
        (execute(api, payment, buyer["id"], payment_method_id=their_account["id"]), 404, "E1800000001"),
    ]
    bad_date = api.call("PUT", f"/v1/payments/{payment['id']}", {
        "pay_type": "Directdebit", "access_id": payment["access_id"], "customer_id": buyer["id"],
        "target_date": "2027-01-27"})  # fmt: skip
    cases.append((bad_date, 400, None))
    for response, status, code in cases:
        assert response.status_code == status, response.content
        if code:
            assert error_codes(response) == [code]
    row = Payment.objects.get(order_id=payment["id"])
    assert (
        row.status == Status.UNPROCESSED and row.pending_operation is None and row.payment_method_id is None
    )
    assert (
        DirectDebitAccount.objects.get(payment_method_id=pending["id"]).status == "AWAITING_CUSTOMER_ACTION"
    )
    # Another merchant cannot see or operate on the payment.
    assert other.call("GET", f"/v1/payments/{payment['id']}?pay_type=Directdebit").status_code == 404


def test_operations_of_other_pay_types_are_refused(api):
    buyer = customer(api)
    activated_account(api, buyer["id"])
    payment = register(api)
    ok(execute(api, payment, buyer["id"]))
    response = act(api, payment, "capture")
    assert response.status_code == 400 and error_codes(response) == ["E1000000020"]
