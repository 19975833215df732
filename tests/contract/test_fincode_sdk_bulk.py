"""fincode's Node.js SDK, unchanged, drives bulk payments over HTTP (gunicorn): upload, list,
details with per-line errors, delete; then, after the bulk has been charged as Celery beat
charges it on its process plan date, the results."""

import pytest

from payments.bulk.tasks import run_due
from simulators.models import SimulatedAcquirerTransaction
from tests.contract.conftest import run_flow

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_bulk_payments(sdk_server, merchant, settings):
    steps = run_flow("flow_bulk.js", sdk_server, merchant, PHASE="upload")
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

    steps = run_flow("flow_bulk.js", sdk_server, merchant, PHASE="results", BULK_ID=bulk_id)
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
