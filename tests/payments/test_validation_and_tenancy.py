"""Bad and hostile input: always a clear 4xx in fincode's error format, never a 500, never a row."""

import pytest

from payments.models import CardToken, Payment
from tests.payments.helpers import VISA, execute, register, token
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"job_code": "AUTH", "amount": "1000"}, "E1000020001"),
        ({"pay_type": "Bitcoin", "job_code": "AUTH", "amount": "1000"}, "E1000020006"),
        ({"pay_type": "Card", "amount": "1000"}, "E1000030001"),
        ({"pay_type": "Card", "job_code": "SELL", "amount": "1000"}, "E1000030006"),
        ({"pay_type": "Card", "job_code": "AUTH"}, "E1000040001"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "10.5"}, "E1000040002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": 10.5}, "E1000040002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "-5"}, "E1000040002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "12345678"}, "E1000040003"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "0"}, "E1000040005"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": True}, "E1000040002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": {"$gt": 1}}, "E1000040002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "1000", "tax": "abc"}, "E1000050002"),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "1000", "id": "x" * 31}, "E1000010003"),
        (
            {"pay_type": "Card", "job_code": "AUTH", "amount": "1000", "id": "'; DROP TABLE x;--"},
            "E1000010002",
        ),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "1000", "tds_type": "1"}, "E1000060006"),
        (
            {"pay_type": "Card", "job_code": "AUTH", "amount": "1000", "client_field_1": "x" * 101},
            "E1000080003",
        ),
        ({"pay_type": "Card", "job_code": "AUTH", "amount": "9999999", "tax": "1"}, "E1000000009"),
        ({"pay_type": "Directdebit", "amount": "0"}, "E1000040005"),
    ],
)
def test_register_rejects_bad_input(api, body, code):
    response = api.call("POST", "/v1/payments", body)
    assert 400 <= response.status_code < 500, response.content
    assert code in error_codes(response), response.content
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "null",
        "[]",
        '"string"',
        "123",
        "{",
        '{"pay_type": "Card", "amount": "1' + "0" * 10000 + '"}',
        "\x00\xff",
    ],
)
def test_hostile_bodies_never_500(api, raw):
    response = api.call("POST", "/v1/payments", raw=raw)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field_code"),
    [
        ({"card_no": "4111111111111112", "expire": "3012", "security_code": "123"}, "E1100010002"),
        ({"card_no": "4111-1111", "expire": "3012", "security_code": "123"}, "E1100010002"),
        ({"card_no": VISA, "expire": "2001", "security_code": "123"}, "E1100020002"),
        ({"card_no": VISA, "expire": "3013", "security_code": "123"}, "E1100020002"),
        ({"card_no": VISA, "expire": "3012", "security_code": "12"}, "E1100040002"),
        ({"card_no": VISA, "expire": "3012"}, "E1100040001"),
    ],
)
def test_tokenisation_rejects_bad_cards_without_echoing_them(public_api, body, field_code):
    response = public_api.call("POST", "/v1/tokens/cards", body)
    assert response.status_code == 400
    assert error_codes(response) == [field_code]
    assert "4111111111111112" not in response.content.decode()
    assert not CardToken.objects.exists()


def test_public_key_can_only_tokenise(merchant, public_api):
    assert (
        public_api.call(
            "POST", "/v1/tokens/cards", {"card_no": VISA, "expire": "3012", "security_code": "123"}
        ).status_code
        == 200
    )
    refused = public_api.call(
        "POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}
    )
    assert refused.status_code == 403 and error_codes(refused) == ["E0100000005"]


def test_other_merchants_and_modes_see_404(api, live_api, public_api, other_merchant):
    payment = register(api)
    other = ApiClient(other_merchant.test_secret)
    for client in (other, live_api):
        assert client.call("GET", f"/v1/payments/{payment['id']}").status_code == 404
        assert error_codes(client.call("GET", f"/v1/payments/{payment['id']}")) == ["E1000000001"]
        response = client.call(
            "PUT",
            f"/v1/payments/{payment['id']}/cancel",
            {"pay_type": "Card", "access_id": payment["access_id"]},
        )
        assert response.status_code == 404
        assert client.call("GET", "/v1/payments?pay_type=Card").json()["total_count"] == 0
    # A token made for one merchant cannot pay for another.
    foreign = token(public_api, VISA)
    mine = register(other)
    response = execute(other, mine, foreign)
    assert response.status_code == 400 and error_codes(response) == ["E1100000001"]


def test_access_id_and_pay_type_must_match(api, public_api):
    payment = register(api)
    wrong = api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": "Card", "access_id": "a_other", "token": token(public_api)},
    )
    assert wrong.status_code == 400 and error_codes(wrong) == ["E1000000014"]
    mismatch = api.call("GET", f"/v1/payments/{payment['id']}?pay_type=Konbini")
    assert mismatch.status_code == 400 and error_codes(mismatch) == ["E1000000011"]


def test_live_mode_without_acquirer_fails_clearly(live_api, settings):
    settings.ACQUIRER_LIVE_URL = ""
    payment = register(live_api)
    public = ApiClient()
    assert public is not None
    response = live_api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": "Card", "access_id": payment["access_id"], "token": "tk_x"},
    )
    assert response.status_code == 503
    assert error_codes(response) == ["E1000000008"]


def test_live_mode_needs_a_contract(live_api, merchant):
    from portal.models import Contract

    Contract.objects.filter(merchant=merchant.merchant, pay_type="Card").delete()
    response = live_api.call(
        "POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}
    )
    assert response.status_code == 403 and error_codes(response) == ["E1000000010"]


def test_list_pagination_filters_and_sort(api, public_api):
    for amount in ("100", "300", "200"):
        register(api, amount=amount, client_field_2="batch")
    executed = register(api, amount="999")
    execute(api, executed, token(public_api))
    page = api.call("GET", "/v1/payments?pay_type=Card&limit=2&sort=total_amount desc").json()
    assert page["total_count"] == 4 and page["last_page"] == 2 and page["current_page"] == 1
    assert [p["amount"] for p in page["list"]] == [999, 300]
    assert "page=2" in page["link_next"] and page["link_previous"] is None
    second = api.call("GET", "/v1/payments?pay_type=Card&limit=2&page=2&sort=total_amount desc").json()
    assert [p["amount"] for p in second["list"]] == [200, 100]
    assert api.call("GET", "/v1/payments?pay_type=Card&status=AUTHORIZED").json()["total_count"] == 1
    assert (
        api.call("GET", "/v1/payments?pay_type=Card&status=UNPROCESSED,AUTHORIZED").json()["total_count"] == 4
    )
    assert api.call("GET", "/v1/payments?pay_type=Card&client_field_2=batch").json()["total_count"] == 3
    ranged = api.call("GET", "/v1/payments?pay_type=Card&total_amount_min=150&total_amount_max=500").json()
    assert ranged["total_count"] == 2
    counted = api.call("GET", "/v1/payments?pay_type=Card&count_only=true").json()
    assert counted["total_count"] == 4 and counted["list"] == []
    for query, code in [
        ("", "E1000020001"),
        ("pay_type=Card&sort=secret desc", "E1000240002"),
        ("pay_type=Card&limit=1000", "E1000220005"),
        ("pay_type=Card&status=PAID", "E1000250006"),
        ("pay_type=Card&process_date_from=yesterday", "E1000260002"),
    ]:
        response = api.call("GET", f"/v1/payments?{query}")
        assert response.status_code == 400 and code in error_codes(response), (query, response.content)
