import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal import services
from portal.models import ApiKey, Contract, Merchant, User

pytestmark = pytest.mark.django_db


def test_create_merchant_approved_prints_keys_as_json(client):
    out = StringIO()
    call_command(
        "create_merchant",
        "--name",
        "CLI Shop",
        "--email",
        "cli@example.com",
        "--approve",
        "--methods",
        "Card,Konbini",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    merchant = Merchant.objects.get(public_id=result["merchant_id"])
    assert merchant.status == "active"
    assert set(Contract.objects.filter(merchant=merchant).values_list("pay_type", flat=True)) == {
        "Card",
        "Konbini",
    }
    assert result["keys"]["test"]["secret"].startswith("m_test_")
    assert result["keys"]["live"]["public"].startswith("p_live_")
    live = result["keys"]["live"]["secret"]
    assert ApiKey.objects.get(key_hash=services.hash_api_key(live)).mode == "live"
    response = client.get("/v1/onboarding/application", HTTP_AUTHORIZATION=f"Bearer {live}")
    assert response.json()["status"] == "approved"


def test_create_merchant_unapproved_has_test_keys_only():
    out = StringIO()
    call_command("create_merchant", "--name", "New", "--email", "new@example.com", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "onboarding"
    assert list(result["keys"]) == ["test"]
    assert User.objects.get(email="new@example.com").has_usable_password() is False


def test_create_merchant_rejects_unknown_methods():
    with pytest.raises(CommandError, match="unknown pay types: Bitcoin"):
        call_command(
            "create_merchant", "--name", "X", "--email", "x@example.com", "--methods", "Card,Bitcoin"
        )
    assert not Merchant.objects.exists()


def test_load_demo_is_idempotent():
    call_command("load_demo", stdout=StringIO())
    counts = (User.objects.count(), Merchant.objects.count(), ApiKey.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (User.objects.count(), Merchant.objects.count(), ApiKey.objects.count()) == counts


def _run_settings(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_refuses_to_start_unconfigured():
    result = _run_settings({"PORTAL_ENV": "production"}, "check")
    assert result.returncode != 0
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL (PostgreSQL)",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "METRICS_TOKEN",
    ):
        assert name in result.stderr


def test_check_deploy_passes_without_warnings_in_production():
    result = _run_settings(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": "k" * 20 + "A-very-long-random-production-secret-key-0123456789",
            "ALLOWED_HOSTS": "pay.example.com",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/10",
            "CARD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
            "CARD_HASH_KEY": "B" * 43 + "=",
            "METRICS_TOKEN": "m" * 40,
            # Test mode's provider simulators live on a staging system (not routed in production).
            "ACQUIRER_SIMULATOR_URL": "https://staging.pay.example.com/simulators/acquirer",
            "TDS_SIMULATOR_URL": "https://staging.pay.example.com/simulators/tds",
            "PROVIDER_SIMULATOR_URL": "https://staging.pay.example.com/simulators",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_test_command_names_what_to_start_when_services_are_down():
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/portal",
        "REDIS_URL": "redis://127.0.0.1:1/9",
    }
    result = subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stderr
    assert "pg_ctlcluster" in result.stderr
    assert "Redis is not reachable at redis://127.0.0.1:1/9" in result.stderr
    assert "redis-server --daemonize yes" in result.stderr
