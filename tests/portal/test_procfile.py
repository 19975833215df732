"""The Procfile (web + Celery worker + beat, via honcho) starts and serves, on PostgreSQL/Redis."""

import time

import httpx
import pytest

from portal.models import Application
from tests import processes
from tests.processes import http
from tests.support import make_merchant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_procfile_runs_web_worker_and_beat(tmp_path):
    processes.purge_broker()
    port = processes.free_port()
    proc = processes.spawn(
        [str(processes.BIN / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
        processes.child_env(
            CELERY_BROKER_URL=processes.test_broker_url(),
            HOST="127.0.0.1",
            WEB_ACCESS_LOG="",
            PORTAL_VAR_DIR=str(tmp_path),
        ),
        tmp_path / "honcho.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = http.get(base + "/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert ready is not None and ready.status_code == 200, proc.log()
        assert ready.json()["checks"]["broker"] == "ok"
        assert http.get(base + "/healthz").json() == {"status": "ok"}

        # The worker started by the Procfile runs the screening of a submitted application.
        shop = make_merchant(approved=False)
        headers = {"Authorization": f"Bearer {shop.test_secret}"}
        body = {
            "legal_name": "株式会社プロック",
            "legal_name_kana": "カブシキガイシャプロック",
            "corporate_number": "7000012050002",
            "representative_name": "工程 一郎",
            "postal_code": "1000001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-9999-0000",
            "business_category": "saas",
            "expected_monthly_volume": 1,
            "requested_methods": ["Card"],
        }
        assert http.put(base + "/v1/onboarding/application", json=body, headers=headers).status_code == 200
        assert http.post(base + "/v1/onboarding/application/submit", headers=headers).status_code == 200
        application = Application.objects.get(merchant=shop.merchant)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and application.screened_at is None:
            time.sleep(0.2)
            application.refresh_from_db()
        assert application.screened_at is not None, proc.log()
        assert "celery beat v" in proc.log()
    finally:
        proc.stop(graceful=False)  # web, worker and beat too
        processes.purge_broker()
