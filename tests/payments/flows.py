"""Helpers to drive the asynchronous pay types (wallets, konbini, bank transfer) and webhooks in tests."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from tests.support import ApiClient

DEVICE = {
    "device_name": "iPhone",
    "win_width": "390",
    "win_height": "844",
    "pixel_ratio": "3",
    "win_size_type": "2",
}


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def register(api: ApiClient, pay_type: str, **body) -> dict:
    defaults = {
        "Paypay": {"job_code": "CAPTURE", "amount": "1000"},
        "Konbini": {"amount": "1500"},
        "Virtualaccount": {"billing_amount": "3000"},
    }[pay_type]
    return ok(api.call("POST", "/v1/payments", {"pay_type": pay_type, **defaults, **body}))


def execute(api: ApiClient, payment: dict, **body):
    extra = {
        "Paypay": {"redirect_url": "https://shop.example.com/done"},
        "Konbini": DEVICE,
        "Virtualaccount": {},
    }[payment["pay_type"]]
    return api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": payment["pay_type"], "access_id": payment["access_id"], **extra, **body},
    )


def act(api: ApiClient, payment: dict, name: str, **body):
    return api.call(
        "PUT",
        f"/v1/payments/{payment['id']}/{name}",
        {"pay_type": payment["pay_type"], "access_id": payment["access_id"], **body},
    )


def get(api: ApiClient, payment: dict) -> dict:
    return ok(api.call("GET", f"/v1/payments/{payment['id']}?pay_type={payment['pay_type']}"))


def buyer(code_url: str, action: str = "approve", client: Client | None = None):
    """The buyer approves (or declines) on the wallet's page (in-process)."""
    path = urlsplit(code_url).path
    return (client or Client()).post(path, {"action": action, "follow": "0"})


def subscribe(api: ApiClient, url: str, *events: str, signature: str = "FROM_GATEWAY") -> list[dict]:
    return [
        ok(api.call("POST", "/v1/webhook_settings", {"url": url, "event": event, "signature": signature}))
        for event in events
    ]


def sim(path: str, body: dict | None = None, client: Client | None = None):
    """Call a simulator's control or outside-world endpoint (in-process)."""
    return (client or Client()).post(f"/simulators/{path}", body or {}, content_type="application/json")
