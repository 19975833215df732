"""Shared by the contract tests: gunicorn serving the product, and a flow script run by Node."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import processes

HERE = Path(__file__).resolve().parent


def sdk_installed() -> None:
    """Skip unless Node.js and the fincode SDK (``npm ci --prefix tests/contract``) are here."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the fincode SDK contract test needs it")
    if not (HERE / "node_modules" / "@fincode" / "node").exists():
        pytest.skip("run `npm ci --prefix tests/contract` (make test does) to install the fincode SDK")


@pytest.fixture(scope="session")
def sdk_server(django_db_setup, tmp_path_factory):
    """gunicorn serving the product on the test database, one per test process for all the
    contract tests (as a deployed server outlives its clients): each test makes its own merchant,
    keys and payments, and the data is deleted after each (``transaction=True``), so none sees
    another's. Killed at the end: a graceful stop would only cost time."""
    sdk_installed()
    web, url = processes.start_server(tmp_path_factory.mktemp("sdk-server"), threads=8)
    try:
        yield url
    finally:
        web.stop(graceful=False)


def run_flow(script: str, url: str, merchant, *args: str, **env: str) -> dict[str, dict]:
    """Run ``script`` (with ``args``) with Node against ``url``: its steps (one JSON line each) by name."""
    result = subprocess.run(
        ["node", str(HERE / script), *args],
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
