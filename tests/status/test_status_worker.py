"""The beat task in a real Celery worker: its arguments serialise, its results land in the database."""

from __future__ import annotations

import time

import pytest

from status.models import ComponentStatus
from status.tasks import run_checks


@pytest.fixture
def worker_with_stub_providers(transactional_db, tmp_path, providers):
    from portal.celery import app
    from tests import processes

    providers.fail("/sim/bank", 503)
    processes.purge_broker()
    worker = processes.start_worker(
        tmp_path,
        SIMULATORS_ENABLED="true",
        PROVIDER_SIMULATOR_URL=f"{providers.url}/sim",
        ACQUIRER_SIMULATOR_URL=f"{providers.url}/sim/acquirer",
    )
    try:
        yield worker
    finally:
        worker.stop(graceful=False)
        processes.use_broker(app, None)
        processes.purge_broker()


def test_the_beat_task_checks_every_component_in_a_real_worker(worker_with_stub_providers, providers):
    run_checks.apply_async(kwargs={})
    deadline = time.monotonic() + 30
    while ComponentStatus.objects.count() < 9 and time.monotonic() < deadline:
        time.sleep(0.2)
    states = dict(ComponentStatus.objects.values_list("component", "state"))
    assert states == {
        "api": "operational", "card": "operational", "wallet-paypay": "operational", "wallet-dpay": "operational",
        "wallet-rakutenpay": "operational", "konbini": "operational", "bank": "outage", "webhooks": "operational",
        "queue": "operational",
    }, worker_with_stub_providers.log()  # fmt: skip
    queue = ComponentStatus.objects.get(component="queue")
    assert queue.reason.endswith("jobs waiting") and queue.detail["depth"] >= 0  # read from the real broker
    assert "/sim/bank/" in providers.requests
    assert "status.run_checks" in worker_with_stub_providers.log()
