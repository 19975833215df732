"""Client addresses cannot be forged: behind one proxy (``NUM_PROXIES=1``) a client's own
``X_Forwarded_For`` (underscore) must not reach ``X-Forwarded-For`` — it used to, through
gunicorn's ``header_map="dangerous"``, defeating the per-address API-key throttle."""

from __future__ import annotations

import uuid

import pytest

from portal.middleware import client_address_of
from tests.processes import http_client

BAD_KEY = {"Authorization": "Bearer m_test_" + "y" * 40}


@pytest.fixture
def proxied_server(transactional_db, tmp_path):
    from tests import processes

    proc, url = processes.start_server(
        tmp_path, NUM_PROXIES="1", API_AUTH_FAILURES_PER_MINUTE="3", WEB_CONCURRENCY="1"
    )
    try:
        yield url
    finally:
        proc.stop()


def test_a_forged_underscore_header_does_not_escape_the_throttle(proxied_server):
    """Six bad keys from one client, each with a new forged address: the fourth on are refused.

    django-ratelimit counts in fixed one-minute windows (the server's clock: no test can hold
    it still), so a window may end during a burst and start the count again. A burst goes again
    from another real address (another window offset) if so; a forged address that escaped the
    throttle would give six 401s in every burst."""
    bursts = []
    with http_client(base_url=proxied_server, timeout=10) as client:
        for real in ("198.51.100.7", "198.51.100.8"):
            statuses = []
            for n in range(6):
                headers = {
                    **BAD_KEY,
                    # What the proxy appends: the client's real address, always the same.
                    "X-Forwarded-For": real,
                    # The attacker's own header, a new address each time.
                    "X_Forwarded_For": f"203.0.113.{n + 1}",
                }
                statuses.append(client.get("/v1/payments?pay_type=Card", headers=headers).status_code)
            bursts.append(statuses)
            if statuses == [401, 401, 401, 429, 429, 429]:
                break
    assert bursts[-1] == [401, 401, 401, 429, 429, 429], bursts


def test_fincodes_idempotent_key_header_still_works_through_the_proxy(proxied_server, merchant):
    key = str(uuid.uuid4())
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}
    headers = {"Authorization": f"Bearer {merchant.test_secret}", "idempotent_key": key}
    with http_client(base_url=proxied_server, timeout=10) as client:
        first = client.post("/v1/payments", json=body, headers=headers)
        again = client.post("/v1/payments", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    "meta,expected",
    [
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"}, "198.51.100.7"),
        # Not from a trusted proxy: its X-Forwarded-For is the client's own word.
        ({"REMOTE_ADDR": "192.0.2.10", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, "192.0.2.10"),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "127.0.0.1"),
        ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
    ],
)
def test_the_address_comes_from_exactly_the_trusted_proxies(settings, meta, expected):
    settings.NUM_PROXIES = 1
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_address_of(meta) == expected


def test_two_proxies(settings):
    settings.NUM_PROXIES = 2
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    meta = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7, 10.0.0.5"}
    assert client_address_of(meta) == "198.51.100.7"
    assert client_address_of({**meta, "HTTP_X_FORWARDED_FOR": "10.0.0.5"}) == "10.1.2.3"
