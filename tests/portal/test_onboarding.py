"""The application, through the JSON API and the services: validation, documents, states, review."""

import io

import pytest
from django.db import DatabaseError, connection, transaction

from portal import services
from portal.errors import PortalError
from portal.models import (
    Application,
    ApplicationDocument,
    ApplicationMethod,
    AuditEvent,
    Contract,
    Merchant,
    ScreeningFlag,
)
from tests.support import error_codes, make_merchant, make_user

pytestmark = pytest.mark.django_db

PATH = "/v1/onboarding/application"
GOOD = {
    "legal_name": "株式会社グッド",
    "legal_name_kana": "カブシキガイシャグッド",
    "corporate_number": "7000012050002",
    "representative_name": "良井 太郎",
    "postal_code": "150-0002",
    "address": "東京都渋谷区渋谷2-1-1",
    "phone": "03-1234-5678",
    "website": "https://good.example.com",
    "business_category": "retail-goods",
    "expected_monthly_volume": 3_000_000,
    "requested_methods": ["Card", "Konbini"],
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("corporate_number", "8000012050002", "E0200030002"),  # wrong check digit
        ("corporate_number", "12345", "E0200030002"),
        ("corporate_number", "x" * 14, "E0200030003"),
        ("postal_code", "15-00002", "E0200050002"),
        ("phone", "12345", "E0200070002"),
        ("legal_name_kana", "kanji漢字", "E0200020002"),
        ("website", "javascript:alert(1)", "E0200080002"),
        ("business_category", "no-such-category", "E0200090007"),
        ("expected_monthly_volume", -5, "E0200100005"),
        ("expected_monthly_volume", "lots", "E0200100002"),
        ("requested_methods", ["Card", "Bitcoin"], "E0200110006"),
        ("requested_methods", "Card", "E0200110002"),
        ("legal_name", {"nested": "object"}, "E0200010002"),
        ("legal_name", "x" * 201, "E0200010003"),
    ],
)
def test_bad_values_get_field_codes_and_change_nothing(applicant, applicant_api, field, value, code):
    before = applicant_api.call("GET", PATH).content
    response = applicant_api.call("PUT", PATH, {**GOOD, field: value})
    assert response.status_code == 400, response.content
    assert code in error_codes(response)
    assert any(field in e["error_message"] for e in response.json()["errors"])
    assert applicant_api.call("GET", PATH).content == before


def test_good_values_are_normalised_and_audited(applicant, applicant_api):
    response = applicant_api.call("PUT", PATH, GOOD)
    assert response.status_code == 200
    body = response.json()
    assert body["postal_code"] == "1500002"
    assert body["business_category"] == "retail-goods"
    assert [m["pay_type"] for m in body["methods"]] == ["Card", "Konbini"]
    assert body["missing"] == []
    event = AuditEvent.objects.filter(action="application.updated", merchant=applicant.merchant).latest("id")
    assert event.actor_label.startswith("api_key:m_test_")
    assert event.before["legal_name"] == "" and event.after["legal_name"] == GOOD["legal_name"]
    assert event.client_address == "127.0.0.1"


def _upload(client, content: bytes, name: str, kind: str = "registry"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(f"{PATH}/documents", {"file": file, "kind": kind}, format="multipart")


def test_documents_are_checked_by_content_not_name(applicant, applicant_api):
    ok = _upload(applicant_api, PDF, "registry.pdf")
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "application/pdf"
    assert _upload(applicant_api, PNG, "scan.jpg").json()["content_type"] == "image/png"
    fake = _upload(applicant_api, b"MZ\x90\x00 this is an exe", "innocent.pdf")
    assert fake.status_code == 400
    assert error_codes(fake) == ["E0200000005"]
    html = _upload(applicant_api, b"<html><script>alert(1)</script></html>", "x.png")
    assert html.status_code == 400
    assert ApplicationDocument.objects.filter(application__merchant=applicant.merchant).count() == 2


def test_document_size_limit(applicant, applicant_api, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    response = _upload(applicant_api, PDF + b"0" * 2048, "big.pdf")
    assert response.status_code == 413
    assert error_codes(response) == ["E0200000006"]
    assert not ApplicationDocument.objects.exists()


def test_document_bad_kind_and_missing_file(applicant_api):
    assert error_codes(_upload(applicant_api, PDF, "a.pdf", kind="passport")) == ["E0200130006"]
    response = applicant_api.post(f"{PATH}/documents", {"kind": "registry"}, format="multipart")
    assert response.status_code == 400
    assert error_codes(response) == ["E0200120001"]


def test_submit_incomplete_is_refused(applicant, applicant_api):
    applicant_api.call("PUT", PATH, {"legal_name": "Only a name"})
    response = applicant_api.call("POST", f"{PATH}/submit")
    assert response.status_code == 400
    assert error_codes(response) == ["E0200000002"]
    assert "legal_name_kana" in response.json()["errors"][0]["error_message"]
    assert Application.objects.get(merchant=applicant.merchant).status == "draft"


def test_submit_screens_and_locks_the_application(
    applicant, applicant_api, django_capture_on_commit_callbacks
):
    applicant_api.call("PUT", PATH, GOOD)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = applicant_api.call("POST", f"{PATH}/submit")
    assert len(callbacks) == 1  # the screening task, queued on commit
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    application = Application.objects.get(merchant=applicant.merchant)
    assert application.screened_at is not None  # eager Celery in tests
    assert list(application.flags.all()) == []
    again = applicant_api.call("PUT", PATH, {"legal_name": "Too late"})
    assert again.status_code == 409
    assert error_codes(again) == ["E0200000001"]
    assert error_codes(applicant_api.call("POST", f"{PATH}/submit")) == ["E0200000001"]


def test_screening_flags_prohibited_category_and_duplicates(
    applicant, applicant_api, django_capture_on_commit_callbacks
):
    other = make_merchant(name="Dup", approved=False)
    services.application_update(
        application=other.merchant.application, data={"corporate_number": "7000012050002"}, actor=None
    )
    applicant_api.call("PUT", PATH, {**GOOD, "business_category": "gambling"})
    with django_capture_on_commit_callbacks(execute=True):
        applicant_api.call("POST", f"{PATH}/submit")
    flags = {f.code: f.reason for f in ScreeningFlag.objects.filter(application__merchant=applicant.merchant)}
    assert set(flags) == {"prohibited_category", "duplicate_corporate_number"}
    assert other.merchant.public_id in flags["duplicate_corporate_number"]
    # Running the screening twice changes nothing.
    services.application_screen(application_id=applicant.merchant.application.pk)
    assert ScreeningFlag.objects.filter(application__merchant=applicant.merchant).count() == 2


def _submitted(applicant, applicant_api) -> Application:
    applicant_api.call("PUT", PATH, {**GOOD, "requested_methods": ["Card", "Konbini", "Paypay"]})
    assert applicant_api.call("POST", f"{PATH}/submit").status_code == 200
    return Application.objects.get(merchant=applicant.merchant)


def test_review_approves_some_methods_and_creates_contracts(applicant, applicant_api):
    reviewer = make_user(is_staff=True)
    application = _submitted(applicant, applicant_api)
    with pytest.raises(PortalError) as exc:
        services.application_decide_method(
            method=application.methods.first(), decision="approved", comment="", reviewer=reviewer
        )
    assert exc.value.code == "E0200000003"  # review not started
    services.application_start_review(application=application, reviewer=reviewer)
    with pytest.raises(PortalError) as exc:
        services.application_finalize(application=application, reviewer=reviewer)
    assert exc.value.code == "E0200000013"
    decisions = {"Card": "approved", "Konbini": "approved", "Paypay": "rejected"}
    for method in application.methods.all():
        services.application_decide_method(
            method=method,
            decision=decisions[method.pay_type],
            comment=f"{method.pay_type} ok",
            reviewer=reviewer,
        )
    services.application_finalize(application=application, reviewer=reviewer)
    application.refresh_from_db()
    assert application.status == "approved"
    assert Merchant.objects.get(pk=applicant.merchant.pk).status == "active"
    contracts = {c.pay_type: c for c in Contract.objects.filter(merchant=applicant.merchant)}
    assert set(contracts) == {"Card", "Konbini"}
    assert contracts["Card"].fee_rate_bps == 360 and contracts["Card"].concurrency_window == 20
    actions = list(
        AuditEvent.objects.filter(merchant=applicant.merchant).order_by("id").values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "application.approved",
        "contract.created",
        "contract.created",
        "merchant.activated",
    ]
    body = applicant_api.call("GET", PATH).json()
    assert {m["pay_type"]: m["comment"] for m in body["methods"]}["Paypay"] == "Paypay ok"
    with pytest.raises(PortalError):
        services.application_start_review(application=application, reviewer=reviewer)


def test_fast_track_walks_the_review_with_every_decision_audited(applicant, applicant_api):
    operator = make_user(is_staff=True)
    application = _submitted(applicant, applicant_api)  # applied for Card, Konbini and Paypay
    services.application_fast_track(application=application, pay_types=["Card", "Bnpl"], actor=operator)
    application.refresh_from_db()
    assert application.status == "approved"
    assert Merchant.objects.get(pk=applicant.merchant.pk).status == "active"
    decided = {m.pay_type: (m.decision, m.decided_by_id) for m in application.methods.all()}
    assert decided == {
        "Card": ("approved", operator.pk),
        "Bnpl": ("approved", operator.pk),  # not applied for: added, approved
        "Konbini": ("rejected", operator.pk),  # applied for, left out: rejected
        "Paypay": ("rejected", operator.pk),
    }
    assert set(Contract.objects.filter(merchant=applicant.merchant).values_list("pay_type", flat=True)) == {
        "Card",
        "Bnpl",
    }
    events = AuditEvent.objects.filter(merchant=applicant.merchant, actor=operator).order_by("id")
    actions = [(e.action, (e.after or {}).get("pay_type"), (e.after or {}).get("decision")) for e in events]
    assert actions == [
        ("application.review_started", None, None),
        ("application.method_decided", "Card", "approved"),
        ("application.method_decided", "Bnpl", "approved"),
        ("application.method_decided", "Konbini", "rejected"),
        ("application.method_decided", "Paypay", "rejected"),
        ("application.approved", None, None),
        ("contract.created", "Bnpl", None),  # in the methods' order
        ("contract.created", "Card", None),
        ("merchant.activated", None, None),
    ]
    bnpl = next(
        e for e in events if e.action == "application.method_decided" and e.after["pay_type"] == "Bnpl"
    )
    assert bnpl.before == {"pay_type": "Bnpl", "decision": "pending", "comment": ""}
    # Fast-tracking again changes nothing and adds no contract.
    with pytest.raises(PortalError):
        services.application_fast_track(application=application, pay_types=["Card"], actor=operator)
    assert Contract.objects.filter(merchant=applicant.merchant).count() == 2


def test_changes_requested_then_resubmitted(applicant, applicant_api):
    reviewer = make_user(is_staff=True)
    application = _submitted(applicant, applicant_api)
    services.application_start_review(application=application, reviewer=reviewer)
    for method in application.methods.all():
        decision = "changes_requested" if method.pay_type == "Konbini" else "approved"
        services.application_decide_method(
            method=method, decision=decision, comment="Upload the registry", reviewer=reviewer
        )
    services.application_finalize(application=application, reviewer=reviewer)
    application.refresh_from_db()
    assert application.status == "changes_requested"
    assert not Contract.objects.filter(merchant=applicant.merchant).exists()
    assert applicant_api.call("PUT", PATH, {"website": "https://better.example.com"}).status_code == 200
    assert applicant_api.call("POST", f"{PATH}/submit").json()["status"] == "submitted"
    konbini = application.methods.get(pay_type="Konbini")
    assert konbini.decision == ApplicationMethod.Decision.PENDING
    assert application.methods.get(pay_type="Card").decision == "approved"


def test_all_rejected_rejects_the_merchant(applicant, applicant_api):
    reviewer = make_user(is_staff=True)
    application = _submitted(applicant, applicant_api)
    services.application_start_review(application=application, reviewer=reviewer)
    for method in application.methods.all():
        services.application_decide_method(
            method=method, decision="rejected", comment="No", reviewer=reviewer
        )
    services.application_finalize(application=application, reviewer=reviewer)
    assert Merchant.objects.get(pk=applicant.merchant.pk).status == "rejected"


def test_suspend_and_reinstate_and_invalid_transitions(merchant):
    services.merchant_suspend(merchant=merchant.merchant, actor=None, reason="fraud check")
    with pytest.raises(PortalError) as exc:
        services.merchant_suspend(merchant=merchant.merchant, actor=None, reason="twice")
    assert exc.value.code == "E0200000003"
    services.merchant_reinstate(merchant=merchant.merchant, actor=None)
    assert Merchant.objects.get(pk=merchant.merchant.pk).status == "active"


def test_contract_terms_are_edited_through_the_service(merchant):
    contract = Contract.objects.get(merchant=merchant.merchant, pay_type="Card")
    services.contract_update(
        contract=contract, changes={"concurrency_window": 50, "rate_per_second": 20}, actor=None
    )
    contract.refresh_from_db()
    assert (contract.concurrency_window, contract.rate_per_second) == (50, 20)
    event = AuditEvent.objects.filter(action="contract.updated").latest("id")
    assert event.before == {"concurrency_window": 20, "rate_per_second": 10}
    with pytest.raises(PortalError):
        services.contract_update(contract=contract, changes={"merchant_id": 1}, actor=None)


def test_audit_log_is_append_only_in_the_database(merchant):
    event = AuditEvent.objects.filter(merchant=merchant.merchant).first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_business_categories_endpoint(applicant_api):
    body = applicant_api.call("GET", "/v1/onboarding/business_categories").json()
    codes = {c["code"] for c in body}
    assert {"retail-goods", "gambling"} <= codes
