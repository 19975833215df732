"""Onboarding screening through a real Celery worker (arguments must serialise)."""

import time

import pytest

from portal import services
from portal.models import Application, ScreeningFlag
from tests.support import make_merchant


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_screening_runs_in_a_real_worker(celery_worker):
    first = make_merchant(name="First", approved=False)
    services.application_update(
        application=first.merchant.application, data={"corporate_number": "7000012050002"}, actor=None
    )
    shop = make_merchant(name="Second", approved=False)
    application = shop.merchant.application
    services.application_update(
        application=application,
        data={
            "legal_name": "株式会社セカンド",
            "legal_name_kana": "カブシキガイシャセカンド",
            "corporate_number": "7000012050002",
            "representative_name": "鈴木 一郎",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-0000-0000",
            "business_category": "gambling",
            "expected_monthly_volume": 1000,
            "requested_methods": ["Card"],
        },
        actor=shop.owner,
    )
    services.application_submit(application=application, actor=shop.owner)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        application.refresh_from_db()
        if application.screened_at:
            break
        time.sleep(0.1)
    assert application.screened_at is not None, celery_worker.log()
    codes = set(ScreeningFlag.objects.filter(application=application).values_list("code", flat=True))
    assert codes == {"prohibited_category", "duplicate_corporate_number"}
    assert "portal.applications.screen" in celery_worker.log()
    assert Application.objects.get(pk=application.pk).status == "submitted"
