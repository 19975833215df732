"""The laptop default that `make run` uses: the embedded PostgreSQL server (a pip wheel, started
on first use under var/postgres), the embedded Redis stand-in, eager Celery."""

import json
import os
import subprocess
import sys

import httpx
import pytest

from tests import processes

pytestmark = pytest.mark.slow


def test_product_runs_on_the_embedded_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_"))}
    env.update(PORTAL_ENV="development", DEBUG="false", PORTAL_VAR_DIR=str(tmp_path), WEB_CONCURRENCY="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=processes.ROOT, check=True, timeout=120)
    created = subprocess.run(
        [*manage, "create_merchant", "--name", "Laptop", "--email", "laptop@example.com", "--approve", "--json"],
        env=env, cwd=processes.ROOT, check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    keys = json.loads(created.stdout)["keys"]["test"]
    port = processes.free_port()
    env.update(
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        ACQUIRER_SIMULATOR_URL=f"http://127.0.0.1:{port}/simulators/acquirer",
    )
    server = processes.spawn(
        [
            str(processes.BIN / "gunicorn"),
            "portal.wsgi",
            "--config",
            "python:portal.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env,
        tmp_path / "server.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            import time

            time.sleep(0.1)
        ready = httpx.get(base + "/readyz").json()
        assert ready["checks"]["database"] == "ok"
        version = subprocess.run(
            [*manage, "shell", "-c", "from django.db import connection as c; print(c.cursor().connection.info.server_version, c.settings_dict['NAME'])"],
            env=env, cwd=processes.ROOT, check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip().splitlines()[-1].split()  # fmt: skip
        assert int(version[0]) >= 180000 and version[1] == "portal"  # PostgreSQL 18, from the wheel
        assert ready["checks"]["redis"] == "ok (embedded)" and ready["checks"]["broker"].startswith(
            "ok (eager"
        )
        assert "Sign up" in httpx.get(base + "/").text
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['secret']}"}, timeout=30)
        payment = api.post(
            "/v1/payments", json={"pay_type": "Card", "job_code": "CAPTURE", "amount": "1000"}
        ).json()
        token = httpx.post(
            base + "/v1/tokens/cards",
            headers={"Authorization": f"Bearer {keys['public']}"},
            json={"card_no": "4111111111111111", "expire": "3012", "security_code": "123"},
        ).json()["token"]
        body = {"pay_type": "Card", "access_id": payment["access_id"], "token": token}
        executed = api.put(f"/v1/payments/{payment['id']}", json=body)
        assert executed.status_code == 200, server.log()
        assert executed.json()["status"] == "CAPTURED"
    finally:
        server.stop()
        subprocess.run(
            [sys.executable, "-m", "portal.embedded", "stop", str(tmp_path / "postgres")],
            cwd=processes.ROOT, env=env, timeout=60, check=True,
        )  # fmt: skip
