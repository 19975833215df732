"""The budgets tasks through a real Celery worker: import → scan → notify (e-mail) → webhook."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction

from budgets import services
from budgets.importing import cost_import_create
from budgets.models import Anomaly, BudgetAlert, CostImport, Project
from budgets.scenarios import ProjectSpec, ResourceSpec, Scenario, write_focus
from budgets.tasks import scan_all
from tests.receiver import serve_in_background
from tests.support import make_user


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint (what Slack's incoming webhook would be) that records what it gets."""

    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_url():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    serve_in_background(server)
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def wait_for(check, worker, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; worker log:\n{worker.log()[-4000:]}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_import_scan_notify_and_webhook_in_a_real_worker(celery_worker, tmp_path, webhook_url):
    owner = make_user("owner@example.com")
    project, _ = services.project_upsert(
        name="svc", currency="USD", sub_accounts=["700"], tags=[], owners=[owner]
    )
    Project.objects.filter(pk=project.pk).update(webhook_url=webhook_url)
    resources = [ResourceSpec("i-web", "EC2", 100.0, 0.0), ResourceSpec("db", "RDS", 80.0, 0.0),
                 ResourceSpec("s3", "S3", 40.0, 0.0)]  # fmt: skip
    resources[0].factor_from.append((45, 2.0, 1.0))
    write_focus(
        tmp_path / "c.csv",
        Scenario(date(2025, 1, 1), 48, [ProjectSpec("svc", "700", resources, 0.0)], []).lines(),
    )
    with transaction.atomic():
        created = cost_import_create(path=str(tmp_path / "c.csv"))
        assert CostImport.objects.get(pk=created.pk).status == "queued"  # sent only after the commit
    wait_for(lambda: CostImport.objects.get(pk=created.pk).status == "done", celery_worker)
    result = CostImport.objects.get(pk=created.pk)
    assert (result.rows_read, result.rows_rejected, result.progress_percent) == (144, 0, 100)
    wait_for(lambda: Anomaly.objects.filter(notified_at__isnull=False).exists(), celery_worker)
    anomaly = Anomaly.objects.get()
    assert (anomaly.type, anomaly.start_date, anomaly.resource_id) == (
        "scaled_up_left",
        date(2025, 2, 15),
        "i-web",
    )
    wait_for(lambda: Receiver.received, celery_worker)
    [payload] = Receiver.received  # one digest per project and scan, not one call per anomaly
    assert (payload["event"], payload["project"]) == ("budgets.digest", "svc")
    [item] = payload["anomalies"]
    assert (item["type"], item["start"], item["resource_id"]) == ("scaled_up_left", "2025-02-15", "i-web")
    assert payload["text"].startswith(
        "[svc] 1 new anomalies, 0 budget alerts\n- Scaled up and left since 2025-02-15"
    )
    log = celery_worker.log()
    for name in ("budgets.import_costs", "budgets.scan_projects", "budgets.digest", "budgets.webhook"):
        assert name in log
    assert "owner@example.com" in log  # the e-mail went out (console backend of the worker)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_daily_scan_in_a_real_worker(celery_worker, tmp_path):
    project, _ = services.project_upsert(name="svc", currency="USD", sub_accounts=["700"], tags=[])
    services.project_budget_set(
        project=project, amount="1000", currency="USD", start_month="2025-01", months=12
    )
    write_focus(
        tmp_path / "c.csv",
        Scenario(
            date(2025, 1, 1), 20, [ProjectSpec("svc", "700", [ResourceSpec("i", "EC2", 30.0, 0.0)], 0.0)], []
        ).lines(),
    )
    from tests.budgets.conftest import run_import

    run_import(tmp_path / "c.csv")  # synchronous (the import command's way)
    BudgetAlert.objects.all().delete()
    scan_all.delay()
    wait_for(lambda: BudgetAlert.objects.count() == 3, celery_worker)
    alerts = sorted(BudgetAlert.objects.values_list("kind", "threshold"))
    # 600 spent of 1,000 (60%): the 50% alert; exhausted in 2025-02, within 3 months: the overrun alert;
    # the forecast passes 100% of the plan.
    assert alerts == [("actual_percent", 50), ("forecast_over_plan", 100), ("forecast_overrun", 3)]
    assert BudgetAlert.objects.get(kind="actual_percent").message.startswith(
        "Actual spend 600.00 USD reached 50%"
    )
    assert "budgets.scan_all" in celery_worker.log()
    assert Decimal(600) == sum(Decimal(1) * 30 for _ in range(20))
