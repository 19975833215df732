"""``/v1/accounts`` and ``/v1/platform_accounts``: fincode's fields and types, tenants, isolation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from payments.settlements import ledger, services
from payments.settlements.models import PlatformStatement, Statement
from portal.models import Contract
from tests.payments.helpers import execute, register, token
from tests.settlements.helpers import platform_and_tenant
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")

ACCOUNT_FIELDS = {
    "id", "account_id", "shop_id", "deposit_amount", "deposit_date", "scheduled_deposit_date",
    "aggregate_term_start", "aggregate_term_end", "payment_deadline", "payment_completion_date", "status_code",
    "count", "settlement_amount", "bank_transfer_fee", "total_amount", "fee_amount", "taxable_fee_amount",
    "nontaxable_fee_amount", "web_registration_fee_amount", "tax_amount", "platform_fee_amount",
    "platform_fee_tax_amount", "platform_web_registration_fee_amount", "created", "updated",
    "deposit_destination",
}  # fmt: skip


def adjust(merchant_id: int, amount: int, mode: str = "test", day: int = 10) -> None:
    ledger.record_adjustment(
        merchant_id=merchant_id, mode=mode, currency="JPY", amount=amount, reason="goodwill", actor="op",
        at=datetime(2027, 1, day, tzinfo=JST),
    )  # fmt: skip


def test_accounts_list_retrieve_detail(api, live_api, merchant, other_merchant):
    Contract.objects.filter(merchant=merchant.merchant).update(fee_rate_bps=360, fixed_fee=0)
    payment = register(api, amount="5000", job_code="CAPTURE")
    assert execute(api, payment, token(api)).status_code == 200
    adjust(merchant.merchant.pk, -200)
    adjust(merchant.merchant.pk, 999, mode="live")
    adjust(other_merchant.merchant.pk, 700)
    services.settlement_run(today=date(2100, 1, 1))  # the payment was booked today: a far run takes it

    answer = api.call("GET", "/v1/accounts")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["total_count"], body["current_page"], body["last_page"], body["limit"]) == (1, 1, 1, 20)
    [item] = body["list"]
    assert set(item) == ACCOUNT_FIELDS
    statement = Statement.objects.get(merchant=merchant.merchant, mode="test")
    assert item["id"] == statement.public_id and item["shop_id"] == merchant.merchant.public_id
    assert isinstance(item["account_id"], int) and item["account_id"] == statement.account_id
    assert (item["total_amount"], item["fee_amount"], item["tax_amount"]) == (4800, 180, 18)
    assert (item["settlement_amount"], item["deposit_amount"], item["status_code"]) == (4602, 4602, 3002)
    assert item["scheduled_deposit_date"] == "2100/01/15 00:00"
    assert item["aggregate_term_start"] == "2099/12/01 00:00"
    assert item["aggregate_term_end"] == "2099/12/31 23:59"

    assert api.call("GET", f"/v1/accounts/{statement.public_id}").json() == item
    lines = api.call("GET", f"/v1/accounts/{statement.public_id}/detail").json()
    assert lines["total_count"] == 2
    by_type = {line["trade_type"]: line for line in lines["list"]}
    assert by_type[1]["order_id"] == payment["id"] and by_type[1]["payment_method"] == "VM"
    assert (by_type[1]["amount"], by_type[1]["fee_total"], by_type[1]["fee_total_taxin"]) == (5000, 180, 198)
    assert by_type[1]["fee_rate_total"] == 3.6 and by_type[1]["deposit_amount"] == 5000 - 180 - 18
    assert (by_type[4]["amount"], by_type[4]["amount_correction_type"]) == (-200, "goodwill")

    # count_only, filters, sort, and bad input in fincode's error format
    assert api.call("GET", "/v1/accounts?count_only=true").json()["list"] == []
    assert api.call("GET", "/v1/accounts?processed=2099/12&status=3002,3003").json()["total_count"] == 1
    assert api.call("GET", "/v1/accounts?processed=2099/11").json()["total_count"] == 0
    assert api.call("GET", "/v1/accounts?scheduled_from=2100/01/16").json()["total_count"] == 0
    assert api.call("GET", "/v1/accounts?sort=deposit_amount desc").status_code == 200
    for query, code in (
        ("processed=2099-1", "E2500000003"),
        ("scheduled_from=x", "E2500000004"),
        ("scheduled_to=2099/13/01", "E2500000005"),
        ("status=abc", "E2500000006"),
    ):
        bad = api.call("GET", f"/v1/accounts?{query}")
        assert bad.status_code == 400 and error_codes(bad) == [code], query
    assert api.call("GET", "/v1/accounts?sort=nope").status_code == 400

    # another merchant's statement, and the live statement with a test key: not found
    other = Statement.objects.get(merchant=other_merchant.merchant)
    live = Statement.objects.get(merchant=merchant.merchant, mode="live")
    for public_id in (other.public_id, live.public_id, "sales_nope"):
        missing = api.call("GET", f"/v1/accounts/{public_id}")
        assert missing.status_code == 404 and error_codes(missing) == ["E2500000001"]
        assert api.call("GET", f"/v1/accounts/{public_id}/detail").status_code == 404
    live_list = live_api.call("GET", "/v1/accounts").json()
    assert [i["id"] for i in live_list["list"]] == [live.public_id]
    assert live_api.call("GET", f"/v1/accounts/{statement.public_id}").status_code == 404


def test_platform_sees_tenant_accounts_and_its_platform_fees():
    platform, tenant = platform_and_tenant()
    Contract.objects.filter(merchant=tenant.merchant).update(fee_rate_bps=300, fixed_fee=0)
    tapi, papi = ApiClient(tenant.test_secret), ApiClient(platform.test_secret)
    payment = register(tapi, amount="10000", job_code="CAPTURE")
    assert execute(tapi, payment, token(tapi)).status_code == 200
    services.settlement_run(today=date(2100, 1, 1))

    statement = Statement.objects.get(merchant=tenant.merchant)
    # fee 300 + tax 30, platform fee 250 + tax 25
    assert (statement.platform_fee_amount, statement.platform_fee_tax_amount) == (250, 25)
    assert statement.deposit_amount == 10000 - 330 - 275
    as_tenant = {"Tenant-Shop-Id": tenant.merchant.public_id}
    listed = papi.call("GET", "/v1/accounts", headers=as_tenant).json()
    assert [i["id"] for i in listed["list"]] == [statement.public_id]
    assert listed["list"][0]["platform_fee_amount"] == 250
    assert papi.call("GET", "/v1/accounts").json()["total_count"] == 0  # the platform's own: none
    detail = papi.call("GET", f"/v1/accounts/{statement.public_id}/detail", headers=as_tenant).json()
    assert detail["list"][0]["platform_fee"] == 250 and detail["list"][0]["platform_fee_taxin"] == 275
    assert papi.call("GET", f"/v1/accounts/{statement.public_id}").status_code == 404  # without the header

    income = PlatformStatement.objects.get(platform=platform.merchant)
    accounts = papi.call("GET", "/v1/platform_accounts").json()
    [item] = accounts["list"]
    assert (item["id"], item["platform_fee_amount"], item["platform_fee_tax_amount"]) == (
        income.public_id,
        250,
        25,
    )
    assert (item["settlement_amount"], item["deposit_amount"], item["count"]) == (275, 275, 1)
    assert papi.call("GET", f"/v1/platform_accounts/{income.public_id}").json() == item
    summary = papi.call("GET", f"/v1/platform_accounts/{income.public_id}/summary").json()
    [row] = summary["list"]
    assert (row["tenant_shop_id"], row["tenant_shop_name"], row["deposit_amount"]) == (
        tenant.merchant.public_id, "Tenant", 275,
    )  # fmt: skip
    assert row["tenant_account_process_id_list"] == [statement.public_id]

    # platform accounts: a platform's own key only
    assert tapi.call("GET", "/v1/platform_accounts").status_code == 403
    assert papi.call("GET", "/v1/platform_accounts", headers=as_tenant).status_code == 403
    gone = papi.call("GET", "/v1/platform_accounts/pfs_nope")
    assert gone.status_code == 404 and error_codes(gone) == ["E2500000002"]
