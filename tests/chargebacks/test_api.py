"""``GET /v1/shop_charge_backs`` as fincode's contract has it, our detail and evidence extensions,
and the attacks: another merchant, another platform's tenant, live against test."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from payments.chargebacks import services
from payments.chargebacks.models import ChargebackEvidence
from tests.chargebacks.helpers import captured, open_chargeback
from tests.examinations.helpers import make_platform, make_tenant
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

PATH = "/v1/shop_charge_backs"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FIELDS = {
    "id", "shop_id", "order_id", "amount", "trade_registration_date", "category", "status_code", "request",
    "process_date", "opened_to_shop_date", "canceled", "canceled_date",
}  # fmt: skip


def test_list_answers_fincodes_fields_in_the_list_envelope(api, merchant):
    payment = captured(api)
    chargeback = open_chargeback(payment, amount=1200)
    body = api.get(PATH).json()
    assert body["total_count"] == 1 and body["current_page"] == 1
    item = body["list"][0]
    assert set(item) == FIELDS
    assert item["id"] == chargeback.chargeback_id and isinstance(item["id"], int)
    assert item["shop_id"] == merchant.merchant.public_id and item["order_id"] == payment.order_id
    assert (item["amount"], item["category"], item["request"], item["status_code"]) == (1200, 0, 11, 4005)
    assert item["canceled"] == "false" and item["canceled_date"] is None
    assert len(item["process_date"]) == 10 and len(item["opened_to_shop_date"]) == 16
    assert api.get(PATH, {"count_only": "true"}).json()["list"] == []


def test_filters_and_sort(api):
    a = open_chargeback(captured(api), amount=100)
    b = open_chargeback(captured(api), amount=200)
    c = open_chargeback(captured(api), amount=300)
    services.chargeback_decide(chargeback=b, won=False, actor="acquirer")
    services.chargeback_cancel(chargeback=c, actor="acquirer")

    def ids(**query) -> list[int]:
        answer = api.get(PATH, query)
        assert answer.status_code == 200, answer.json()
        return [item["id"] for item in answer.json()["list"]]

    assert ids(status_code="4005") == [a.chargeback_id]
    assert set(ids(status_code="4005,4011")) == {a.chargeback_id, b.chargeback_id}
    assert ids(amount="200") == [b.chargeback_id]
    assert ids(order_id=c.payment.order_id) == [c.chargeback_id]
    assert ids(status_code="4009", canceled="true") == [c.chargeback_id]
    assert ids(status_code="4009", canceled="false") == []
    assert len(ids(canceled="false")) == 3  # ignored without 4009
    assert len(ids(category="0", request="11,12")) == 3 and ids(category="1,2") == []
    ordered = sorted([a.chargeback_id, b.chargeback_id, c.chargeback_id])
    assert ids(sort="id asc") == ordered and ids(sort="id desc") == ordered[::-1]
    day = a.opened_to_shop_date.strftime("%Y/%m/%d")
    assert len(ids(opened_to_shop_date_since="2000/01/01", opened_to_shop_date_until="2999/12/31")) == 3
    assert ids(process_date_until="2000/01/01") == [] and day


@pytest.mark.parametrize(
    "query",
    [{"status_code": "4010"}, {"category": "x"}, {"sort": "amount"}, {"process_date_since": "2024-13-40"},
     {"limit": "0"}, {"amount": "1.5"}],
)  # fmt: skip
def test_bad_queries_are_fincode_400s(api, query):
    answer = api.get(PATH, query)
    assert answer.status_code == 400
    assert all(code.startswith("E") for code in error_codes(answer))


def test_another_merchants_chargeback_is_not_found(api, other_merchant):
    chargeback = open_chargeback(captured(api))
    other = ApiClient(other_merchant.test_secret)
    assert other.get(PATH).json()["list"] == []
    answer = other.get(f"{PATH}/{chargeback.chargeback_id}")
    assert answer.status_code == 404 and error_codes(answer) == ["E2600000001"]
    upload = other.post(
        f"{PATH}/{chargeback.chargeback_id}/evidence", {"file": SimpleUploadedFile("e.pdf", PDF)}
    )
    assert upload.status_code == 404 and not ChargebackEvidence.objects.exists()
    assert api.get(f"{PATH}/{chargeback.chargeback_id}").status_code == 200
    assert api.get(f"{PATH}/not-a-number").status_code == 404


def test_live_key_does_not_see_test_chargebacks(api, live_api):
    chargeback = open_chargeback(captured(api))
    assert live_api.get(PATH).json()["list"] == []
    assert live_api.get(f"{PATH}/{chargeback.chargeback_id}").status_code == 404


def test_platform_sees_its_tenants_chargebacks_only_through_tenant_shop_id():
    platform, stranger = make_platform("Mall"), make_platform("Other mall")
    tenant = make_tenant(platform, "Tenant")
    chargeback = open_chargeback(captured(ApiClient(tenant.test_secret)))
    mall = ApiClient(platform.test_secret)
    header = {"HTTP_TENANT_SHOP_ID": tenant.merchant.public_id}
    assert [i["id"] for i in mall.get(PATH, **header).json()["list"]] == [chargeback.chargeback_id]
    assert mall.get(PATH).json()["list"] == []  # the platform's own chargebacks: none
    assert mall.get(f"{PATH}/{chargeback.chargeback_id}", **header).status_code == 200
    foreign = ApiClient(stranger.test_secret).get(PATH, **header)
    assert foreign.status_code >= 400 and "list" not in foreign.json()
    not_platform = ApiClient(tenant.test_secret).get(PATH, **header)
    assert not_platform.status_code >= 400


def test_evidence_upload_limits(api):
    chargeback = open_chargeback(captured(api))
    path = f"{PATH}/{chargeback.chargeback_id}/evidence"
    wrong = api.post(path, {"file": SimpleUploadedFile("e.pdf", b"MZ not a document at all")})
    assert wrong.status_code == 400 and error_codes(wrong) == ["E2600000008"]
    with override_settings(DOCUMENT_MAX_BYTES=64):
        big = api.post(path, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * 100)})
    assert big.status_code == 400 and error_codes(big) == ["E2600000007"]
    missing = api.post(path, {})
    assert missing.status_code == 400
    assert not ChargebackEvidence.objects.exists()
    ok = api.post(path, {"file": SimpleUploadedFile("receipt.pdf", PDF)})
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert (
        body["evidence"][0]["file_name"] == "receipt.pdf"
        and body["evidence"][0]["content_type"] == "application/pdf"
    )
    assert body["evidence_due_date"] and body["reason_code"] == "10.4"
    stored = ChargebackEvidence.objects.get()
    assert (
        stored.file.name.startswith(f"chargebacks/{chargeback.chargeback_id}/")
        and "receipt" not in stored.file.name
    )
    services.chargeback_decide(chargeback=chargeback, won=True, actor="acquirer")
    late = api.post(path, {"file": SimpleUploadedFile("late.pdf", PDF)})
    assert late.status_code == 400 and error_codes(late) == ["E2600000006"]
