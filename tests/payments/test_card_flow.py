import pytest

from payments.models import CardSecret, Payment, PaymentEvent
from tests.payments.helpers import DECLINED, INSUFFICIENT, MASTERCARD, VISA, action, execute, register, token
from tests.support import error_codes

pytestmark = pytest.mark.django_db


def test_register_execute_capture(api, public_api, merchant):
    payment = register(api, amount="1500", tax="100", client_field_1="order-77")
    assert payment["status"] == "UNPROCESSED"
    assert payment["amount"] == 1500 and payment["tax"] == 100 and payment["total_amount"] == 1600
    assert payment["access_id"].startswith("a_") and len(payment["access_id"]) <= 24
    assert payment["id"].startswith("o_") and len(payment["id"]) <= 30
    tok = token(public_api, VISA)
    executed = execute(api, payment, tok)
    assert executed.status_code == 200, executed.content
    body = executed.json()
    assert body["status"] == "AUTHORIZED"
    assert body["card_no"] == "************1111"
    assert body["brand"] == "VISA"
    assert body["expire"] == "3012"
    assert len(body["card_no_hash"]) == 64
    assert body["transaction_id"] and body["approve"] and body["auth_max_date"]
    assert body["acs_url"] is None and body["redirect_url"] is None
    captured = action(api, payment, "capture")
    assert captured.status_code == 200, captured.content
    assert captured.json()["status"] == "CAPTURED"
    fetched = api.call("GET", f"/v1/payments/{payment['id']}?pay_type=Card").json()
    assert fetched["status"] == "CAPTURED" and fetched["client_field_1"] == "order-77"
    history = list(
        PaymentEvent.objects.filter(payment__order_id=payment["id"]).values_list("action", "to_status")
    )
    assert history == [("register", "UNPROCESSED"), ("execute", "AUTHORIZED"), ("capture", "CAPTURED")]
    assert not CardSecret.objects.exists()  # nothing kept once authorised


def test_capture_job_code_executes_to_captured(api, public_api):
    payment = register(api, job_code="CAPTURE")
    assert execute(api, payment, token(public_api, MASTERCARD)).json()["status"] == "CAPTURED"


def test_check_job_code(api, public_api):
    payment = register(api, job_code="CHECK", amount="0")
    assert execute(api, payment, token(public_api)).json()["status"] == "CHECKED"


@pytest.mark.parametrize(("card", "code"), [(DECLINED, "E1000000004"), (INSUFFICIENT, "E1000000005")])
def test_declines_leave_the_payment_retryable(api, public_api, card, code):
    payment = register(api)
    declined = execute(api, payment, token(public_api, card))
    assert declined.status_code == 402
    assert error_codes(declined) == [code]
    stored = Payment.objects.get(order_id=payment["id"])
    assert stored.status == "UNPROCESSED" and stored.error_code == code and stored.pending_operation is None
    retried = execute(api, payment, token(public_api, VISA))
    assert retried.json()["status"] == "AUTHORIZED"
    assert retried.json()["error_code"] is None


def test_token_is_single_use(api, public_api):
    tok = token(public_api)
    assert execute(api, register(api), tok).status_code == 200
    second = execute(api, register(api), tok)
    assert second.status_code == 400
    assert error_codes(second) == ["E1100000001"]


def test_cancel_and_reauthorize_and_change(api, public_api):
    payment = register(api, amount="5000")
    execute(api, payment, token(public_api))
    changed = action(api, payment, "change", job_code="AUTH", amount="4000")
    assert changed.status_code == 200, changed.content
    assert changed.json()["amount"] == 4000
    canceled = action(api, payment, "cancel")
    assert canceled.json()["status"] == "CANCELED"
    again = action(api, payment, "auth", method="1")
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "AUTHORIZED"
    assert action(api, payment, "capture").json()["status"] == "CAPTURED"
    bigger = action(api, payment, "change", job_code="CAPTURE", amount="9000")
    assert bigger.status_code == 400
    assert error_codes(bigger) == ["E1000000017"]
    smaller = action(api, payment, "change", job_code="CAPTURE", amount="3000")
    assert smaller.json()["amount"] == 3000 and smaller.json()["status"] == "CAPTURED"


def test_invalid_transitions_are_4xx(api, public_api):
    payment = register(api)
    response = action(api, payment, "capture")
    assert response.status_code == 409
    assert error_codes(response) == ["E1000000002"]
    execute(api, payment, token(public_api))
    action(api, payment, "capture")
    twice = action(api, payment, "capture")
    assert twice.status_code == 409
    assert error_codes(execute(api, payment, token(public_api))) == ["E1000000002"]


def test_cors_only_on_the_token_endpoint(client):
    preflight = client.options(
        "/v1/tokens/cards",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "*"
    other = client.options(
        "/v1/payments", HTTP_ORIGIN="https://shop.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in other


def test_merchant_pages_show_payments_and_history(client, api, public_api, merchant, other_merchant):
    payment = register(api)
    execute(api, payment, token(public_api))
    client.force_login(merchant.owner)
    listing = client.get(f"/m/{merchant.merchant.public_id}/payments/?mode=test")
    assert payment["id"].encode() in listing.content
    detail = client.get(f"/m/{merchant.merchant.public_id}/payments/test/{payment['id']}/")
    assert detail.status_code == 200
    assert (
        b"register" in detail.content
        and b"AUTHORIZED" in detail.content
        and b"************1111" in detail.content
    )
    assert client.get(f"/m/{merchant.merchant.public_id}/payments/live/{payment['id']}/").status_code == 404
    assert (
        client.get(f"/m/{other_merchant.merchant.public_id}/payments/test/{payment['id']}/").status_code
        == 404
    )
    assert client.get(f"/m/{merchant.merchant.public_id}/checkout/").status_code == 200


def test_admin_shows_payment_history(client, api, public_api):
    from django.contrib.auth.models import Group

    from tests.support import make_user

    payment = register(api)
    execute(api, payment, token(public_api))
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    stored = Payment.objects.get(order_id=payment["id"])
    page = client.get(f"/admin/payments/payment/{stored.pk}/change/")
    assert page.status_code == 200
    assert b"execute" in page.content and b"AUTHORIZED" in page.content


def test_merchant_order_id_is_unique_per_mode(api, live_api):
    first = register(api, id="order-2026-0001")
    assert first["id"] == "order-2026-0001"
    again = api.call(
        "POST",
        "/v1/payments",
        {"pay_type": "Card", "job_code": "AUTH", "amount": "100", "id": "order-2026-0001"},
    )
    assert again.status_code == 409 and error_codes(again) == ["E1000000012"]
    assert register(live_api, id="order-2026-0001")["id"] == "order-2026-0001"  # live is another namespace
    assert Payment.objects.filter(order_id="order-2026-0001").count() == 2
    assert PaymentEvent.objects.filter(payment__order_id="order-2026-0001", action="register").count() == 2


def test_fast_representation_matches_the_declared_fields(api):
    from payments.api.serializers import PaymentCardResponse

    payment = Payment.objects.get(order_id=register(api)["id"])
    fast = PaymentCardResponse(payment).data
    declared = set(PaymentCardResponse().fields)
    assert set(fast) == declared
    generic = {name: field.to_representation(field.get_attribute(payment)) if field.get_attribute(payment) is not None else None
               for name, field in PaymentCardResponse().fields.items() if not name.endswith("_id") or name == "access_id"}  # fmt: skip
    for name, value in generic.items():
        if name in ("customer_group_id", "bulk_payment_id", "subscription_id"):
            continue
        assert fast[name] == value, name


def test_a_change_with_tax_null_keeps_the_tax(api, public_api):
    """Found by the schema fuzzer: ``"tax": null`` on change was a 500 (None added to the amount)."""
    payment = register(api, amount="1000", tax="100")
    execute(api, payment, token(public_api))
    changed = action(api, payment, "change", job_code="AUTH", amount="800", tax=None)
    assert changed.status_code == 200, changed.content
    assert changed.json()["amount"] == 800 and changed.json()["tax"] == 100
