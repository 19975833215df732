"""The merchant overview: sales, counts, approval rate, the 30-day chart, webhook health and alerts."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from payments import errors
from payments.models import Status
from payments.selectors_overview import Overview, merchant_alerts, merchant_overview
from payments.webhooks.models import WebhookDelivery
from portal.models import ApiKey, Contract
from tests.payments.factories import PaymentFactory, WebhookDeliveryFactory, WebhookSettingFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 11, 20, 12, 0))  # Asia/Tokyo


def on(day: str, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def sales(merchant, other_merchant):
    m = merchant.merchant
    today = on("2026-11-20")
    PaymentFactory(merchant=m, created=today)  # ¥3,300 captured
    PaymentFactory(merchant=m, created=today, currency="USD", amount=1000, tax=0)
    PaymentFactory(
        merchant=m,
        created=today,
        status=Status.UNPROCESSED,
        error_code=errors.CARD_DECLINED.code,
        amount=5000,
    )
    PaymentFactory(merchant=m, created=today, status=Status.AUTHORIZED, amount=12000, tax=0)
    PaymentFactory(merchant=m, created=today, status=Status.UNPROCESSED)  # registered only: not attempted
    PaymentFactory(merchant=m, created=on("2026-11-03"), pay_type="Konbini", amount=2000, tax=200)
    PaymentFactory(
        merchant=m, created=on("2026-11-03"), pay_type="Konbini", status=Status.AWAITING_CUSTOMER_PAYMENT
    )
    PaymentFactory(merchant=m, created=on("2026-10-25"), amount=10000, tax=0)  # chart only
    PaymentFactory(merchant=m, created=on("2026-10-01"), amount=99999)  # neither
    PaymentFactory(merchant=m, created=today, mode="live", amount=777)
    PaymentFactory(merchant=other_merchant.merchant, created=today, amount=555)


def test_overview_figures_in_two_queries(merchant, sales, django_assert_num_queries):
    with django_assert_num_queries(2):
        overview = merchant_overview(merchant=merchant.merchant, mode="test", now=NOW)
    assert overview.sales_today == {"JPY": 3300, "USD": 1000}
    assert overview.sales_month == {"JPY": 5500, "USD": 1000}
    assert (overview.count_today, overview.count_month) == (5, 7)
    assert overview.by_status == [
        ("UNPROCESSED", 1), ("AUTHORIZED", 1), ("AWAITING_CUSTOMER_PAYMENT", 1), ("CAPTURED", 3), ("DECLINED", 1)
    ]  # fmt: skip
    assert overview.by_method == [("Card", 5), ("Konbini", 2)]
    assert (overview.approved, overview.declined, overview.approval_rate) == (4, 1, "80.0%")
    assert overview.chart_currency == "JPY" and len(overview.chart) == 30
    assert (
        overview.chart[0].day.isoformat() == "2026-10-22"
        and overview.chart[-1].day.isoformat() == "2026-11-20"
    )
    assert {d.day.isoformat(): d.amount for d in overview.chart if d.amount} == {
        "2026-10-25": 10000, "2026-11-03": 2200, "2026-11-20": 3300
    }  # fmt: skip


def test_live_mode_overview(merchant, sales):
    overview = merchant_overview(merchant=merchant.merchant, mode="live", now=NOW)
    assert overview.sales_today == {"JPY": 1077} and overview.count_month == 1


@pytest.mark.parametrize(
    "approved, declined, rate",
    [(2, 1, "66.7%"), (1, 2, "33.3%"), (1, 0, "100.0%"), (0, 3, "0.0%"), (0, 0, "—"), (1, 7, "12.5%")],
)
def test_approval_rate_is_integer_arithmetic(approved, declined, rate):
    overview = Overview(
        mode="test", today=NOW.date(), month_start=NOW.date(), approved=approved, declined=declined
    )
    assert overview.approval_rate == rate


def test_webhook_health_and_alerts(merchant, other_merchant):
    m = merchant.merchant
    failing = WebhookSettingFactory(merchant=m, url="https://shop.example.com/broken")
    healthy = WebhookSettingFactory(
        merchant=m, url="https://shop.example.com/fine", event="payments.card.capture"
    )
    deleted = WebhookSettingFactory(merchant=m, deleted_at=timezone.now())
    WebhookDeliveryFactory(setting=failing, event__payment__merchant=m, status=WebhookDelivery.Status.FAILED)
    WebhookDeliveryFactory(
        setting=failing, event__payment__merchant=m, status=WebhookDelivery.Status.PENDING, attempts=3
    )
    WebhookDeliveryFactory(setting=failing, event__payment__merchant=m)
    WebhookDeliveryFactory(setting=healthy, event__payment__merchant=m)
    WebhookDeliveryFactory(setting=deleted, event__payment__merchant=m, status=WebhookDelivery.Status.FAILED)
    old = WebhookDeliveryFactory(
        setting=healthy, event__payment__merchant=m, status=WebhookDelivery.Status.FAILED
    )
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))

    soon = ApiKey.objects.filter(merchant=m, mode="test", kind="secret").get()
    ApiKey.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=3))
    ApiKey.objects.filter(merchant=m, mode="live", kind="secret").update(
        expires_at=timezone.now() + timedelta(days=20)
    )
    ApiKey.objects.filter(merchant=m, mode="live", kind="public").update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    Contract.objects.filter(merchant=m, pay_type="Konbini").update(status=Contract.Status.SUSPENDED)
    from payments.admission import controller

    minute = int(time.time() // 60)
    controller.redis_client().hincrby(
        controller.stats_key(m.public_id, "test"), f"{minute}:refused:Card:window", 3
    )

    overview = merchant_overview(merchant=m, mode="test")
    assert [(e.url, e.total, e.delivered, e.failed, e.retrying) for e in overview.endpoints] == [
        ("https://shop.example.com/fine", 1, 1, 0, 0),
        ("https://shop.example.com/broken", 3, 1, 1, 1),
    ]
    assert [e.url for e in overview.failing_endpoints] == ["https://shop.example.com/broken"]
    alerts = merchant_alerts(merchant=m, mode="test", overview=overview)
    assert [a.kind for a in alerts] == ["key", "webhook", "contract", "contract"]
    assert alerts[0].text.startswith(f"API key {soon.masked} (test secret) expires on ")
    assert alerts[1].text == (
        "Webhook payments.card.exec → https://shop.example.com/broken: 1 failed and 1 retrying of 3 "
        "deliveries in 7 days."
    )
    assert alerts[2].text == "The Konbini (convenience store) contract is suspended."
    assert alerts[3].text == (
        "Card: 3 payment session(s) refused in the last 5 minutes — contract limit reached: "
        "concurrency window (merchant × method)."
    )
    assert (
        merchant_alerts(
            merchant=other_merchant.merchant,
            mode="test",
            overview=merchant_overview(merchant=other_merchant.merchant, mode="test"),
        )
        == []
    )


def test_dashboard_page(client, merchant):
    m = merchant.merchant
    now = timezone.now()
    for n in range(12):
        PaymentFactory(merchant=m, order_id=f"o_recent{n:02d}", created=now - timedelta(seconds=n))
    PaymentFactory(
        merchant=m, order_id="o_refused", status=Status.UNPROCESSED, error_code=errors.CARD_DECLINED.code,
        created=now - timedelta(seconds=30),
    )  # fmt: skip
    PaymentFactory(merchant=m, mode="live", order_id="o_live_one", created=now)
    client.force_login(merchant.owner)
    response = client.get(f"/m/{m.public_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    today = timezone.localdate(now).isoformat()
    payments = f"/m/{m.public_id}/payments/"
    assert f'href="{payments}?mode=test&status=CAPTURED&date_from={today}&date_to={today}"' in html
    sales_today = re.search(r'id="sales-today".*?</a>', html, re.S).group(0)
    assert "¥39,600" in sales_today and "13 payments today" in sales_today
    assert "92.3%" in html and "12 approved of 13 attempted" in html
    assert (
        html.count('class="bar"') == 30
        and "<script" not in html.split('id="sales-chart"')[1].split("</svg>")[0]
    )
    recent = re.search(r'id="recent-payments".*?</section>', html, re.S).group(0)
    assert recent.count("/payments/test/") == 10 and "o_recent11" not in recent
    assert 'id="contracts"' in html and "Max / payment" in html and '<table id="contracts"' not in html
    live = client.get(f"/m/{m.public_id}/", {"mode": "live"}).content.decode()
    assert "o_live_one" in live and "o_recent00" not in live and 'aria-current="page">Live mode' in live


def test_dashboard_survives_redis_down(client, merchant, redis_down):
    client.force_login(merchant.owner)
    assert client.get(f"/m/{merchant.merchant.public_id}/").status_code == 200
