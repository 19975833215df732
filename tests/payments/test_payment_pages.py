"""The merchant payments list (labels, filters, totals, CSV export) and a payment's page with its timeline."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from payments import errors
from payments.models import Customer, Status
from payments.webhooks.models import WebhookDelivery
from tests.payments.factories import (
    PaymentEventFactory,
    PaymentFactory,
    WebhookAttemptFactory,
    WebhookDeliveryFactory,
    WebhookSettingFactory,
)

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def shop(merchant, other_merchant):
    m = merchant.merchant
    customer = Customer.objects.create(merchant=m, mode="test", customer_id="c_hanako")
    rows = {
        "captured": PaymentFactory(merchant=m, order_id="o_captured", created=at("2026-11-02"), customer=customer),
        "authorized": PaymentFactory(
            merchant=m, order_id="o_authorized", status=Status.AUTHORIZED, job_code="AUTH", amount=12000,
            tax=0, card_no="************4444", brand="MASTER", created=at("2026-11-10"),
        ),
        "declined": PaymentFactory(
            merchant=m, order_id="o_declined", status=Status.UNPROCESSED, error_code=errors.CARD_DECLINED.code,
            amount=5000, tax=0, card_no="************0002", created=at("2026-11-15"),
        ),
        "konbini": PaymentFactory(
            merchant=m, order_id="o_konbini", pay_type="Konbini", status=Status.AWAITING_CUSTOMER_PAYMENT,
            card_no=None, brand=None, amount=800, tax=80, created=at("2026-11-20"),
        ),
        "dollars": PaymentFactory(
            merchant=m, order_id="=cmd|calc", currency="USD", amount=123456, tax=0, created=at("2026-11-21"),
        ),
        "live": PaymentFactory(merchant=m, mode="live", order_id="o_live", created=at("2026-11-21")),
        "other": PaymentFactory(merchant=other_merchant.merchant, order_id="o_other", created=at("2026-11-21")),
    }  # fmt: skip
    return rows


def listed(response) -> list[str]:
    import re

    return re.findall(r'/payments/test/([^/]+)/"', response.content.decode())


def test_list_shows_labels_declines_and_formatted_amounts(client, merchant, shop):
    client.force_login(merchant.owner)
    response = client.get(f"/m/{merchant.merchant.public_id}/payments/")
    html = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == ["=cmd%7Ccalc", "o_konbini", "o_declined", "o_authorized", "o_captured"]
    assert ">Declined</span>" in html and errors.CARD_DECLINED.code in html
    assert ">UNPROCESSED<" not in html and ">Captured</span>" in html and ">Authorized</span>" in html
    assert "¥3,300" in html and "¥12,000" in html and "$1,234.56" in html
    assert "VISA •••• 1111" in html and "************" not in html
    # totals of the filtered set, per currency
    assert "5 payments" in html
    assert "¥21,180" in html and "(4 in JPY)" in html and "(1 in USD)" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"date_from": "2026-11-10", "date_to": "2026-11-15"}, ["o_declined", "o_authorized"]),
        ({"amount_min": "3300", "amount_max": "5000"}, ["o_declined", "o_captured"]),
        ({"status": "DECLINED"}, ["o_declined"]),
        ({"status": "UNPROCESSED"}, []),
        ({"status": "CAPTURED"}, ["=cmd%7Ccalc", "o_captured"]),
        ({"pay_type": "Konbini"}, ["o_konbini"]),
        ({"customer": "c_hanako"}, ["o_captured"]),
        ({"last4": "4444"}, ["o_authorized"]),
        ({"q": "o_de"}, ["o_declined"]),
        ({"mode": "live"}, []),  # listed() reads test-mode links only
    ],
)
def test_list_filters(client, merchant, shop, query, expected):
    client.force_login(merchant.owner)
    response = client.get(f"/m/{merchant.merchant.public_id}/payments/", query)
    assert response.status_code == 200
    assert listed(response) == expected


def test_live_mode_lists_live_payments_only(client, merchant, shop):
    client.force_login(merchant.owner)
    html = client.get(f"/m/{merchant.merchant.public_id}/payments/", {"mode": "live"}).content.decode()
    assert "/payments/live/o_live/" in html and "o_captured" not in html and "o_other" not in html


def test_bad_filter_values_are_ignored_with_a_message(client, merchant, shop):
    client.force_login(merchant.owner)
    response = client.get(
        f"/m/{merchant.merchant.public_id}/payments/",
        {"date_from": "2026-13-45", "amount_min": "abc", "amount_max": "9" * 40, "last4": "12", "status": "NOPE",
         "date_to": "2026-11-15"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="notice warning filter-problem"') == 5
    assert "Date from: Enter a valid date. — ignored." in html
    assert listed(response) == ["o_declined", "o_authorized", "o_captured"]  # date_to still applies


def test_swapped_ranges_are_put_in_order(client, merchant, shop):
    client.force_login(merchant.owner)
    response = client.get(
        f"/m/{merchant.merchant.public_id}/payments/", {"date_from": "2026-11-15", "date_to": "2026-11-10"}
    )
    assert listed(response) == ["o_declined", "o_authorized"]
    assert "the dates were swapped" in response.content.decode()


def test_csv_export_of_the_filtered_set(client, merchant, shop):
    client.force_login(merchant.owner)
    response = client.get(
        f"/m/{merchant.merchant.public_id}/payments/export.csv", {"date_from": "2026-11-15"}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payments-test-')
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["order_id"] for r in rows] == ["'=cmd|calc", "o_konbini", "o_declined"]
    declined = rows[2]
    assert declined["status"] == "DECLINED" and declined["status_label"] == "Declined"
    assert declined["error_code"] == errors.CARD_DECLINED.code
    assert declined["error_message"] == errors.CARD_DECLINED.message
    assert (declined["amount"], declined["tax"], declined["total"], declined["currency"]) == (
        "5000", "0", "5000", "JPY",
    )  # fmt: skip
    assert declined["total_formatted"] == "¥5,000" and declined["card_last4"] == "0002"
    assert rows[0]["total_formatted"] == "$1,234.56" and rows[1]["card_last4"] == ""
    assert "************" not in body and "4000000000000002" not in body


def test_csv_export_is_scoped_to_the_merchant(client, other_merchant, shop):
    client.force_login(other_merchant.owner)
    body = b"".join(
        client.get(f"/m/{other_merchant.merchant.public_id}/payments/export.csv").streaming_content
    ).decode()
    assert [r["order_id"] for r in csv.DictReader(io.StringIO(body))] == ["o_other"]


def test_csv_export_with_bad_filters_still_answers(client, merchant, shop):
    client.force_login(merchant.owner)
    response = client.get(
        f"/m/{merchant.merchant.public_id}/payments/export.csv",
        {"amount_min": "12.5", "date_to": "yesterday"},
    )
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))) == 6


def test_list_links_the_export_with_the_same_filters(client, merchant, shop):
    client.force_login(merchant.owner)
    html = client.get(
        f"/m/{merchant.merchant.public_id}/payments/", {"status": "DECLINED", "last4": "0002"}
    ).content.decode()
    assert "/payments/export.csv?mode=test&amp;status=DECLINED&amp;last4=0002" in html


def test_detail_shows_the_decline_and_a_timeline_in_time_order(client, merchant, shop):
    payment = shop["declined"]
    start = timezone.now() - timedelta(minutes=10)
    register = PaymentEventFactory(payment=payment)
    failed = PaymentEventFactory(
        payment=payment, action="execute_failed", from_status="UNPROCESSED", to_status="UNPROCESSED",
        actor="api_key:key_x", detail={"reference": "r1", "reason": "card_declined"},
    )  # fmt: skip
    delivery = WebhookDeliveryFactory(
        event__payment=payment, setting__merchant=merchant.merchant, status=WebhookDelivery.Status.FAILED,
        attempts=2, last_status_code=500,
    )  # fmt: skip
    from payments.models import PaymentEvent

    PaymentEvent.objects.filter(pk=register.pk).update(created_at=start)
    PaymentEvent.objects.filter(pk=failed.pk).update(created_at=start + timedelta(minutes=1))
    WebhookAttemptFactory(
        delivery=delivery, number=2, started_at=start + timedelta(minutes=3), status_code=500, delivered=False
    )
    WebhookAttemptFactory(
        delivery=delivery, number=1, started_at=start + timedelta(minutes=2), status_code=502, delivered=False
    )
    client.force_login(merchant.owner)
    html = client.get(f"/m/{merchant.merchant.public_id}/payments/test/o_declined/").content.decode()
    assert (
        '<span class="status pay-declined" id="payment-status" data-status="UNPROCESSED">Declined</span>'
        in html
    )
    assert f"<code>{errors.CARD_DECLINED.code}</code> {errors.CARD_DECLINED.message}" in html
    order = [html.index(s) for s in ("<strong>register</strong>", "<strong>execute failed</strong>",
                                     "attempt 1: 502", "attempt 2: 500")]  # fmt: skip
    assert order == sorted(order)
    assert "reason: card_declined" in html and "tl-provider tl-bad" in html
    assert f"/webhooks/deliveries/{delivery.delivery_id}/" in html
    assert "¥5,000" in html


def test_detail_of_a_webhook_delivery_never_attempted(client, merchant, shop):
    payment = shop["captured"]
    setting = WebhookSettingFactory(merchant=merchant.merchant)
    WebhookDeliveryFactory(event__payment=payment, setting=setting, status="pending", attempts=0)
    client.force_login(merchant.owner)
    html = client.get(f"/m/{merchant.merchant.public_id}/payments/test/o_captured/").content.decode()
    assert "<strong>webhook payments.card.exec</strong> — Pending" in html
    assert ">Captured</span>" in html and "¥3,000 + tax ¥300 = <strong>¥3,300</strong>" in html


def test_money_filter():
    from payments.labels import amount_format

    assert amount_format(3300, "JPY") == "¥3,300"
    assert amount_format(1234567, "jpy") == "¥1,234,567"
    assert amount_format(5, "USD") == "$0.05"
    assert amount_format(-150, "EUR") == "-€1.50"
    assert amount_format(1000, "XYZ") == "10.00 XYZ"
    assert amount_format(None, "JPY") == ""
