"""Production posture: /metrics never open, /readyz says what fails but not where, API answers
never cached, ``check --deploy`` warns about what is left open."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from portal.redis import reset_redis_client

PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 20 + "A-very-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "pay.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/10",
    "CARD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
    "CARD_HASH_KEY": "B" * 43 + "=",
    "METRICS_TOKEN": "m" * 40,
}


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.parametrize("token", [None, "short-token"])
def test_production_refuses_to_start_without_a_metrics_token(token):
    env = {k: v for k, v in PRODUCTION.items() if k != "METRICS_TOKEN"}
    if token:
        env["METRICS_TOKEN"] = token
    result = manage(env, "check")
    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stderr


def test_check_deploy_warns_about_what_is_left_open():
    env = {
        **PRODUCTION,
        "PORTAL_ENV": "test",
        "METRICS_TOKEN": "",
        "ADMIN_REQUIRE_OTP": "false",
    }
    result = manage(env, "check", "--deploy")
    assert "portal.W001" in result.stderr + result.stdout
    assert "portal.W002" in result.stderr + result.stdout


def test_check_deploy_warns_when_test_mode_has_no_simulators():
    result = manage({**PRODUCTION}, "check", "--deploy")
    assert "portal.W005" in result.stderr + result.stdout
    staged = {
        **PRODUCTION,
        "ACQUIRER_SIMULATOR_URL": "https://staging.pay.example.com/simulators/acquirer",
        "TDS_SIMULATOR_URL": "https://staging.pay.example.com/simulators/tds",
        "PROVIDER_SIMULATOR_URL": "https://staging.pay.example.com/simulators",
    }
    result = manage(staged, "check", "--deploy")
    assert "portal.W005" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = "t" * 40
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "t" * 40)
    assert answer.status_code == 200
    assert b"# HELP" in answer.content


@pytest.mark.django_db
def test_readyz_in_production_names_the_part_not_the_host(client, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    settings.PRODUCTION = True
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/9"
    reset_redis_client()
    try:
        answer = client.get("/readyz")
    finally:
        reset_redis_client()
    assert answer.status_code == 503
    body = answer.json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"] == "error: ConnectionError"
    text = answer.content.decode()
    for secret in ("127.0.0.1", str(port), settings.DATABASES["default"]["NAME"], "postgres"):
        assert secret not in text
