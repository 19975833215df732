"""Merchant deposit pages, CSV and PDF downloads, and the operator admin (adjustment audited)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from payments.settlements import ledger, services
from payments.settlements.models import Posting, Statement
from portal.models import AuditEvent, Merchant
from tests.support import make_merchant, make_user

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


def fixed_statement(merchant_id: int, amount: int = 1200, reason: str = "送料 refund") -> Statement:
    ledger.record_adjustment(
        merchant_id=merchant_id, mode="test", currency="JPY", amount=amount, reason=reason, actor="op",
        at=datetime(2027, 1, 5, tzinfo=JST),
    )  # fmt: skip
    [statement] = services.settlement_run(today=date(2027, 2, 1))
    return statement


def test_merchant_sees_its_deposits_and_downloads_them(merchant, other_merchant):
    statement = fixed_statement(merchant.merchant.pk)
    foreign = fixed_statement(other_merchant.merchant.pk, amount=50)
    client = Client()
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/deposits/"
    page = client.get(base)
    assert page.status_code == 200 and statement.public_id.encode() in page.content
    assert foreign.public_id.encode() not in page.content
    detail = client.get(f"{base}test/{statement.public_id}/")
    assert detail.status_code == 200 and "送料 refund".encode() in detail.content

    answer = client.get(f"{base}test/{statement.public_id}/csv/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["account_id", "statement_id", "shop_id"] and len(rows) == 2
    line = dict(zip(rows[0], rows[1], strict=True))
    assert (line["trade_type"], line["amount"], line["deposit_amount"], line["reason"]) == (
        "4",
        "1200",
        "1200",
        "送料 refund",
    )
    assert line["booked_at"] == "2027-01-05T00:00:00+09:00"

    pdf = client.get(f"{base}test/{statement.public_id}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1000

    for path in (f"{base}test/{foreign.public_id}/", f"{base}test/{foreign.public_id}/csv/",
                 f"{base}live/{statement.public_id}/", f"{base}test/{statement.public_id}/xls/"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_a_platform_sees_its_tenants_statements():
    platform = make_merchant(name="Mall")
    Merchant.objects.filter(pk=platform.merchant.pk).update(shop_type="platform")
    tenant = make_merchant(name="Tenant")
    Merchant.objects.filter(pk=tenant.merchant.pk).update(shop_type="tenant", platform=platform.merchant)
    statement = fixed_statement(tenant.merchant.pk)
    client = Client()
    client.force_login(platform.owner)
    base = f"/m/{platform.merchant.public_id}/deposits/"
    page = client.get(base)
    assert statement.public_id.encode() in page.content and b"Platform-fee income" in page.content
    assert client.get(f"{base}test/{statement.public_id}/pdf/").status_code == 200


def test_operator_admin_lists_downloads_and_adjusts(merchant):
    statement = fixed_statement(merchant.merchant.pk)
    operator = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    listing = client.get("/admin/settlements/statement/")
    assert listing.status_code == 200 and statement.public_id.encode() in listing.content
    answer = client.post(
        "/admin/settlements/statement/", {"action": "download_csv", "_selected_action": [statement.pk]}
    )
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    answer = client.post(
        "/admin/settlements/statement/", {"action": "mark_deposited", "_selected_action": [statement.pk]}
    )
    assert answer.status_code == 302
    statement.refresh_from_db()
    assert statement.status_code == 3003 and Posting.objects.filter(kind="payout").count() == 1

    bad = client.post("/admin/settlements/statement/adjust/", {
        "merchant": merchant.merchant.pk, "mode": "test", "currency": "JPY", "amount": 0, "reason": "x"})  # fmt: skip
    assert bad.status_code == 200 and b"must not be zero" in bad.content
    assert not AuditEvent.objects.filter(action="settlement.adjustment").exists()
    done = client.post("/admin/settlements/statement/adjust/", {
        "merchant": merchant.merchant.pk, "mode": "test", "currency": "JPY", "amount": -300, "reason": "postage"})  # fmt: skip
    assert done.status_code == 302
    posting = Posting.objects.get(kind="adjustment", amount=-300)
    assert (posting.reason, posting.actor) == ("postage", operator.email)
    event = AuditEvent.objects.get(action="settlement.adjustment")
    assert (event.merchant_id, event.after["amount"], event.actor_id) == (
        merchant.merchant.pk,
        -300,
        operator.pk,
    )

    staff = make_user(is_staff=True)
    plain = Client()
    plain.force_login(staff)
    assert plain.get("/admin/settlements/statement/adjust/").status_code == 403
