"""fincode's Node.js SDK, unchanged, drives a platform's examination of its tenant over HTTP
(gunicorn); the operator's review between its two phases is the portal's, as the admin makes it."""

import json

import pytest

from portal import services
from portal.models import Application, Contract
from tests.contract.conftest import run_flow
from tests.examinations.helpers import full_info, make_platform, make_tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_tenant_examination(sdk_server):
    platform = make_platform("SDK mall")
    tenant = make_tenant(platform, "SDK tenant").merchant.public_id
    steps = run_flow("flow_examinations.js", sdk_server, platform, tenant, json.dumps(full_info()))
    assert list(steps) == ["v2", "v1", "requested", "contract", "done"]
    assert steps["requested"]["status_code"] == 1
    assert steps["contract"] == {
        **steps["contract"],
        "status_code": "102",
        "examination": [[1, "1"], [2, "1"]],
    }
    application = Application.objects.get(merchant__public_id=tenant)
    assert application.status == Application.Status.SUBMITTED
    services.application_start_review(application=application, reviewer=None)
    method = application.methods.get(pay_type="Card")
    services.application_decide_method(method=method, decision="approved", comment="", reviewer=None)
    services.application_finalize(application=application, reviewer=None)
    steps = run_flow("flow_examinations.js", sdk_server, platform, "contract", tenant)
    assert steps["contract"]["status_code"] == "107"
    assert steps["contract"]["examination"] == [[1, "2"], [2, "2"]]
    assert Contract.objects.filter(merchant__public_id=tenant, pay_type="Card").exists()
