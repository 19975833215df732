"""Helpers to drive payment methods and direct debit (口座振替) in tests."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from django.test import Client

from payments.methods.directdebit import schedule
from tests.payments.flows import ok, sim
from tests.support import ApiClient

ACCOUNT = {
    "application_type": "ONLINE",
    "bank_code": "0310",
    "branch_code": "101",
    "account_type": "1",
    "account_number": "0999999",
    "account_name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
}


def customer(api: ApiClient, **body) -> dict:
    return ok(api.call("POST", "/v1/customers", {"name": "Taro Yamada", **body}))


def add_account(api: ApiClient, customer_id: str, *, default_flag: str = "1", **account):
    return api.call(
        "POST",
        f"/v1/customers/{customer_id}/payment_methods",
        {"pay_type": "Directdebit", "default_flag": default_flag, "directdebit": {**ACCOUNT, **account}},
    )


def approve(redirect_url: str, decision: str = "approve", client: Client | None = None) -> dict:
    """The buyer follows ``redirect_url`` to the bank and approves (or declines) there."""
    client = client or Client()
    hop = client.get(urlsplit(redirect_url).path)
    assert hop.status_code == 302, hop.content
    page = client.post(urlsplit(hop["Location"]).path, {"decision": decision})
    assert page.status_code == 200, page.content
    return {"bank_page": hop["Location"]}


def activated_account(api: ApiClient, customer_id: str, **account) -> dict:
    created = ok(add_account(api, customer_id, **account))
    approve(created["redirect_url"])
    return ok(
        api.call("GET", f"/v1/customers/{customer_id}/payment_methods/{created['id']}?pay_type=Directdebit")
    )


def next_target(after: date | None = None) -> date:
    """The first debit day whose request period is still open."""
    day = after or schedule.today()
    while schedule.target_problem(day) is not None:
        day += timedelta(days=1)
    return day


def text(day: date) -> str:
    return day.strftime("%Y/%m/%d")


def register(api: ApiClient, amount: str = "3000", **body) -> dict:
    return ok(api.call("POST", "/v1/payments", {"pay_type": "Directdebit", "amount": amount, **body}))


def execute(api: ApiClient, payment: dict, customer_id: str, target: date | None = None, **body):
    return api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {
            "pay_type": "Directdebit",
            "access_id": payment["access_id"],
            "customer_id": customer_id,
            "target_date": text(target or next_target()),
            **body,
        },
    )


def clearing(day: date):
    response = sim("directdebit/v1/clearing", {"date": day.isoformat()})
    assert response.status_code == 200, response.content
    return response.json()
