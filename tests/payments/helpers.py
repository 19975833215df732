"""Small helpers to drive the payments API in tests."""

from __future__ import annotations

import re

from tests.support import ApiClient

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"
CHALLENGE = "4000000000003220"
TDS_FAIL = "4000000000003063"
NOT_ENROLLED = "4000000000001091"
TIMEOUT = "4000000000000119"
ERROR_500 = "4000000000000127"


def token(client: ApiClient, card_no: str = VISA, expire: str = "3012") -> str:
    response = client.call(
        "POST",
        "/v1/tokens/cards",
        {"card_no": card_no, "expire": expire, "holder_name": "TARO YAMADA", "security_code": "123"},
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def register(client: ApiClient, amount: str = "1000", job_code: str = "AUTH", **extra) -> dict:
    response = client.call(
        "POST", "/v1/payments", {"pay_type": "Card", "job_code": job_code, "amount": amount, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()


def execute(client: ApiClient, payment: dict, tok: str, **extra):
    return client.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": "Card", "access_id": payment["access_id"], "token": tok, "method": "1", **extra},
    )


def action(client: ApiClient, payment: dict, name: str, **extra):
    return client.call(
        "PUT",
        f"/v1/payments/{payment['id']}/{name}",
        {"pay_type": "Card", "access_id": payment["access_id"], **extra},
    )


def posted_fields(html: bytes) -> dict[str, str]:
    """The hidden fields of a page's auto-posting form (3-D Secure method and challenge pages)."""
    return {
        name.decode(): value.decode()
        for name, value in re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
