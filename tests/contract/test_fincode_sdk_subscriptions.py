"""fincode's Node.js SDK, unchanged, drives plans and subscriptions over HTTP (gunicorn); the
billing run between its two phases is the Celery task's, as beat runs it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from payments.subscriptions.tasks import bill_due
from tests import processes

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).resolve().parent


@pytest.fixture
def sdk_server(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the fincode SDK contract test needs it")
    if not (HERE / "node_modules" / "@fincode" / "node").exists():
        pytest.skip("run `npm ci --prefix tests/contract` (make test does) to install the fincode SDK")
    web, url = processes.start_server(tmp_path, threads=8)
    try:
        yield url
    finally:
        web.stop()


def _flow(url: str, merchant, *args: str) -> dict[str, dict]:
    result = subprocess.run(
        ["node", str(HERE / "flow_subscriptions.js"), *args],
        cwd=HERE,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PORTAL_URL": url,
            "SECRET_KEY": merchant.test_secret,
            "PUBLIC_KEY": merchant.test_public,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}


def test_fincode_node_sdk_plans_and_subscriptions(sdk_server, merchant, settings):
    settings.ACQUIRER_SIMULATOR_URL = f"{sdk_server}/simulators/acquirer"  # the billing run's acquirer
    steps = _flow(sdk_server, merchant)
    assert list(steps) == ["plans", "subscribed", "done"]
    subscribed = steps["subscribed"]
    assert subscribed["start"] == timezone.localdate().strftime("%Y/%m/%d")
    assert bill_due.apply(kwargs={"today": timezone.localdate().isoformat()}).get() == 1  # as beat does
    steps = _flow(sdk_server, merchant, "results", subscribed["id"], subscribed["pricier_id"])
    assert list(steps) == ["charged", "canceled", "done"]
    assert steps["charged"] == {**steps["charged"], "status": "SUCCEEDED", "total_amount": 1000}
    assert steps["charged"]["captured"] == "CAPTURED"
