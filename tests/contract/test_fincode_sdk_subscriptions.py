"""fincode's Node.js SDK, unchanged, drives plans and subscriptions over HTTP (gunicorn); the
billing run between its two phases is the Celery task's, as beat runs it."""

import pytest
from django.utils import timezone

from payments.subscriptions.tasks import bill_due
from tests.contract.conftest import run_flow

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_plans_and_subscriptions(sdk_server, merchant, settings):
    settings.ACQUIRER_SIMULATOR_URL = f"{sdk_server}/simulators/acquirer"  # the billing run's acquirer
    steps = run_flow("flow_subscriptions.js", sdk_server, merchant)
    assert list(steps) == ["plans", "subscribed", "done"]
    subscribed = steps["subscribed"]
    assert subscribed["start"] == timezone.localdate().strftime("%Y/%m/%d")
    assert bill_due.apply(kwargs={"today": timezone.localdate().isoformat()}).get() == 1  # as beat does
    steps = run_flow(
        "flow_subscriptions.js", sdk_server, merchant, "results", subscribed["id"], subscribed["pricier_id"]
    )
    assert list(steps) == ["charged", "canceled", "done"]
    assert steps["charged"] == {**steps["charged"], "status": "SUCCEEDED", "total_amount": 1000}
    assert steps["charged"]["captured"] == "CAPTURED"
