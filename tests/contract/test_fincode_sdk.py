"""fincode's official Node.js SDK, unchanged, drives the product over HTTP (gunicorn): cards,
3-D Secure, customers, lists, idempotency, Apple Pay and Google Pay."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests import processes

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Path(__file__).resolve().parent


@pytest.fixture
def sdk_stack(sdk_server, tmp_path):
    """The product calling its acquirer over HTTP, the acquirer being another server (the
    contract tests' shared one, whose simulator routes answer)."""
    web, url = processes.start_server(
        tmp_path, threads=8, ACQUIRER_SIMULATOR_URL=f"{sdk_server}/simulators/acquirer"
    )
    try:
        yield url
    finally:
        web.stop(graceful=False)


def test_fincode_node_sdk_flows(sdk_stack, merchant):
    result = subprocess.run(
        ["node", str(HERE / "flow.js")],
        cwd=HERE,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PORTAL_URL": sdk_stack,
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
    assert list(steps) == [
        "card",
        "error",
        "change-cancel-auth",
        "3ds",
        "customer",
        "list",
        "idempotency",
        "applepay",
        "googlepay",
        "googlepay-3ds",
        "done",
    ]
    assert steps["card"]["status"] == "CAPTURED"
    assert steps["3ds"] == {**steps["3ds"], "result": "Y", "status": "CAPTURED"}
    assert steps["error"]["code"] == "E1000000002"
    assert steps["applepay"] == {**steps["applepay"], "status": "CANCELED", "second": "CAPTURED"}
    assert steps["googlepay"] == {**steps["googlepay"], "amount": 2500, "status": "CAPTURED"}
    assert steps["googlepay-3ds"] == {**steps["googlepay-3ds"], "result": "Y", "status": "CAPTURED"}
