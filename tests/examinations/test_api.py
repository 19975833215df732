"""fincode's examination API for platforms: every operation, isolation, bad input, the review."""

from __future__ import annotations

import base64

import pytest

from payments.examinations.models import Examination, ExaminationFile, ProviderReservation
from payments.webhooks.models import WebhookEvent, WebhookSetting
from portal import services
from portal.models import (
    Application,
    ApplicationDocument,
    ApplicationMethod,
    AuditEvent,
    Contract,
    ScreeningFlag,
)
from tests.examinations.helpers import full_info, make_platform, make_tenant
from tests.support import ApiClient, error_codes, make_merchant

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def platform():
    return make_platform("Mall")


@pytest.fixture
def tenant(platform):
    return make_tenant(platform, "Tenant A")


@pytest.fixture
def papi(platform):
    return ApiClient(platform.test_secret)


def v2(tenant) -> str:
    return f"/v1/contracts/examinations_v2/tenants/{tenant.merchant.public_id}"


def submitted(papi, tenant, capture) -> dict:
    assert papi.call("PUT", v2(tenant), full_info()).status_code == 200
    with capture(execute=True):
        response = papi.call(
            "POST",
            "/v1/contracts/examinations",
            {"shop_id": tenant.merchant.public_id, "enable_immediate_use": False},
        )
    assert response.status_code == 200, response.json()
    return response.json()


def decide(tenant, decisions: dict[str, str]) -> None:
    application = Application.objects.get(merchant=tenant.merchant)
    if application.status == Application.Status.SUBMITTED:
        services.application_start_review(application=application, reviewer=None)
    for method in application.methods.all():
        if method.pay_type in decisions:
            services.application_decide_method(
                method=method, decision=decisions[method.pay_type], comment="", reviewer=None
            )
    application.refresh_from_db()
    if application.status == Application.Status.IN_REVIEW:
        services.application_finalize(application=application, reviewer=None)


def test_new_tenant_has_an_empty_application(papi, tenant):
    response = papi.call("GET", v2(tenant))
    assert response.status_code == 200
    assert response.json() == {
        "status_code": "101", "contract_info": {}, "shop_info": {}, "bank_account_info": {},
        "deposit_cycle_info": {"deposit_cycle_master_id": None}, "merchant_category_code": None,
    }  # fmt: skip


def test_update_v2_stores_fincode_info_on_the_portal_application(papi, tenant):
    response = papi.call("PUT", v2(tenant), full_info())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status_code"] == "101"
    assert body["contract_info"]["corporate_info"]["corporate_number"] == "7000012050002"
    application = Application.objects.get(merchant=tenant.merchant)
    assert (application.legal_name, application.corporate_number, application.postal_code) == (
        "株式会社テスト", "7000012050002", "1500043",
    )  # fmt: skip
    assert application.representative_name == "山田 太郎"
    assert application.address == "東京都渋谷区道玄坂1-2-3"
    # partial update: one field changes, the rest stays; null clears
    response = papi.call("PUT", v2(tenant), {"shop_info": {"shop_name": "新しい名前", "unit_price": None}})
    assert response.json()["shop_info"]["shop_name"] == "新しい名前"
    assert "unit_price" not in response.json()["shop_info"]
    assert response.json()["contract_info"]["staff1_mail"] == "staff-1@example.com"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"contract_info": {"representative_tel": "0312345678x"}}, "E2400010002", "contract_info.representative_tel"),
        ({"contract_info": {"corporate_info": {"corporate_name": "x" * 151}}}, "E2400010003", "contract_info.corporate_info.corporate_name"),
        ({"bank_account_info": {"account_kind": 7}}, "E2400030006", "bank_account_info.account_kind"),
        ({"deposit_cycle_info": {"deposit_cycle_master_id": "1"}}, "E2400040002", "deposit_cycle_info.deposit_cycle_master_id"),
        ({"shop_info": {"lost_trial": "no"}}, "E2400020002", "shop_info.lost_trial"),
        ({"shop_info": {"nonsense": 1}}, "E2400020009", "shop_info.nonsense"),
        ({"surprise": 1}, "E2400000009", "surprise"),
        ([1, 2], "E2400210002", "body"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(papi, tenant, body, code, field):
    assert papi.call("PUT", v2(tenant), full_info()).status_code == 200
    before = Examination.objects.get(application__merchant=tenant.merchant).info
    audits = AuditEvent.objects.count()
    response = papi.call("PUT", v2(tenant), body)
    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert response.json()["errors"][0]["error_message"].startswith(f"{field}: ")
    assert Examination.objects.get(application__merchant=tenant.merchant).info == before
    assert AuditEvent.objects.count() == audits


def test_isolation_no_other_shop_reads_or_writes_a_tenant(papi, platform, tenant):
    other_platform = make_platform("Other mall")
    foreign = make_tenant(other_platform, "Foreign tenant")
    standard = make_merchant(name="Standard")
    nonexistent = papi.call("GET", "/v1/contracts/examinations_v2/tenants/mc_doesnotexist")
    assert nonexistent.status_code == 404
    paths = [
        ("GET", v2(foreign)), ("PUT", v2(foreign)),
        ("GET", f"/v1/contracts/examinations/tenants/{foreign.merchant.public_id}"),
        ("GET", f"/v1/contracts/{foreign.merchant.public_id}"),
        ("POST", f"/v1/contracts/examinations/tenants/{foreign.merchant.public_id}/providers/reserve"),
    ]  # fmt: skip
    for method, path in paths:
        body = {"GET": None, "PUT": full_info(), "POST": {"provider": ["PAYPAY"]}}[method]
        response = papi.call(method, path, body)
        assert (response.status_code, response.json()) == (404, nonexistent.json())  # no existence leak
    response = papi.call(
        "POST",
        "/v1/contracts/examinations",
        {"shop_id": foreign.merchant.public_id, "enable_immediate_use": False},
    )
    assert (response.status_code, response.json()) == (404, nonexistent.json())
    # the tenant's own key, a standard shop's key, another platform's key: refused
    for key in (tenant.test_secret, standard.test_secret):
        response = ApiClient(key).call("GET", v2(tenant))
        assert (response.status_code, error_codes(response)) == (403, ["E0100000010"])
    response = ApiClient(other_platform.test_secret).call("GET", v2(tenant))
    assert (response.status_code, response.json()) == (404, nonexistent.json())
    response = ApiClient(tenant.test_public).call("GET", v2(tenant))
    assert response.status_code == 403
    # Tenant-Shop-Id: the same tenant works, another of the platform's tenants is refused
    sibling = make_tenant(platform, "Tenant B")
    assert (
        papi.call("GET", v2(tenant), headers={"Tenant-Shop-Id": tenant.merchant.public_id}).status_code == 200
    )
    response = papi.call("GET", v2(tenant), headers={"Tenant-Shop-Id": sibling.merchant.public_id})
    assert (response.status_code, error_codes(response)) == (400, ["E2400000104"])
    response = papi.call("GET", v2(tenant), headers={"Tenant-Shop-Id": foreign.merchant.public_id})
    assert response.status_code == 404
    assert not Examination.objects.filter(application__merchant=foreign.merchant).exists()


def test_old_api_reads_and_writes_the_same_examination(papi, tenant):
    path = f"/v1/contracts/examinations/tenants/{tenant.merchant.public_id}"
    response = papi.call(
        "PUT",
        path,
        {
            "update_contract_detail": True,
            "contract_detail": {"corporate": True, "corporate_name": "株式会社オールド", "representative_last_name": "佐藤", "shop_name": "旧ショップ", "platform_name": "Mall"},
            "update_bank_account": True,
            "contract_bank_account": {"bank_code": "0005", "branch_code": "123", "bank_name": "テスト銀行"},
            "update_deposit_cycle": True,
            "deposit_cycle_master_id": 2,
            "update_shop": False,
            "shop_item_detail": [{"content1_name": "ignored"}],
        },
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    old = response.json()
    assert old["contract_detail"]["corporate_name"] == "株式会社オールド"
    assert old["contract_detail"]["platform_name"] == "Mall"
    assert old["contract_bank_account"] == {
        "bank_code": "0005",
        "branch_code": "123",
        "bank_name": "テスト銀行",
    }
    assert old["deposit_cycle_master_id"] == 2
    assert old["shop_item_detail"] == []  # update_shop false: not applied
    assert old["contract_input_status"]["status_code"] == 302
    new = papi.call("GET", v2(tenant)).json()
    assert new["contract_info"]["corporate_info"] == {"corporate_name": "株式会社オールド"}
    assert new["contract_info"]["representative_last_name"] == "佐藤"
    assert new["shop_info"] == {"shop_name": "旧ショップ"}
    assert new["bank_account_info"] == {"bank_code": "0005", "branch_code": "123"}
    assert papi.call("GET", path).json() == {**old}


def test_files_become_application_documents(papi, tenant, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    path = f"/v1/contracts/examinations/tenants/{tenant.merchant.public_id}/files"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = papi.post(
        path,
        {"type": "DRIVER_LICENSE_FRONT", "data": SimpleUploadedFile("front.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "examination_files": [
            {"shop_id": tenant.merchant.public_id, "type": "DRIVER_LICENSE_FRONT", "filename": "front.png", "filesize": len(PNG)}
        ]
    }  # fmt: skip
    document = ApplicationDocument.objects.get(application__merchant=tenant.merchant)
    assert (document.kind, document.content_type, document.examination_file.file_type) == (
        "identity", "image/png", "DRIVER_LICENSE_FRONT",
    )  # fmt: skip
    for data, code in (
        ({"type": "PASSPORT", "data": SimpleUploadedFile("a.png", PNG)}, "E2400170006"),
        ({"type": "DRIVER_LICENSE_BACK"}, "E2400180001"),
        (
            {"type": "DRIVER_LICENSE_BACK", "data": SimpleUploadedFile("a.exe", b"MZ\x90\x00not an image")},
            "E0200000005",
        ),
    ):
        response = papi.post(path, data, format="multipart")
        assert (response.status_code, error_codes(response)) == (400, [code])
    assert ApplicationDocument.objects.count() == 1
    assert ExaminationFile.objects.count() == 1


def test_incomplete_request_names_what_is_missing_and_changes_nothing(papi, tenant):
    info = full_info()
    del info["contract_info"]["representative_tel"]
    del info["bank_account_info"]
    assert papi.call("PUT", v2(tenant), info).status_code == 200
    response = papi.call(
        "POST",
        "/v1/contracts/examinations",
        {"shop_id": tenant.merchant.public_id, "enable_immediate_use": False},
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["error_message"]
    assert "bank_account_info" in message and "contract_info.representative_tel" in message
    application = Application.objects.get(merchant=tenant.merchant)
    assert application.status == Application.Status.DRAFT
    assert not ApplicationMethod.objects.filter(application=application).exists()
    for body in (
        {"enable_immediate_use": False},
        {"shop_id": tenant.merchant.public_id, "enable_immediate_use": "maybe"},
    ):
        assert papi.call("POST", "/v1/contracts/examinations", body).status_code == 400


def test_request_review_contract_and_webhook(papi, platform, tenant, django_capture_on_commit_callbacks):
    setting = WebhookSetting.objects.create(
        merchant=platform.merchant,
        mode="test",
        url="https://hooks.example.com/x",
        event="contracts.status_code.updated",
    )
    answer = submitted(papi, tenant, django_capture_on_commit_callbacks)
    assert answer == {"shop_id": tenant.merchant.public_id, "status_code": 1}
    application = Application.objects.get(merchant=tenant.merchant)
    assert application.status == Application.Status.SUBMITTED
    assert application.screened_at is not None  # the portal's screening task ran (eagerly here)
    assert set(ScreeningFlag.objects.filter(application=application).values_list("code", flat=True)) == set()
    assert list(application.methods.values_list("pay_type", "decision")) == [("Card", "pending")]
    # submitted: no more edits, no more files
    response = papi.call("PUT", v2(tenant), {"shop_info": {"shop_name": "late"}})
    assert (response.status_code, error_codes(response)) == (409, ["E2400000102"])
    contract = papi.call("GET", f"/v1/contracts/{tenant.merchant.public_id}").json()
    assert contract["status_code"] == "102"
    assert contract["platform_id"] == platform.merchant.public_id
    assert [(e["examination_master_id"], e["status_code"]) for e in contract["examination"]] == [
        (1, "1"),
        (2, "1"),
    ]
    events = list(
        WebhookEvent.objects.filter(merchant=platform.merchant, event="contracts.status_code.updated")
    )
    assert [(e.sequence, e.payload["status_code"]) for e in events] == [(1, "102")]
    assert events[0].payload["shop_id"] == tenant.merchant.public_id
    # an operator approves Card: contract 107, a Contract for Card, the platform told
    decide(tenant, {"Card": "approved"})
    contract = papi.call("GET", f"/v1/contracts/{tenant.merchant.public_id}").json()
    assert contract["status_code"] == "107"
    assert [(e["examination_master_id"], e["status_code"]) for e in contract["examination"]] == [
        (1, "2"),
        (2, "2"),
    ]
    assert Contract.objects.filter(merchant=tenant.merchant, pay_type="Card").exists()
    events = list(WebhookEvent.objects.filter(merchant=platform.merchant).order_by("sequence"))
    assert [(e.sequence, e.payload["status_code"]) for e in events] == [(1, "102"), (2, "102"), (3, "107")]
    assert events[1].payload["body"][0] == {
        "examination_master_id": 1, "examination_task": "決済事業者審査: VISA/MASTER-UC", "status_code": "707",
        "status": "利用可能", "is_updated": True,
    }  # fmt: skip
    assert setting.deliveries.count() == 3
    assert not WebhookEvent.objects.filter(merchant=tenant.merchant).exists()


def test_rejection_is_contract_106(papi, tenant, django_capture_on_commit_callbacks):
    submitted(papi, tenant, django_capture_on_commit_callbacks)
    decide(tenant, {"Card": "rejected"})
    contract = papi.call("GET", f"/v1/contracts/{tenant.merchant.public_id}").json()
    assert contract["status_code"] == "106"
    assert contract["examination"][0]["status_code"] == "3"
    assert not Contract.objects.filter(merchant=tenant.merchant).exists()


def test_provider_reservation_is_reviewed_then_contracted(
    papi, platform, tenant, django_capture_on_commit_callbacks
):
    path = f"/v1/contracts/examinations/tenants/{tenant.merchant.public_id}/providers/reserve"
    response = papi.call("POST", path, {"provider": ["PAYPAY"]})
    assert (response.status_code, error_codes(response)) == (409, ["E2400000105"])  # not examined yet
    submitted(papi, tenant, django_capture_on_commit_callbacks)
    decide(tenant, {"Card": "approved"})
    for body, code in (
        ({"provider": ["BITCOIN"]}, "E2400160006"),
        ({"provider": "PAYPAY"}, "E2400160002"),
        ({}, "E2400160001"),
    ):
        response = papi.call("POST", path, body)
        assert (response.status_code, error_codes(response)) == (400, [code])
    assert not ProviderReservation.objects.exists()
    response = papi.call("POST", path, {"provider": ["PAYPAY", "PAYSLE"]})
    assert response.status_code == 200, response.json()
    listed = response.json()["reservation_list"]
    assert [(r["provider"], r["shop_id"]) for r in listed] == [
        ("PAYPAY", tenant.merchant.public_id),
        ("PAYSLE", tenant.merchant.public_id),
    ]
    assert all(isinstance(r["reservation_id"], int) for r in listed)
    again = papi.call("POST", path, {"provider": ["PAYPAY"]}).json()["reservation_list"]
    assert again == listed[:1]  # idempotent
    contract = papi.call("GET", f"/v1/contracts/{tenant.merchant.public_id}").json()
    assert contract["status_code"] == "107"
    assert {e["examination_master_id"]: e["status_code"] for e in contract["examination"]} == {
        1: "2",
        2: "2",
        101: "1",
        201: "1",
    }
    method = ApplicationMethod.objects.get(application__merchant=tenant.merchant, pay_type="Paypay")
    services.application_decide_method(method=method, decision="approved", comment="", reviewer=None)
    assert Contract.objects.filter(merchant=tenant.merchant, pay_type="Paypay").exists()
    assert not Contract.objects.filter(merchant=tenant.merchant, pay_type="Konbini").exists()
    contract = papi.call("GET", f"/v1/contracts/{tenant.merchant.public_id}").json()
    assert {e["examination_master_id"]: e["status_code"] for e in contract["examination"]} == {
        1: "2",
        2: "2",
        101: "1",
        201: "2",
    }
    from portal.errors import PortalError

    with pytest.raises(PortalError):  # decided once: a reserved method is not decided again
        services.application_decide_method(method=method, decision="rejected", comment="", reviewer=None)
