"""Operators' admin: review queue, per-method decisions, two-factor sign-in, throttled logins."""

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.models import Application, AuditEvent, Contract
from tests.support import make_merchant, make_user

pytestmark = pytest.mark.django_db


def _reviewer():
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def _submitted_application():
    shop = make_merchant(approved=False)
    services.application_update(
        application=shop.merchant.application,
        data={
            "legal_name": "株式会社レビュー",
            "legal_name_kana": "カブシキガイシャレビュー",
            "corporate_number": "7000012050002",
            "representative_name": "審査 花子",
            "postal_code": "1000001",
            "address": "東京都千代田区千代田1-1",
            "phone": "03-5555-5555",
            "business_category": "saas",
            "expected_monthly_volume": 1,
            "requested_methods": ["Card", "Konbini"],
        },
        actor=None,
    )
    services.application_submit(application=shop.merchant.application, actor=None)
    return shop


def test_groups_exist_with_permissions():
    reviewer = Group.objects.get(name="reviewer")
    operator = Group.objects.get(name="operator")
    assert reviewer.permissions.filter(codename="review_application").exists()
    assert not reviewer.permissions.filter(codename="change_contract").exists()
    assert operator.permissions.filter(codename="change_contract").exists()


def test_review_queue_on_the_admin_front_page(client):
    shop = _submitted_application()
    client.force_login(_reviewer())
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Review queue" in response.content
    assert shop.merchant.name.encode() in response.content


def test_reviewer_decides_per_method_in_the_admin(client):
    shop = _submitted_application()
    reviewer = _reviewer()
    client.force_login(reviewer)
    application = Application.objects.get(merchant=shop.merchant)
    url = f"/admin/portal/application/{application.pk}/change/"
    assert client.get(url).status_code == 200
    client.post(f"/admin/portal/application/{application.pk}/start-review/")
    application.refresh_from_db()
    assert application.status == "in_review"
    methods = list(application.methods.order_by("pay_type"))
    form = {
        "methods-TOTAL_FORMS": "2",
        "methods-INITIAL_FORMS": "2",
        "methods-MIN_NUM_FORMS": "0",
        "methods-MAX_NUM_FORMS": "1000",
        "flags-TOTAL_FORMS": "0",
        "flags-INITIAL_FORMS": "0",
        "flags-MIN_NUM_FORMS": "0",
        "flags-MAX_NUM_FORMS": "1000",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
    }
    for i, method in enumerate(methods):
        form[f"methods-{i}-id"] = str(method.pk)
        form[f"methods-{i}-application"] = str(application.pk)
        form[f"methods-{i}-decision"] = "approved" if method.pay_type == "Card" else "rejected"
        form[f"methods-{i}-comment"] = "Konbini volume too low" if method.pay_type == "Konbini" else ""
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    assert dict(application.methods.values_list("pay_type", "decision")) == {
        "Card": "approved",
        "Konbini": "rejected",
    }
    client.post(f"/admin/portal/application/{application.pk}/finalize/")
    application.refresh_from_db()
    assert application.status == "approved"
    assert list(Contract.objects.filter(merchant=shop.merchant).values_list("pay_type", flat=True)) == [
        "Card"
    ]
    assert AuditEvent.objects.filter(action="application.method_decided", actor=reviewer).count() == 2


def test_reviewer_cannot_edit_contracts_or_audit(client, merchant):
    client.force_login(_reviewer())
    contract = Contract.objects.filter(merchant=merchant.merchant).first()
    response = client.post(f"/admin/portal/contract/{contract.pk}/change/", {"concurrency_window": "999"})
    assert response.status_code == 403
    event = AuditEvent.objects.first()
    assert client.get(f"/admin/portal/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_operator_edits_contract_limits_through_the_service(client, merchant):
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    contract = Contract.objects.get(merchant=merchant.merchant, pay_type="Card")
    response = client.post(
        f"/admin/portal/contract/{contract.pk}/change/",
        {
            "status": "active",
            "fee_rate_bps": "300",
            "max_amount": "500000",
            "concurrency_window": "40",
            "rate_per_second": "15",
            "burst_factor": "5",
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.fee_rate_bps, contract.concurrency_window) == (300, 40)
    event = AuditEvent.objects.filter(action="contract.updated").latest("id")
    assert event.actor == operator
    assert event.before["concurrency_window"] == 20 and event.after["concurrency_window"] == 40


def test_two_factor_required_when_configured(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    operator = make_user(
        email="ops@example.com", password="ops-password-long", is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
    no_token = client.post("/admin/login/", {"username": "ops@example.com", "password": "ops-password-long"})
    assert no_token.status_code == 200  # form re-shown: the token is required
    assert client.get("/admin/").status_code == 302
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    ok = client.post(
        "/admin/login/",
        {
            "username": "ops@example.com",
            "password": "ops-password-long",
            "otp_device": device.persistent_id,
            "otp_token": f"{token:06d}",
        },
    )
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_repeated_failed_logins_are_throttled(client):
    make_user(email="victim@example.com", password="the-right-password")
    for _ in range(5):
        client.post("/login/", {"username": "victim@example.com", "password": "wrong"})
    locked = client.post("/login/", {"username": "victim@example.com", "password": "the-right-password"})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
