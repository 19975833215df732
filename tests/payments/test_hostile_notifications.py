"""Provider notifications with hostile contents: any JSON, correctly signed or not, is answered
with a 2xx or a 4xx — never a 500 — and a stored one is processed without raising (a
notification that always failed would be retried by the sweeper for ever)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from payments.asyncflows.models import ProviderNotification
from payments.asyncflows.notifications import notification_process
from simulators import bank, konbini
from simulators.wallets import DIALECTS
from tests.hostile import assert_answered, body, field, hostile_settings, junk
from tests.payments.flows import execute, ok, register

pytestmark = pytest.mark.django_db

SIGNERS = {"konbini": konbini.sign, "bank": bank.sign, **{name: d.sign for name, d in DIALECTS.items()}}
TIMES = ("2026-01-05T10:00:00+09:00", "not a time", 1767574800)

notification = (
    body(
        event_id=field("e1", "e2", ""),
        type=field("paid", "expired", "refund", "deposit"),
        state=field("COMPLETED", "AUTHORIZED", "captured", "paid"),
        status=field("COMPLETED", "CAPTURED", "paid"),
        reference=field("a_unknown"),
        merchantPaymentId=field("a_unknown"),
        order_id=field("a_unknown"),
        amount=field(1500, 0, -1, "1500", 1e300, 10**40),
        paid_at=field(*TIMES),
        occurred_at=field(*TIMES),
        konbini_code=field("00010"),
        store_code=field("123456"),
        account_number=field("1234567"),
        stub=field(True, False),
    )
    | junk
)


def notify(provider: str, payload, signed: bool = True):
    """POST a notification as ``provider`` sends it (signed with its simulator's secret, or not);
    when it is stored, process it as the task would. Returns the HTTP answer."""
    raw = json.dumps(payload, allow_nan=True).encode()
    headers = SIGNERS[provider](raw) if signed else {}
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    response = Client().post(f"/notifications/{provider}", raw, content_type="application/json", **meta)
    assert_answered(response, provider, payload, api=False)
    if response.status_code == 200:
        row = ProviderNotification.objects.get(event_id=response.json()["event_id"], provider=provider)
        response.outcome = notification_process(notification_id=row.pk)
    return response


@hostile_settings(60)
@given(provider=st.sampled_from(sorted(SIGNERS)), payload=notification, signed=st.booleans())
@example(provider="konbini", payload={"event_id": "e1", "type": "paid", "amount": 1e300}, signed=True)
@example(provider="konbini", payload={"event_id": "e2", "type": "paid", "amount": float("inf")}, signed=True)
@example(
    provider="konbini",
    payload={"event_id": "e3", "type": "paid", "reference": "a_unknown", "amount": 1500, "paid_at": TIMES[0]},
    signed=True,
)
@example(
    provider="konbini", payload={"event_id": "e4", "type": "paid", "konbini_code": {"x": [1]}}, signed=True
)
@example(provider="bank", payload={"event_id": "e5", "type": "deposit", "amount": "x" * 500}, signed=True)
def test_notifications(provider, payload, signed):
    notify(provider, payload, signed)


@pytest.fixture
def konbini_payment(api, django_capture_on_commit_callbacks) -> dict:
    """A konbini payment whose slip is issued (the provider call runs as the commit would run it)."""
    payment = register(api, "Konbini")
    with django_capture_on_commit_callbacks(execute=True):
        ok(execute(api, payment))
    return payment


def _notify_paid(payment: dict, event_id: str, **extra):
    payload = {"event_id": event_id, "type": "paid", "reference": payment["access_id"], "amount": 1500,
               "paid_at": TIMES[0], **extra}  # fmt: skip
    response = notify("konbini", payload)
    assert response.status_code == 200, response.content
    return response.outcome


def test_a_value_that_does_not_fit_its_column_does_not_hold_up_the_money(api, konbini_payment, caplog):
    """An overlong store code in a "paid" notification: the payment is captured, the code is
    not kept (was: the UPDATE failed, and every retry of the notification with it)."""
    assert _notify_paid(konbini_payment, "e-long", konbini_code="x" * 500, store_code="123456") == "applied"
    answer = api.call("GET", f"/v1/payments/{konbini_payment['id']}?pay_type=Konbini").json()
    assert answer["status"] == "CAPTURED"
    assert answer["konbini_code"] is None and answer["konbini_store_code"] == "123456"
    assert "payment.konbini_code does not fit" in caplog.text


@hostile_settings(60)
@given(
    event_id=st.text(min_size=1, max_size=120),
    kind=field("paid", "expired"),
    amount=field(1500, 1499, 1501, 0, 10**40),
    paid_at=field(*TIMES),
    konbini_code=field("00010", "x" * 500),
    store_code=field("123456"),
)
@example(
    event_id="long-code", kind="paid", amount=1500, paid_at=TIMES[0], konbini_code="x" * 500, store_code="1"
)
def test_signed_notifications_about_a_real_payment(
    api, konbini_payment, event_id, kind, amount, paid_at, konbini_code, store_code
):
    """Correctly signed, about a payment that exists: odd amounts, times and codes are answered
    and processed without an unhandled error (whatever the payment's state by then)."""
    payload = {
        "event_id": event_id, "type": kind, "reference": konbini_payment["access_id"], "amount": amount,
        "paid_at": paid_at, "konbini_code": konbini_code, "store_code": store_code,
    }  # fmt: skip
    notify("konbini", payload)
    assert api.call("GET", f"/v1/payments/{konbini_payment['id']}?pay_type=Konbini").status_code == 200
