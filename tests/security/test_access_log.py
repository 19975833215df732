"""gunicorn's access log holds no card number, no query string and no API key (a Basic-auth
user name): the product served by gunicorn as in production, its access log read back."""

from __future__ import annotations

import base64

import pytest

from tests import processes
from tests.processes import http_client

PAN = "4111111111111111"


@pytest.mark.slow
def test_the_access_log_keeps_no_card_number_query_or_key(transactional_db, merchant, tmp_path):
    access_log = tmp_path / "access.log"
    proc, url = processes.start_server(tmp_path, WEB_ACCESS_LOG=str(access_log))
    try:
        basic = base64.b64encode(f"{merchant.test_secret}:".encode()).decode()
        with http_client(base_url=url, timeout=10) as client:
            listed = client.get(
                f"/v1/payments?pay_type=Card&card_no={PAN}&token=tok_secret",
                headers={
                    "Authorization": f"Basic {basic}",
                    "Referer": f"https://shop.example/pay?card={PAN}",
                },
            )
            client.get(f"/v1/payments/{PAN}", headers={"User-Agent": f"agent {PAN}"})
    finally:
        proc.stop()
    assert listed.status_code == 200
    text = access_log.read_text()
    lines = [line for line in text.splitlines() if "/v1/payments" in line]
    assert len(lines) == 2, text
    assert PAN not in text and "************1111" in text
    assert "tok_secret" not in text and "card_no" not in text and "?" not in text
    assert merchant.test_secret not in text
    assert '"GET /v1/payments HTTP/1.1" 200' in lines[0] and '"https://shop.example/pay"' in lines[0]
    assert '"GET /v1/payments/************1111 HTTP/1.1"' in lines[1] and "agent ************1111" in lines[1]
