"""Any JSON body, on any write endpoint of the merchant API: a 4xx in fincode's error format or a
success — never a 500 (property-based: hypothesis builds the bodies).

Bodies carry the endpoint's own field names with values that are sometimes right (so that the
request gets past validation into the service code) and otherwise anything JSON can hold:
nulls, booleans, huge integers, floats, NaN, strings with control characters, lists, objects.
"""

from __future__ import annotations

import json
import os

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.hostile import assert_answered, body, field, hostile_settings, junk
from tests.payments.helpers import CHALLENGE, VISA, execute, posted_fields, register, token

pytestmark = pytest.mark.django_db

PAY_TYPES = ("Card", "Paypay", "Konbini", "Virtualaccount", "Bnpl", "Applepay")
AMOUNTS = ("1000", "1", "0", "9999999", "10000000", 1000)


def send(client, method: str, path: str, payload) -> None:
    # allow_nan: NaN and Infinity are not JSON; a client may send them anyway.
    response = client.call(method, path, raw=json.dumps(payload, allow_nan=True))
    assert_answered(response, method, path, payload)


@pytest.fixture(autouse=True, params=["admission on", "admission off"])
def admission(request, settings):
    """With admission control on, the merchant's window soon fills with the examples' open
    sessions and later bodies are refused at the door (after the middleware has read them);
    with it off, every body reaches the API's own validation and the services."""
    settings.ADMISSION_ENABLED = request.param == "admission on"


HYPOTHESIS = hostile_settings(int(os.environ.get("HOSTILE_EXAMPLES", "40")))


@HYPOTHESIS
@given(
    payload=body(
        id=field("order-1", "x" * 31),
        pay_type=field(*PAY_TYPES),
        job_code=field("CHECK", "AUTH", "CAPTURE"),
        amount=field(*AMOUNTS),
        tax=field("0", "100"),
        tds_type=field("0", "2"),
        tds2_type=field("2", "3"),
        client_field_1=field("memo"),
        redirect_type=field("1", "2"),
        redirect_url=field("https://shop.example/return"),
        billing_amount=field(*AMOUNTS),
        wallet=field("paypay"),
    )
    | junk
)
@example(payload={"pay_type": []})  # was a 500 (unhashable pay_type in the admission middleware)
@example(payload={"pay_type": {"Card": 1}, "amount": "1000"})
def test_register(api, payload):
    send(api, "POST", "/v1/payments", payload)


@pytest.fixture
def payment(api):
    """One payment for all the examples of a test (each one that succeeds moves it on)."""
    return register(api)


@HYPOTHESIS
@given(
    operation=st.sampled_from(["", "/capture", "/cancel", "/auth", "/change", "/secure"]),
    payload=body(
        pay_type=field(*PAY_TYPES),
        access_id=field("the access id"),
        token=field("the token", "tok_unknown"),
        customer_id=field("cs_unknown"),
        card_id=field("cs_unknown"),
        method=field("1", "2", "5"),
        pay_times=field("3", "24"),
        amount=field(*AMOUNTS),
        tax=field("0"),
        param=field("https://acs.example/?x"),
        tds2_ret_url=field("https://shop.example/3ds"),
    )
    | junk,
)
def test_payment_operations(api, public_api, payment, operation, payload):
    if isinstance(payload, dict):
        if payload.get("access_id") == "the access id":
            payload["access_id"] = payment["access_id"]
        if payload.get("token") == "the token":
            payload["token"] = token(public_api)
    send(api, "PUT", f"/v1/payments/{payment['id']}{operation}", payload)


@HYPOTHESIS
@given(
    payload=body(
        card_no=field(VISA, "4111111111111112", "4111-1111-1111-1111"),
        expire=field("3012", "2001", "3013"),
        holder_name=field("TARO YAMADA"),
        security_code=field("123", "12"),
    )
    | junk
)
def test_card_tokens(public_api, payload):
    send(public_api, "POST", "/v1/tokens/cards", payload)


@HYPOTHESIS
@given(
    payload=body(
        id=field("c_1", "bad id!"),
        name=field("Taro"),
        email=field("taro@example.com", "not an email"),
        phone_cc=field("81"),
        phone_no=field("09012345678"),
        addr_country=field("392"),
        addr_post_code=field("1000001"),
    )
    | junk,
    card=body(token=field("tok_unknown"), default_flag=field("0", "1"), expire=field("3012")) | junk,
)
def test_customers_and_cards(api, payload, card):
    send(api, "POST", "/v1/customers", payload)
    created = api.call("POST", "/v1/customers", {"name": "Hanako"}).json()
    send(api, "PUT", f"/v1/customers/{created['id']}", payload)
    send(api, "POST", f"/v1/customers/{created['id']}/cards", card)


@HYPOTHESIS
@given(
    payload=body(
        url=field("https://shop.example/webhook", "ftp://x", "http://127.0.0.1/x"),
        event=field("payments.card.exec", "nope"),
        signature=field("secret-value-123"),
    )
    | junk
)
def test_webhook_settings(api, payload):
    send(api, "POST", "/v1/webhook_settings", payload)


buyer = (
    body(
        name=field("Taro Yamada"),
        email=field("taro@example.com"),
        phone=field("090-1234-5678", "12"),
        postal_code=field("100-0001", "1"),
        address=field("Tokyo Chiyoda 1-1"),
        birth_date=field("1990-01-01", "2990-01-01", "1990-13-01"),
    )
    | junk
)
items = (
    st.lists(body(name=field("Tea"), price=field(1000, -1), quantity=field(1, 0)) | junk, max_size=3) | junk
)


@HYPOTHESIS
@given(
    payload=body(
        order_id=field("order-1"),
        amount=field(5000, 0, 10**12),
        currency=field("JPY", "USD"),
        buyer=buyer,
        items=items,
        shipping=body(postal_code=field("100-0001"), address=field("Tokyo")) | junk,
        device=body(fingerprint=field("fp"), ip=field("192.0.2.1", "999.1.1.1")) | junk,
    )
    | junk
)
@example(payload={"buyer": {"name": "Taro", "birth_date": "1990-13-01"}})  # was a 500 (fast path)
def test_credit_checks(api, payload):
    send(api, "POST", "/v1/credit/checks", payload)


@HYPOTHESIS
@given(
    payload=body(
        pay_type=field("Bnpl"),
        access_id=field("the access id"),
        buyer=buyer,
        items=items,
        invoice_method=field("konbini", "bank_transfer"),
    )
    | junk
)
def test_bnpl_execute(api, bnpl_payment, payload):
    if isinstance(payload, dict) and payload.get("access_id") == "the access id":
        payload["access_id"] = bnpl_payment["access_id"]
    send(api, "PUT", f"/v1/payments/{bnpl_payment['id']}", payload)


@pytest.fixture
def bnpl_payment(api):
    response = api.call("POST", "/v1/payments", {"pay_type": "Bnpl", "job_code": "AUTH", "amount": "5000"})
    assert response.status_code == 200, response.content
    return response.json()


@HYPOTHESIS
@given(
    path=st.sampled_from(["/v1/payments", "/v1/customers", "/v1/webhook_settings"]),
    query=st.dictionaries(
        st.sampled_from(
            ["pay_type", "page", "limit", "count_only", "sort", "status", "amount_min", "amount_max",
             "process_date_from", "process_date_to", "id", "customer_id", "keyword"]
        ),
        st.sampled_from(["Card", "1", "0", "-1", "10000000000000000000", "true", "amount desc", "2026/11/26"])
        | st.text(max_size=20),
        max_size=5,
    ),
)  # fmt: skip
def test_list_queries(api, path, query):
    response = api.get(path, query)
    assert_answered(response, path, query)


@HYPOTHESIS
@given(
    header=st.sampled_from(["idempotent_key", "Idempotency-Key"]),
    key=st.text(min_size=0, max_size=300) | st.sampled_from(["k" * 10_000, " ", "\t"]),
    payload=body(pay_type=field("Card"), job_code=field("AUTH"), amount=field("1000")),
)
def test_idempotency_keys(api, header, key, payload):
    response = api.call("POST", "/v1/payments", payload, headers={header: key})
    assert_answered(response, key)


@HYPOTHESIS
@given(
    payload=body(
        url=field("https://shop.example/webhook2"),
        event=field("payments.card.exec"),
        signature=field("another-secret-4567"),
    )
    | junk,
    card=body(default_flag=field("0", "1"), expire=field("3012", "0000")) | junk,
    param=field("https://acs.example/?x"),
)
def test_updates_of_existing_objects(api, public_api, payload, card, param):
    """PUT on a webhook setting, a saved card and 3-D Secure's ``secure2``: objects that exist."""

    def created(response) -> dict:
        assert response.status_code == 200, response.content
        return response.json()

    setting = created(
        api.call(
            "POST",
            "/v1/webhook_settings",
            {"url": "https://shop.example/webhook", "event": "payments.card.exec", "signature": "s3cret"},
        )
    )
    send(api, "PUT", f"/v1/webhook_settings/{setting['id']}", payload)
    customer = created(api.call("POST", "/v1/customers", {"name": "Hanako"}))
    saved = created(
        api.call(
            "POST", f"/v1/customers/{customer['id']}/cards", {"token": token(public_api), "default_flag": "1"}
        )
    )
    send(api, "PUT", f"/v1/customers/{customer['id']}/cards/{saved['id']}", card)
    send(api, "PUT", "/v1/secure2/a_unknown", {"param": param})


@pytest.fixture
def challenge(api, public_api) -> dict:
    """A payment waiting for the buyer's 3-D Secure challenge: its challenge page's URL and param."""
    payment = register(api, tds_type="2")
    started = execute(
        api, payment, token(public_api, CHALLENGE), tds2_ret_url="https://shop.example/3ds"
    ).json()
    method = posted_fields(Client().get(started["acs_url"]).content)
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": method["param"]}).json()
    page = Client().get(auth["challenge_url"])
    assert page.status_code == 200, page.content
    return {"payment": payment, "url": auth["challenge_url"], "param": posted_fields(page.content)["param"]}


@HYPOTHESIS
@given(
    code=field("123456", "000000", "") | st.text(max_size=300),
    param=field("the param", "") | st.text(max_size=300),
    extra=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=50), max_size=3),
)
@example(code="12\x003456", param="the param", extra={})
@example(code="123456", param="p\x00", extra={"\x00": "\x00"})
def test_challenge_page_posts(challenge, code, param, extra):
    """The buyer's challenge form posted with anything: a page or a 4xx, never a 500."""
    form = {**extra, "code": code, "param": challenge["param"] if param == "the param" else param}
    form = {k: v if isinstance(v, str) else json.dumps(v, allow_nan=True) for k, v in form.items()}
    response = Client().post(challenge["url"], form)
    assert_answered(response, form, api=False)


@HYPOTHESIS
@given(
    page=st.sampled_from(["method", "challenge", "redirect"]),
    access_id=field("the access id", "a_unknown", "../../etc"),
    form=st.dictionaries(
        st.sampled_from(["code", "param", "threeDSMethodData", "cres", "x"]), st.text(max_size=300)
    ),
)
def test_buyer_3ds_pages(api, payment, page, access_id, form):
    """The buyer-facing 3-D Secure pages (HTML): a page or a 4xx, never a 500."""
    access_id = payment["access_id"] if access_id == "the access id" else access_id
    if not isinstance(access_id, str) or not access_id or "/" in access_id:
        access_id = "a_unknown"
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/tds/{page}/{access_id}/", form)
        assert_answered(response, page, form, api=False)


@HYPOTHESIS
@given(
    template=st.sampled_from(
        ["/v1/payments/{}", "/v1/payments/{}/capture", "/v1/customers/{}", "/v1/customers/{}/cards",
         "/v1/customers/c/cards/{}", "/v1/webhook_settings/{}", "/v1/secure2/{}", "/v1/credit/checks/{}"]
    ),
    name=st.text(min_size=1, max_size=80).filter(lambda s: not set(s) & set("/?#%")),
    method=st.sampled_from(["GET", "PUT", "DELETE"]),
)  # fmt: skip
@example(template="/v1/payments/{}", name="\x00", method="GET")
def test_api_paths(api, template, name, method):
    """Any resource name in an API path: a 404 or another 4xx in fincode's format, never a 500."""
    payload = {"pay_type": "Card"} if method == "PUT" else None
    response = api.call(method, template.format(name) + "?pay_type=Card", payload)
    assert_answered(response, method, template, name)
