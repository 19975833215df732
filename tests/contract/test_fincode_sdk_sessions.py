"""fincode's Node.js SDK, unchanged, makes hosted payment and card-registration pages over HTTP
(gunicorn); a buyer pays and saves a card on them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from payments.hosted.models import CardRegistrationSession, PaymentSession
from payments.models import Card, Payment
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


def test_fincode_node_sdk_hosted_pages(sdk_server, merchant):
    result = subprocess.run(
        ["node", str(HERE / "flow_sessions.js")],
        cwd=HERE,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "PORTAL_URL": sdk_server,
            "SECRET_KEY": merchant.test_secret,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    steps = {line["step"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert list(steps) == ["payment", "card", "errors", "done"]
    assert steps["payment"]["status"] == "CAPTURED"
    session = PaymentSession.objects.get(session_id=steps["payment"]["id"])
    assert session.status == "COMPLETED" and session.merchant == merchant.merchant
    assert Payment.objects.get(order_id=steps["payment"]["order_id"]).total_amount == 2750
    assert CardRegistrationSession.objects.get(session_id=steps["card"]["id"]).status == "COMPLETED"
    assert Card.objects.get().card_id == steps["card"]["card_id"]
