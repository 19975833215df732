"""Invoices through the API and the hosted page: a draft with lines, opened (a bank account
issued), paid by transfer (the bank simulator) or by card on the page, marked paid outside,
canceled; reminders sent once by the beat task."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from payments.invoices.models import Invoice, InvoiceReminder
from payments.invoices.tasks import remind, settle_paid
from payments.models import Payment
from tests.payments.flows import sim
from tests.payments.helpers import DECLINED, VISA
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db(transaction=True)  # provider calls are queued on commit

LINES = [
    {"date": "2026/12/01", "name": "Consulting", "unit_price": 10000, "quantity": 3, "tax_rate": 10},
    {"name": "Books", "unit_price": 1500, "quantity": 2, "tax_rate": 8},
]


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def draft(api: ApiClient, **extra) -> dict:
    ok(
        api.call(
            "POST",
            "/v1/customers",
            {"id": extra.pop("customer", "inv-cus"), "name": "山田 太郎", "email": "taro@example.com"},
        )
    )
    body = {
        "customer_id": "inv-cus",
        "invoice_number": "INV-001",
        "lines": LINES,
        "due_date": "2027/01/31",
        **extra,
    }
    return ok(api.call("POST", "/v1/invoices", body))


def buyer_mails() -> list:
    return [m for m in mail.outbox if m.to == ["taro@example.com"]]


def page_path(invoice: dict) -> str:
    return urlsplit(invoice["invoice_url"]).path


def test_draft_with_lines_totals_and_fincodes_shape(api):
    invoice = draft(api, customer_honorific="様", client_field_1="x")
    # 30,000 at 10 % (3,000) + 3,000 at 8 % (240), tax added
    assert invoice == {
        **invoice,
        "status": "DRAFT", "invoice_number": "INV-001", "customer_id": "inv-cus", "customer_honorific": "様",
        "total_amount": 36240, "tax": 3240, "billing_total_amount": 36240, "is_tax_included": False,
        "pay_types": ["Card", "Virtualaccount"], "due_date": "2027/01/31", "embedded_virtual_account": None,
        "bill_mail_send_flag": "0", "is_paid_externally": False, "transaction_date": None, "client_field_1": "x",
    }  # fmt: skip
    assert invoice["customer"]["name"] == "山田 太郎"
    assert [line["name"] for line in invoice["lines"]] == ["Consulting", "Books"]
    changed = ok(
        api.call(
            "PUT", f"/v1/invoices/{invoice['id']}", {"is_tax_included": True, "pay_types": ["Virtualaccount"]}
        )
    )
    assert (changed["total_amount"], changed["tax"], changed["pay_types"]) == (
        33000,
        2727 + 222,
        ["Virtualaccount"],
    )
    assert Client().get(page_path(invoice)).status_code == 404  # a draft has no page yet
    listed = ok(api.call("GET", "/v1/invoices?status=DRAFT&keyword=INV-001"))
    assert [i["id"] for i in listed["list"]] == [invoice["id"]]


def test_invoice_paid_by_bank_transfer(api):
    invoice = draft(api, pay_types=["Virtualaccount"], receipt_mail_send_flag="1")
    opened = ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {"bill_mail_send_flag": "1"}))
    assert opened["status"] == "AWAITING_CUSTOMER_PAYMENT" and opened["issue_date"]
    account = opened["embedded_virtual_account"]
    assert len(account["account_number"]) == 7 and account["branch_code"]
    assert [m.subject for m in buyer_mails()] == ["Invoice INV-001"]  # the bill
    page = Client().get(page_path(opened))
    assert page.status_code == 200 and account["account_number"] in page.content.decode()
    sim("bank/v1/transfers", {"account_number": account["account_number"], "amount": 36240})
    assert settle_paid() == 1
    paid = ok(api.call("GET", f"/v1/invoices/{invoice['id']}"))
    assert paid["status"] == "PAID" and paid["transaction_date"] and paid["receipt_pdf_url"]
    assert settle_paid() == 0
    assert [m.subject for m in buyer_mails()] == ["Invoice INV-001", "Receipt INV-001"]
    assert "お支払いは完了" in Client().get(page_path(opened)).content.decode()
    for action in ("cancel", "open"):
        assert error_codes(api.call("PUT", f"/v1/invoices/{invoice['id']}/{action}", {})) == ["E2200000003"]
    assert error_codes(api.call("DELETE", f"/v1/invoices/{invoice['id']}")) == ["E2200000003"]


def test_a_transfer_short_of_the_total_leaves_the_invoice_open(api):
    invoice = draft(api, pay_types=["Virtualaccount"])
    opened = ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {}))
    sim(
        "bank/v1/transfers",
        {"account_number": opened["embedded_virtual_account"]["account_number"], "amount": 1000},
    )
    assert settle_paid() == 0
    assert ok(api.call("GET", f"/v1/invoices/{invoice['id']}"))["status"] == "AWAITING_CUSTOMER_PAYMENT"


def test_invoice_paid_by_card_on_the_hosted_page(api):
    invoice = draft(api, pay_types=["Card"])
    opened = ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {}))
    assert opened["embedded_virtual_account"] is None
    buyer = Client()
    card = {"card_no": DECLINED, "expire": "3012", "holder_name": "TARO", "security_code": "123"}
    declined = buyer.post(page_path(opened) + "card", card)
    assert declined.status_code == 302 and "error=" in declined["Location"]
    # a submit while an attempt is under way (registered, not answered) is refused, nothing charged
    attempt = Payment.objects.get(pay_type="Card")
    Payment.objects.filter(pk=attempt.pk).update(error_code=None)
    busy = buyer.post(page_path(opened) + "card", {**card, "card_no": VISA})
    assert "error=E2200000008" in busy["Location"] and Payment.objects.filter(pay_type="Card").count() == 1
    Payment.objects.filter(pk=attempt.pk).update(error_code=attempt.error_code)
    assert ok(api.call("GET", f"/v1/invoices/{invoice['id']}"))["status"] == "AWAITING_CUSTOMER_PAYMENT"
    paid = buyer.post(page_path(opened) + "card", {**card, "card_no": VISA})
    assert paid.status_code == 302 and "error=" not in paid["Location"]
    answer = ok(api.call("GET", f"/v1/invoices/{invoice['id']}"))
    assert answer["status"] == "PAID"
    assert Payment.objects.filter(pay_type="Card", status="CAPTURED", amount=36240).count() == 1
    again = buyer.post(page_path(opened) + "card", {**card, "card_no": VISA})
    assert "error=E2200000003" in again["Location"]
    assert Payment.objects.filter(pay_type="Card", status="CAPTURED").count() == 1


def test_paid_externally_cancel_refresh_and_delete(api):
    first = draft(api)
    assert error_codes(api.call("PUT", f"/v1/invoices/{first['id']}/paid_externally", {})) == ["E2200000003"]
    ok(api.call("PUT", f"/v1/invoices/{first['id']}/open", {}))
    marked = ok(
        api.call("PUT", f"/v1/invoices/{first['id']}/paid_externally", {"transaction_date": "2026/12/05"})
    )
    assert (marked["status"], marked["is_paid_externally"], marked["transaction_date"]) == (
        "PAID",
        True,
        "2026/12/05",
    )

    second = ok(api.call("POST", "/v1/invoices", {"customer_id": "inv-cus", "lines": LINES}))
    opened = ok(api.call("PUT", f"/v1/invoices/{second['id']}/open", {}))
    refreshed = ok(api.call("PUT", f"/v1/invoices/{second['id']}/virtual_account/refresh", {}))
    assert (
        refreshed["embedded_virtual_account"]["account_number"]
        != opened["embedded_virtual_account"]["account_number"]
    )
    assert error_codes(api.call("PUT", f"/v1/invoices/{second['id']}", {"memo": "late"})) == ["E2200000003"]
    ok(api.call("PUT", f"/v1/invoices/{second['id']}", {"is_uncollectible": True}))
    canceled = ok(api.call("PUT", f"/v1/invoices/{second['id']}/cancel", {}))
    assert canceled["status"] == "CANCELED" and canceled["is_uncollectible"] is True
    assert ok(api.call("DELETE", f"/v1/invoices/{second['id']}")) == {"id": second["id"], "delete_flag": "1"}
    assert api.call("GET", f"/v1/invoices/{second['id']}").status_code == 404

    empty = ok(api.call("POST", "/v1/invoices", {"id": "no-lines"}))
    assert error_codes(api.call("PUT", f"/v1/invoices/{empty['id']}/open", {})) == ["E2200000004"]
    assert error_codes(api.call("POST", "/v1/invoices", {"id": "no-lines"})) == ["E2200000002"]


def test_another_merchants_invoice_is_not_found(api, other_merchant):
    invoice = draft(api)
    other = ApiClient(other_merchant.test_secret)
    for method, path in (("GET", ""), ("DELETE", ""), ("PUT", "/open"), ("PUT", "/cancel")):
        response = other.call(method, f"/v1/invoices/{invoice['id']}{path}", {} if method == "PUT" else None)
        assert response.status_code == 404 and error_codes(response) == ["E2200000001"]
    assert Invoice.objects.get().status == "DRAFT"


def test_reminders_before_the_due_date_and_overdue_are_sent_once(api):
    today = timezone.localdate()
    due = (today + timedelta(days=2)).strftime("%Y/%m/%d")
    invoice = draft(api, due_date=due, pay_types=["Card"])
    ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {}))
    assert remind(today=(today - timedelta(days=5)).isoformat()) == 0  # too early
    assert remind(today=today.isoformat()) == 1
    assert remind(today=today.isoformat()) == 0  # a second beat: nothing more
    assert remind(today=(today + timedelta(days=3)).isoformat()) == 1  # overdue
    assert remind(today=(today + timedelta(days=4)).isoformat()) == 0
    assert sorted(InvoiceReminder.objects.values_list("kind", flat=True)) == ["before_due", "overdue"]
    assert [m.subject for m in buyer_mails()] == ["Invoice due soon INV-001", "Invoice overdue INV-001"]


@pytest.mark.worker
def test_invoice_tasks_run_in_a_real_worker(api, celery_worker):
    import time

    today = timezone.localdate()
    invoice = draft(api, due_date=(today + timedelta(days=1)).strftime("%Y/%m/%d"), pay_types=["Card"])
    ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {}))
    for _beat in range(2):  # two beat processes: one reminder
        remind.apply_async(kwargs={"today": today.isoformat()})
    settle_paid.apply_async()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "invoices.settle_paid" not in celery_worker.log():
        time.sleep(0.1)
    while time.monotonic() < deadline and not InvoiceReminder.objects.exists():
        time.sleep(0.1)
    assert list(InvoiceReminder.objects.values_list("kind", "sent_to")) == [
        ("before_due", "taro@example.com")
    ]
    assert "invoices.remind" in celery_worker.log() and "invoices.settle_paid" in celery_worker.log()


def test_merchant_pages_list_invoices_and_show_one(api, merchant, other_merchant, client):
    invoice = draft(api, pay_types=["Virtualaccount"])
    opened = ok(api.call("PUT", f"/v1/invoices/{invoice['id']}/open", {}))
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/invoices/"
    listed = client.get(base).content.decode()
    assert invoice["id"] in listed and "INV-001" in listed and "AWAITING_CUSTOMER_PAYMENT" in listed
    page = client.get(f"{base}test/{invoice['id']}/").content.decode()
    assert "Consulting" in page and page_path(opened) in page
    client.force_login(other_merchant.owner)
    assert client.get(f"{base}test/{invoice['id']}/").status_code == 404
