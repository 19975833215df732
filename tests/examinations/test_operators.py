"""Operators review a tenant in the admin (the platform is told); the platform's page of tenants."""

import pytest
from django.contrib.auth.models import Group

from payments.webhooks.models import WebhookEvent, WebhookSetting
from portal.models import Application, Contract
from tests.examinations.helpers import full_info, make_platform, make_tenant
from tests.support import ApiClient, make_merchant, make_user

pytestmark = pytest.mark.django_db


def _reviewer():
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def _requested(capture):
    platform = make_platform("Admin mall")
    tenant = make_tenant(platform, "Admin tenant")
    api = ApiClient(platform.test_secret)
    assert (
        api.call(
            "PUT", f"/v1/contracts/examinations_v2/tenants/{tenant.merchant.public_id}", full_info()
        ).status_code
        == 200
    )
    with capture(execute=True):
        body = {"shop_id": tenant.merchant.public_id, "enable_immediate_use": False}
        assert api.call("POST", "/v1/contracts/examinations", body).status_code == 200
    return platform, tenant


def _method_form(application, decisions: dict[str, str]) -> dict[str, str]:
    methods = list(application.methods.order_by("pay_type"))
    form = {"methods-TOTAL_FORMS": str(len(methods)), "methods-INITIAL_FORMS": str(len(methods)),
            "methods-MIN_NUM_FORMS": "0", "methods-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for name in ("flags", "documents"):
        form.update({f"{name}-TOTAL_FORMS": "0", f"{name}-INITIAL_FORMS": "0", f"{name}-MIN_NUM_FORMS": "0",
                     f"{name}-MAX_NUM_FORMS": "1000"})  # fmt: skip
    for i, method in enumerate(methods):
        form[f"methods-{i}-id"] = str(method.pk)
        form[f"methods-{i}-application"] = str(application.pk)
        form[f"methods-{i}-decision"] = decisions.get(method.pay_type, method.decision)
        form[f"methods-{i}-comment"] = ""
    return form


def test_operator_decision_in_the_admin_raises_the_platform_webhook(
    client, django_capture_on_commit_callbacks
):
    platform, tenant = _requested(django_capture_on_commit_callbacks)
    WebhookSetting.objects.create(
        merchant=platform.merchant,
        mode="test",
        url="https://hooks.example.com/c",
        event="contracts.status_code.updated",
    )
    client.force_login(_reviewer())
    queue = client.get("/admin/portal/application/?merchant__shop_type=tenant")
    assert queue.status_code == 200
    assert b"Admin tenant" in queue.content and b"Admin mall" in queue.content
    examinations = client.get("/admin/examinations/examination/")
    assert examinations.status_code == 200
    assert b"Admin tenant" in examinations.content and b"Admin mall" in examinations.content
    application = Application.objects.get(merchant=tenant.merchant)
    url = f"/admin/portal/application/{application.pk}/change/"
    client.post(f"/admin/portal/application/{application.pk}/start-review/")
    assert client.post(url, _method_form(application, {"Card": "approved"})).status_code == 302
    events = WebhookEvent.objects.filter(merchant=platform.merchant, event="contracts.status_code.updated")
    assert [(e.payload["status_code"], e.payload["body"][0]["status_code"]) for e in events] == [
        ("102", "707")
    ]
    client.post(f"/admin/portal/application/{application.pk}/finalize/")
    assert Contract.objects.filter(merchant=tenant.merchant, pay_type="Card").exists()
    assert list(events.order_by("sequence").values_list("payload__status_code", flat=True)) == ["102", "107"]
    assert events.get(sequence=2).payload["shop_id"] == tenant.merchant.public_id
    # a provider reserved afterwards is decided in the same inline, and contracted
    api = ApiClient(platform.test_secret)
    path = f"/v1/contracts/examinations/tenants/{tenant.merchant.public_id}/providers/reserve"
    assert api.call("POST", path, {"provider": ["PAYPAY"]}).status_code == 200
    assert client.post(url, _method_form(application, {"Paypay": "approved"})).status_code == 302
    assert Contract.objects.filter(merchant=tenant.merchant, pay_type="Paypay").exists()
    statuses = list(events.all().order_by("sequence").values_list("payload__status_code", flat=True))
    assert statuses == ["102", "107", "107", "107"]  # reserved (201 in examination), then approved


def test_platform_page_lists_its_tenants_examinations(client, django_capture_on_commit_callbacks):
    platform, _tenant = _requested(django_capture_on_commit_callbacks)
    make_tenant(make_platform("Elsewhere"), "Not mine")
    client.force_login(platform.owner)
    response = client.get(f"/m/{platform.merchant.public_id}/tenants/examinations/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Admin tenant" in page and "102" in page and "Card: Pending" in page
    assert "Not mine" not in page
    shop = make_merchant(name="Plain shop")
    client.force_login(shop.owner)
    assert client.get(f"/m/{shop.merchant.public_id}/tenants/examinations/").status_code == 404
