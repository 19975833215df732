"""The laptop default that `make run` uses: the embedded PostgreSQL server (a pip wheel, started
on first use under var/postgres), the embedded Redis stand-in, eager Celery."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests import processes
from tests.processes import http, http_client

pytestmark = pytest.mark.slow


def test_product_runs_on_the_embedded_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_"))}
    env.update(PORTAL_ENV="development", DEBUG="false", PORTAL_VAR_DIR=str(tmp_path), WEB_CONCURRENCY="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=processes.ROOT, check=True, timeout=120)
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
        # While the server starts: a merchant, and the server's version, each by a command.
        commands = [
            subprocess.Popen(
                [*manage, *arguments], env=env, cwd=processes.ROOT, stdout=subprocess.PIPE, text=True
            )
            for arguments in (
                ["create_merchant", "--name", "Laptop", "--email", "laptop@example.com", "--approve", "--json"],
                ["shell", "-c", "from django.db import connection as c; print(c.cursor().connection.info.server_version, c.settings_dict['NAME'])"],
            )
        ]  # fmt: skip
        created, shown = (command.communicate(timeout=60)[0] for command in commands)
        assert [command.returncode for command in commands] == [0, 0]
        keys = json.loads(created)["keys"]["test"]
        version = shown.strip().splitlines()[-1].split()
        assert int(version[0]) >= 180000 and version[1] == "portal"  # PostgreSQL 18, from the wheel
        for _ in range(100):
            try:
                if http.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        ready = http.get(base + "/readyz").json()
        assert ready["checks"]["database"] == "ok"
        assert ready["checks"]["redis"] == "ok (embedded)" and ready["checks"]["broker"].startswith(
            "ok (eager"
        )
        assert "Sign up" in http.get(base + "/").text
        api = http_client(base_url=base, headers={"Authorization": f"Bearer {keys['secret']}"}, timeout=30)
        payment = api.post(
            "/v1/payments", json={"pay_type": "Card", "job_code": "CAPTURE", "amount": "1000"}
        ).json()
        token = http.post(
            base + "/v1/tokens/cards",
            headers={"Authorization": f"Bearer {keys['public']}"},
            json={"card_no": "4111111111111111", "expire": "3012", "security_code": "123"},
        ).json()["token"]
        body = {"pay_type": "Card", "access_id": payment["access_id"], "token": token}
        executed = api.put(f"/v1/payments/{payment['id']}", json=body)
        assert executed.status_code == 200, server.log()
        assert executed.json()["status"] == "CAPTURED"
    finally:
        server.stop(graceful=False)
        subprocess.run(
            [sys.executable, "-m", "portal.embedded", "stop", str(tmp_path / "postgres")],
            cwd=processes.ROOT, env=env, timeout=60, check=True,
        )  # fmt: skip
