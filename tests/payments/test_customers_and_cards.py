import pytest

from payments.models import Card, CardSecret, Customer
from tests.payments.helpers import MASTERCARD, VISA, register, token
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db


def _customer(api, **extra):
    response = api.call("POST", "/v1/customers", {"name": "山田 太郎", "email": "taro@example.com", **extra})
    assert response.status_code == 200, response.content
    return response.json()


def test_customer_crud(api):
    created = _customer(api, id="cust-1", phone_cc="81", phone_no="0312345678")
    assert created["id"] == "cust-1" and created["card_registration"] == "0"
    assert created["addr_city"] is None
    duplicate = api.call("POST", "/v1/customers", {"id": "cust-1"})
    assert duplicate.status_code == 409 and error_codes(duplicate) == ["E1200000002"]
    updated = api.call("PUT", "/v1/customers/cust-1", {"name": "山田 花子"}).json()
    assert updated["name"] == "山田 花子" and updated["email"] == "taro@example.com"
    listed = api.call("GET", "/v1/customers?name=花子").json()
    assert listed["total_count"] == 1 and listed["list"][0]["id"] == "cust-1"
    deleted = api.call("DELETE", "/v1/customers/cust-1")
    assert deleted.json() == {"id": "cust-1", "delete_flag": "1"}
    assert api.call("GET", "/v1/customers/cust-1").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not an email"}, "E1200030002"),
        ({"phone_no": "03-1234"}, "E1200050002"),
        ({"addr_country": "JPN"}, "E1200060002"),
        ({"id": "has space"}, "E1200010002"),
        ({"name": "x" * 385}, "E1200020003"),
    ],
)
def test_customer_validation(api, body, code):
    response = api.call("POST", "/v1/customers", body)
    assert response.status_code == 400
    assert code in error_codes(response)
    assert not Customer.objects.exists()


def test_saved_cards_and_execute_with_them(api, public_api):
    customer = _customer(api)
    first = api.call(
        "POST",
        f"/v1/customers/{customer['id']}/cards",
        {"token": token(public_api, VISA), "default_flag": "0"},
    )
    assert first.status_code == 200, first.content
    first = first.json()
    assert first["default_flag"] == "1"  # the only card is the default
    assert first["card_no"] == "************1111" and first["brand"] == "VISA"
    second = api.call(
        "POST",
        f"/v1/customers/{customer['id']}/cards",
        {"token": token(public_api, MASTERCARD), "default_flag": "1"},
    ).json()
    cards = api.call("GET", f"/v1/customers/{customer['id']}/cards").json()["list"]
    assert {c["id"]: c["default_flag"] for c in cards} == {first["id"]: "0", second["id"]: "1"}
    assert api.call("GET", f"/v1/customers/{customer['id']}").json()["card_registration"] == "1"

    payment = register(api)
    body = {
        "pay_type": "Card",
        "access_id": payment["access_id"],
        "customer_id": customer["id"],
        "method": "1",
    }
    executed = api.call("PUT", f"/v1/payments/{payment['id']}", body)
    assert executed.status_code == 200, executed.content
    executed = executed.json()
    assert executed["brand"] == "MASTER" and executed["card_id"] == second["id"]
    assert executed["customer_id"] == customer["id"]
    explicit = register(api)
    chosen = api.call(
        "PUT",
        f"/v1/payments/{explicit['id']}",
        {
            "pay_type": "Card",
            "access_id": explicit["access_id"],
            "customer_id": customer["id"],
            "card_id": first["id"],
        },
    ).json()
    assert chosen["card_no"] == "************1111"
    listed = api.call("GET", f"/v1/payments?pay_type=Card&customer_id={customer['id']}").json()
    assert listed["total_count"] == 2

    updated = api.call(
        "PUT", f"/v1/customers/{customer['id']}/cards/{first['id']}", {"default_flag": "1"}
    ).json()
    assert updated["default_flag"] == "1"
    assert Card.objects.filter(default_flag=True).count() == 1
    deleted = api.call("DELETE", f"/v1/customers/{customer['id']}/cards/{first['id']}").json()
    assert deleted == {"id": first["id"], "customer_id": customer["id"], "delete_flag": "1"}
    assert CardSecret.objects.filter(purpose="card").count() == 1


def test_unknown_customer_or_card_in_execute(api):
    payment = register(api)
    base = {"pay_type": "Card", "access_id": payment["access_id"]}
    no_source = api.call("PUT", f"/v1/payments/{payment['id']}", base)
    assert error_codes(no_source) == ["E1000000015"]
    missing = api.call("PUT", f"/v1/payments/{payment['id']}", {**base, "customer_id": "nobody"})
    assert missing.status_code == 404 and error_codes(missing) == ["E1200000001"]
    customer = _customer(api)
    no_default = api.call("PUT", f"/v1/payments/{payment['id']}", {**base, "customer_id": customer["id"]})
    assert error_codes(no_default) == ["E1100000003"]


def test_customers_are_per_merchant_and_mode(api, live_api, other_merchant):
    customer = _customer(api, id="shared-id")
    assert live_api.call("GET", f"/v1/customers/{customer['id']}").status_code == 404
    other = ApiClient(other_merchant.test_secret)
    assert other.call("GET", f"/v1/customers/{customer['id']}").status_code == 404
    assert other.call("POST", "/v1/customers", {"id": "shared-id"}).status_code == 200
