"""fincode's Node.js SDK, unchanged, drives bulk payments over HTTP (gunicorn): upload, list,
details with per-line errors, delete; then, after the bulk has been charged as Celery beat
charges it on its process plan date, the results."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from payments.bulk.tasks import run_due
from simulators.models import SimulatedAcquirerTransaction
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


def _node(url: str, merchant, **env) -> dict[str, dict]:
    result = subprocess.run(
        ["node", str(HERE / "flow_bulk.js")],
        cwd=HERE,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PORTAL_URL": url,
            "SECRET_KEY": merchant.test_secret,
            "PUBLIC_KEY": merchant.test_public,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}


def test_fincode_node_sdk_bulk_payments(sdk_server, merchant, settings):
    steps = _node(sdk_server, merchant, PHASE="upload")
    assert list(steps) == ["upload", "bad", "delete", "list", "details", "errors", "done"]
    bulk_id = steps["upload"]["id"]
    assert steps["bad"] == {
        "step": "bad",
        "status": "ERROR",
        "lines": [["1", ["E2100050002"]], ["2", ["E1200000001"]]],
    }
    assert steps["delete"]["delete_flag"] == "1"
    assert steps["list"]["ids"] == [bulk_id]
    assert steps["details"]["statuses"] == [["1", "CHECKED"], ["2", "CHECKED"], ["3", "CHECKED"]]

    # Celery beat's tick on the process plan date (in this process, against the server's acquirer)
    settings.ACQUIRER_SIMULATOR_URL = f"{sdk_server}/simulators/acquirer"
    assert run_due() == 1
    assert run_due() == 0

    steps = _node(sdk_server, merchant, PHASE="results", BULK_ID=bulk_id)
    assert steps["completed"] == {
        "step": "completed", "status": "COMPLETED", "succeeded": 2, "failed": 1, "started": True, "ended": True,
    }  # fmt: skip
    assert steps["results"]["lines"] == [
        ["1", "SUCCEEDED", 1100, True],
        ["2", "FAILED", 2000, True],
        ["3", "SUCCEEDED", 3000, True],
    ]
    assert steps["failed"]["count"] == 1 and steps["failed"]["error_code"]
    assert SimulatedAcquirerTransaction.objects.filter(operation="authorize", outcome="captured").count() == 2
