"""fincode's Node.js SDK, unchanged, drives saved payment methods and direct debit over HTTP (gunicorn)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

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


def test_fincode_node_sdk_payment_methods_and_direct_debit(sdk_server, merchant):
    result = subprocess.run(
        ["node", str(HERE / "flow_payment_methods.js")],
        cwd=HERE,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PORTAL_URL": sdk_server,
            "SECRET_KEY": merchant.test_secret,
            "PUBLIC_KEY": merchant.test_public,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert list(steps) == ["account", "debit", "cancel", "card", "errors", "done"]
    assert steps["account"]["status"] == "ACTIVATED"
    assert steps["debit"] == {**steps["debit"], "status": "CAPTURED", "result_code": "0"}
    assert steps["cancel"]["status"] == "CANCELED"
