"""Saved payment methods (fincode's ``/v1/customers/{id}/payment_methods``): cards, backed by the
saved cards, and bank accounts for direct debit confirmed by the (simulated) bank."""

import pytest
from django.test import Client

from payments import vault
from payments.models import Card, CardSecret, DirectDebitAccount
from tests.payments.directdebit_helpers import ACCOUNT, add_account, approve, customer
from tests.payments.flows import ok, sim, subscribe
from tests.payments.helpers import token
from tests.support import error_codes

pytestmark = pytest.mark.django_db(transaction=True)


def pm_url(customer_id: str, pm_id: str = "", query: str = "") -> str:
    return f"/v1/customers/{customer_id}/payment_methods" + (f"/{pm_id}" if pm_id else "") + query


def test_online_account_is_confirmed_by_the_bank(api, receiver):
    subscribe(api, receiver.url, "customers.payment_methods.updated")
    buyer = customer(api)
    created = ok(add_account(api, buyer["id"], return_url="https://shop.example.com/back"))
    assert created["id"].startswith("pm_") and len(created["id"]) == 25
    assert created["pay_type"] == "Directdebit" and created["customer_id"] == buyer["id"]
    assert created["status"] == "AWAITING_CUSTOMER_ACTION"
    assert created["default_flag"] == "1" and created["redirect_url_accessed_flag"] == "0"
    assert created["redirect_url"].startswith("http://testserver/directdebit/accounts/")
    assert created["card"] is None
    dd = created["directdebit"]
    assert dd["account_number"] == "****999" and dd["bank_name"] == "GMOあおぞらネット銀行"
    assert dd == {**dd, "application_type": "ONLINE", "bank_type": "0", "bank_code": "0310",
                  "branch_code": "101", "account_type": "1", "paper_application": None,
                  "last_result_code": None}  # fmt: skip
    # The number is stored sealed only.
    row = DirectDebitAccount.objects.get(payment_method_id=created["id"])
    assert vault.unseal(row.secret).number == "0999999"
    assert row.secret.purpose == CardSecret.Purpose.ACCOUNT
    assert "0999999" not in repr(DirectDebitAccount.objects.filter(pk=row.pk).values().get())

    client = Client()
    approve(created["redirect_url"], client=client)
    again = client.get(created["redirect_url"].replace("http://testserver", ""))
    assert again.status_code == 410  # usable once, as fincode's

    found = ok(api.call("GET", pm_url(buyer["id"], created["id"], "?pay_type=Directdebit")))
    assert found["status"] == "ACTIVATED" and found["redirect_url"] is None
    assert found["redirect_url_accessed_flag"] == "1"
    assert found["directdebit"]["expected_billable_date"]
    [event] = [r.json for r in receiver.wait_for(1)]
    assert event["event"] == "customers.payment_methods.updated"
    assert event == {**event, "payment_method_id": created["id"], "status": "ACTIVATED",
                     "customer_id": buyer["id"], "pay_type": "Directdebit", "event_sequence": 1}  # fmt: skip
    assert event["directdebit"] == {
        "application_type": "ONLINE", "request_form_id": None, "paper_failure_description": None,
    }  # fmt: skip
    listed = ok(api.call("GET", pm_url(buyer["id"], query="?pay_type=Directdebit")))
    assert [m["id"] for m in listed["list"]] == [created["id"]]


def test_paper_application_and_refused_account(api):
    buyer = customer(api)
    paper = ok(add_account(api, buyer["id"], application_type="PAPER", account_number="1111111",
                           paper_application={"request_form_id": "FORM-0001"}))  # fmt: skip
    assert paper["status"] == "INACTIVATED" and paper["redirect_url"] is None
    assert paper["directdebit"]["paper_application"]["request_form_id"] == "FORM-0001"
    assert paper["directdebit"]["paper_application"]["preregistered_date"]
    decided = sim(f"directdebit/v1/mandates/{paper['id']}/decide", {"approve": True})
    assert decided.status_code == 200, decided.content
    found = ok(api.call("GET", pm_url(buyer["id"], paper["id"], "?pay_type=Directdebit")))
    assert found["status"] == "FAILED"  # 1111111: the bank has no such account
    assert found["directdebit"]["paper_application"]["paper_failure_description"] == "口座なし"


def test_japan_post_account(api):
    buyer = customer(api)
    created = ok(add_account(api, buyer["id"], bank_code="9900", branch_code=None, account_type=None,
                             account_number=None, postal_account_number_1="12345",
                             postal_account_number_2="12345678"))  # fmt: skip
    dd = created["directdebit"]
    assert dd["bank_type"] == "1" and dd["postal_account_number_2"] == "*****678"
    assert dd["account_number"] is None and dd["bank_name"] == "ゆうちょ銀行"


def test_card_payment_method_is_a_saved_card(api, public_api):
    buyer = customer(api)
    body = {"pay_type": "Card", "default_flag": "1", "client_field_1": "memo",
            "card": {"token": token(public_api), "tds_type": "0"}}  # fmt: skip
    created = ok(api.call("POST", pm_url(buyer["id"]), body))
    assert created["id"].startswith("cs_") and created["status"] == "ACTIVATED"
    assert created["card"]["card_no"] == "************1111" and created["card"]["brand"] == "VISA"
    assert created["client_field_1"] == "memo" and created["directdebit"] is None
    # One store: the same card through /cards, and usable as a card for payments.
    cards = ok(api.call("GET", f"/v1/customers/{buyer['id']}/cards"))["list"]
    assert [c["id"] for c in cards] == [created["id"]] and cards[0]["default_flag"] == "1"
    assert ok(api.call("GET", pm_url(buyer["id"], created["id"], "?pay_type=Card")))["id"] == created["id"]
    listed = ok(api.call("GET", pm_url(buyer["id"], query="?pay_type=Card")))["list"]
    assert [m["id"] for m in listed] == [created["id"]]
    deleted = ok(api.call("DELETE", pm_url(buyer["id"], created["id"])))
    assert deleted == {
        "id": created["id"],
        "pay_type": "Card",
        "customer_id": buyer["id"],
        "delete_flag": "1",
    }
    assert not Card.objects.exists() and not CardSecret.objects.exists()


def test_default_moves_and_delete(api):
    buyer = customer(api)
    first = ok(add_account(api, buyer["id"], default_flag="0"))
    second = ok(add_account(api, buyer["id"], default_flag="1", account_number="0000002"))
    assert first["default_flag"] == "1"  # the first one is the default whatever it says
    flags = {m["id"]: m["default_flag"] for m in
             ok(api.call("GET", pm_url(buyer["id"], query="?pay_type=Directdebit")))["list"]}  # fmt: skip
    assert flags == {first["id"]: "0", second["id"]: "1"}
    deleted = ok(api.call("DELETE", pm_url(buyer["id"], second["id"])))
    assert deleted["pay_type"] == "Directdebit" and deleted["delete_flag"] == "1"
    assert DirectDebitAccount.objects.get().default_flag is True
    assert CardSecret.objects.count() == 1  # the deleted account's sealed number went with it
    customer_gone = ok(api.call("DELETE", f"/v1/customers/{buyer['id']}"))
    assert customer_gone["delete_flag"] == "1"
    assert not DirectDebitAccount.objects.exists() and not CardSecret.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"account_number": "12345"}, 400, None),
        ({"account_number": "12345678"}, 400, None),
        ({"account_number": None}, 400, None),
        ({"bank_code": "1234"}, 400, "E1800000003"),
        ({"bank_code": "03100"}, 400, None),
        ({"application_type": "PAPER"}, 400, None),
        ({"account_name_kana": "x" * 46}, 400, None),
    ],
    ids=["short-number", "long-number", "no-number", "unknown-bank", "bad-bank-code", "paper-without-form",
         "long-kana"],
)  # fmt: skip
def test_bad_accounts_are_refused_and_write_nothing(api, change, status, code):
    buyer = customer(api)
    response = add_account(api, buyer["id"], **change)
    assert response.status_code == status, response.content
    if code:
        assert error_codes(response) == [code]
    assert response.json()["errors"][0]["error_code"].startswith("E18")
    assert not DirectDebitAccount.objects.exists() and not CardSecret.objects.exists()


def test_wrong_objects_for_the_pay_type(api, public_api):
    buyer = customer(api)
    url = pm_url(buyer["id"])
    no_details = api.call("POST", url, {"pay_type": "Directdebit", "default_flag": "1"})
    both = api.call("POST", url, {"pay_type": "Card", "default_flag": "1", "card": {"token": token(public_api)},
                                  "directdebit": ACCOUNT})  # fmt: skip
    tds = api.call("POST", url, {"pay_type": "Card", "default_flag": "1",
                                 "card": {"token": token(public_api), "tds_type": "2"}})  # fmt: skip
    assert error_codes(no_details) == ["E1800000002"] and error_codes(both) == ["E1800000002"]
    assert error_codes(tds) == ["E1800000011"]
    missing_query = api.call("GET", url)
    assert missing_query.status_code == 400 and missing_query.json()["errors"][0]["error_code"].startswith(
        "E18"
    )
    assert not Card.objects.exists() and not DirectDebitAccount.objects.exists()


def test_bank_down_writes_nothing(api):
    buyer = customer(api)
    sim("directdebit/control", {"fail_status": 500, "fail_count": -1})
    try:
        response = add_account(api, buyer["id"])
    finally:
        sim("directdebit/control", {"fail_status": None, "fail_count": None})
    assert response.status_code == 503 and error_codes(response) == ["E1800000009"]
    assert not DirectDebitAccount.objects.exists() and not CardSecret.objects.exists()


def test_other_merchants_customers_and_methods_are_not_found(api, other_merchant):
    from tests.support import ApiClient

    other = ApiClient(other_merchant.test_secret)
    theirs = customer(other)
    their_pm = ok(add_account(other, theirs["id"]))
    mine = customer(api)
    assert error_codes(add_account(api, theirs["id"])) == ["E1200000001"]
    for url in (pm_url(theirs["id"], query="?pay_type=Directdebit"),
                pm_url(theirs["id"], their_pm["id"], "?pay_type=Directdebit"),
                pm_url(mine["id"], their_pm["id"], "?pay_type=Directdebit")):  # fmt: skip
        assert api.call("GET", url).status_code == 404
    assert api.call("DELETE", pm_url(mine["id"], their_pm["id"])).status_code == 404
    assert error_codes(api.call("DELETE", pm_url(mine["id"], their_pm["id"]))) == ["E1800000001"]
    assert DirectDebitAccount.objects.filter(payment_method_id=their_pm["id"]).exists()
    # The live key does not see test objects either.
    assert DirectDebitAccount.objects.count() == 1
