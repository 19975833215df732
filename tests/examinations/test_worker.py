"""A tenant's examination request screened by a real Celery worker (the portal's task)."""

import time

import pytest

from portal.models import Application, ScreeningFlag
from tests.examinations.helpers import full_info, make_platform, make_tenant
from tests.support import ApiClient


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_examination_request_is_screened_in_a_real_worker(celery_worker):
    platform = make_platform("Worker mall")
    tenant = make_tenant(platform, "Worker tenant")
    api = ApiClient(platform.test_secret)
    info = full_info()
    info["contract_info"]["corporate_info"]["corporate_number"] = "1234567890123"  # fails the check digit
    path = f"/v1/contracts/examinations_v2/tenants/{tenant.merchant.public_id}"
    assert api.call("PUT", path, info).status_code == 200
    response = api.call(
        "POST",
        "/v1/contracts/examinations",
        {"shop_id": tenant.merchant.public_id, "enable_immediate_use": True},
    )
    assert response.json() == {"shop_id": tenant.merchant.public_id, "status_code": 3}
    application = Application.objects.get(merchant=tenant.merchant)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        application.refresh_from_db()
        if application.screened_at:
            break
        time.sleep(0.1)
    assert application.screened_at is not None, celery_worker.log()
    assert set(ScreeningFlag.objects.filter(application=application).values_list("code", flat=True)) == {
        "corporate_number_check_digit"
    }
    assert "portal.applications.screen" in celery_worker.log()
