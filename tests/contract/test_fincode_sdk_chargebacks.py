"""fincode's Node.js SDK, unchanged, reads a tenant's chargebacks over HTTP (gunicorn) for its
platform with ``Tenant-Shop-Id``, through the SDK's own request function (it has no module for them)."""

import pytest

from payments.chargebacks import services
from payments.models import Payment
from tests.contract.conftest import run_flow
from tests.examinations.helpers import make_platform, make_tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_lists_a_tenants_chargebacks(sdk_server):
    platform = make_platform("SDK mall")
    tenant = make_tenant(platform, "SDK tenant")
    order_id = run_flow("flow_chargebacks.js", sdk_server, tenant, "pay")["paid"]["order_id"]
    payment = Payment.objects.get(order_id=order_id, merchant=tenant.merchant)
    chargeback = services.chargeback_open(
        payment=payment, amount=4000, category=2, request=11, acquirer_reference="sdk_case_1"
    )
    steps = run_flow("flow_chargebacks.js", sdk_server, platform, "list", tenant.merchant.public_id, order_id)
    assert list(steps) == ["listed", "filtered", "refused", "own", "done"]
    item = steps["listed"]["item"]
    assert item["id"] == chargeback.chargeback_id and item["amount"] == 4000
    assert (item["category"], item["request"], item["status_code"], item["canceled"]) == (
        2,
        11,
        4005,
        "false",
    )
    assert steps["refused"]["error_code"].startswith("E26")
    assert steps["own"]["count"] == 0  # without Tenant-Shop-Id: the platform's own, none
