"""Every merchant page and the public pages, at 1280 px and at 390 px (a phone), in a real browser.

Fails on horizontal overflow (the document wider than the window) or a console error, naming the
page and the widest elements, with a full-page screenshot of each such page and width in
test-artifacts/. ``BROWSER_SCREENSHOTS=all`` saves one of every page (half this test's time).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from payments import errors
from payments.models import Customer, Status
from payments.webhooks.models import WebhookDelivery
from portal.models import Merchant
from portal.urls import merchant_pages
from tests.browser import EVERY_SCREENSHOT
from tests.payments.factories import (
    PaymentEventFactory,
    PaymentFactory,
    WebhookAttemptFactory,
    WebhookDeliveryFactory,
    WebhookSettingFactory,
)
from tests.support import make_merchant, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PUBLIC = ["/", "/login/", "/signup/", "/docs/", "/docs/webhooks/", "/docs/errors/", "/status"]
PASSWORD = "layout-passphrase-1"
# Actions (POST only, with path parameters): not pages.
ACTIONS = {
    "merchant-document-delete", "merchant-key-roll", "merchant-key-revoke", "merchant-member-role",
    "merchant-member-remove", "merchant-invitation-revoke", "merchant-webhook-delete", "merchant-webhook-resend",
    "merchant-payment-simulate", "merchant-chargeback-evidence", "merchant-chargeback-submit",
}  # fmt: skip

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' (' + Math.round(r.right) + 'px)');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 4)};
}"""


def _data():
    """A merchant with payments of several methods and statuses, a decline and webhook deliveries."""
    owner = make_user(email="layout@shop.example", password=PASSWORD)
    m = make_merchant(name="Layout Shop 株式会社レイアウト", owner=owner).merchant
    customer = Customer.objects.create(
        merchant=m, mode="test", customer_id="c_layout_customer_with_a_long_identifier_0001",
        name="山田 花子", email="hanako.yamada.with.a.very.long.address@example-shop.co.jp",
    )  # fmt: skip
    now = timezone.now()
    rows = [
        {"order_id": "o_layout_captured_000000000001", "customer": customer},
        {
            "status": Status.AUTHORIZED,
            "job_code": "AUTH",
            "amount": 123456789,
            "card_no": "************4444",
            "brand": "MASTER",
        },
        {
            "status": Status.UNPROCESSED,
            "error_code": errors.CARD_DECLINED.code,
            "card_no": "************0002",
        },
        {"status": Status.UNPROCESSED, "error_code": errors.INSUFFICIENT_FUNDS.code},
        {"pay_type": "Konbini", "status": Status.AWAITING_CUSTOMER_PAYMENT, "card_no": None, "brand": None},
        {"pay_type": "Paypay", "status": Status.CAPTURED, "card_no": None, "brand": None},
        {
            "pay_type": "Virtualaccount",
            "status": Status.EXPIRED,
            "card_no": None,
            "brand": None,
            "currency": "USD",
        },
        {"status": Status.CANCELED},
    ]
    payments = [
        PaymentFactory(merchant=m, created=now - timedelta(days=n * 3, minutes=n), **row)
        for n, row in enumerate(rows)
    ]
    declined = payments[2]
    PaymentEventFactory(payment=declined)
    PaymentEventFactory(
        payment=declined, action="execute_failed", from_status="UNPROCESSED", to_status="UNPROCESSED",
        detail={"reference": "ref_" + "x" * 60, "reason": "card_declined"},
    )  # fmt: skip
    setting = WebhookSettingFactory(
        merchant=m, url="https://hooks.layout-shop.example.com/payments/webhooks/receive/" + "segment/" * 12
    )
    failed = WebhookDeliveryFactory(
        event__payment=declined, setting=setting, status=WebhookDelivery.Status.FAILED, attempts=2,
        last_status_code=500, last_error="HTTP 500 from the receiver: " + "internal error " * 10,
    )  # fmt: skip
    WebhookAttemptFactory(
        delivery=failed, status_code=500, delivered=False, response_excerpt="<html>" + "e" * 400
    )
    WebhookAttemptFactory(delivery__event__payment=payments[0], delivery__setting=setting)
    return (
        owner,
        m,
        {"payment": declined, "customer": customer, "delivery": failed, **_other_rows(m, payments)},
    )


def _other_rows(m, payments) -> dict:
    """One row for each other detail page: bulk, invoice, subscription, chargeback, deposit."""
    from payments.bulk.models import PaymentBulk, PaymentBulkDetail
    from payments.chargebacks.models import Category, Chargeback, Request
    from payments.invoices.models import Invoice, InvoiceLine
    from payments.settlements.models import Statement
    from payments.subscriptions.models import Plan, Subscription

    Merchant.objects.filter(pk=m.pk).update(shop_type=Merchant.ShopType.PLATFORM)
    today = timezone.localdate()
    customer = payments[0].customer
    bulk = PaymentBulk.objects.create(
        merchant=m, mode="test", pay_type="Card", status="COMPLETED", process_plan_date=today,
        file_name="november-subscribers-with-a-rather-long-file-name.csv", file_hash="0" * 64, total_count=1,
    )  # fmt: skip
    PaymentBulkDetail.objects.create(
        bulk=bulk, line=1, order_id="o_bulk_line_1", amount=1000, customer_id="c_x"
    )
    invoice = Invoice.objects.create(
        merchant=m, mode="test", customer=customer, pay_types=["Card", "Virtualaccount"], total_amount=11000,
        tax=1000, memo="お支払いは月末までにお願いします。" * 5,
    )  # fmt: skip
    InvoiceLine.objects.create(
        invoice=invoice, position=1, name="年間保守契約 " * 8, unit_price=10000, quantity=1
    )
    plan = Plan.objects.create(merchant=m, mode="test", plan_name="Premium monthly", amount=980, tax=98)
    subscription = Subscription.objects.create(
        merchant=m, mode="test", pay_type="Card", plan=plan, customer=customer, start_date=today
    )
    now = timezone.now()
    chargeback = Chargeback.objects.create(
        payment=payments[0], merchant=m, mode="test", amount=3300, category=Category.FRAUD_SUSPECTED,
        request=Request.NOT_RECOGNISED, acquirer_reference="cb_layout_1", reason_text="The cardholder "
        "does not recognise this payment. " * 4, trade_registration_date=now, process_date=today,
        opened_to_shop_date=now, evidence_due_date=today + timedelta(days=10),
    )  # fmt: skip
    statement = Statement.objects.create(
        merchant=m, mode="test", term_start=today.replace(day=1), term_end=today,
        scheduled_deposit_date=today + timedelta(days=15), count=3, total_amount=123456789,
    )  # fmt: skip
    return {
        "merchant-bulk": ["test", bulk.bulk_id],
        "merchant-invoice": ["test", invoice.invoice_id],
        "merchant-subscription": ["test", subscription.subscription_id],
        "merchant-chargeback": ["test", str(chargeback.chargeback_id)],
        "merchant-deposit": ["test", statement.public_id],
        "merchant-deposit-download": ["test", statement.public_id, "csv"],
    }


def _merchant_urls(m, rows) -> tuple[list[str], list[str]]:
    """GET pages of portal.urls.merchant_pages for this merchant, and the ones skipped (no row)."""
    args = {
        **{name: value for name, value in rows.items() if name.startswith("merchant-")},
        "merchant-payment": ["test", rows["payment"].order_id],
        "merchant-customer": ["test", rows["customer"].customer_id],
        "merchant-webhook-delivery": [rows["delivery"].delivery_id],
    }
    urls, skipped = [], []
    for pattern in merchant_pages:
        assert isinstance(pattern, URLPattern)
        name = pattern.name or ""
        params = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        if not params:
            urls.append(reverse(name, args=[m.public_id]))
        elif name in args:
            urls.append(reverse(name, args=[m.public_id, *args[name]]))
        else:
            skipped.append(name)
    return urls, skipped


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_no_page_overflows_or_logs_an_error(browser, live_server, artifacts, locale):
    owner, m, rows = _data()
    urls, skipped = _merchant_urls(m, rows)
    assert set(skipped) <= ACTIONS, f"a page this test does not visit: {set(skipped) - ACTIONS}"
    problems: list[str] = []
    visited = 0
    not_pages: dict[str, bool] = {}
    # The browser's language picks the page's (LocaleMiddleware reads Accept-Language). Each page
    # is loaded once, at the phone's width, and laid out again at each other width: the pages'
    # widths are CSS alone (media queries; no script reads the window's size), so a resized
    # window lays a page out as a load at that width does.
    first, *others = WIDTHS.items()
    context = browser.new_context(viewport=first[1], locale=locale)
    page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and seen.append(msg.text))
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    page.set_content('<div style="width:2000px">wide</div>')  # the check itself sees an overflow
    assert page.evaluate(OVERFLOW_JS)["scrollWidth"] >= 2000

    def laid_out(path: str, width_label: str, width: int) -> list[str]:
        label = f"{locale}-{width_label}"
        found: list[str] = []
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow:
            found.append(
                f"{label} {path}: document {overflow['scrollWidth']}px wide in a {width}px "
                f"window; widest: {', '.join(overflow['wide'])}"
            )
        if found or EVERY_SCREENSHOT:
            slug = re.sub(r"[^a-z0-9]+", "-", path.replace(m.public_id, "m").lower()).strip("-") or "home"
            page.screenshot(path=str(artifacts / f"layout-{label}-{slug}.png"), full_page=True)
        return found

    def check(path: str) -> None:
        nonlocal visited
        if path not in not_pages:  # actions (POST only: 405) and downloads (CSV) are not pages
            answer = page.request.get(live_server.url + path)
            not_pages[path] = answer.status == 405 or "text/html" not in answer.headers["content-type"]
        if not_pages[path]:
            return
        seen.clear()
        page.set_viewport_size(first[1])
        response = page.goto(live_server.url + path, wait_until="load")
        status = response.status if response else 0
        visited += 1
        found: list[str] = []
        if status >= 400:
            found.append(f"{locale} {path}: HTTP {status}")
        found.extend(laid_out(path, first[0], first[1]["width"]))
        for width_label, viewport in others:
            page.set_viewport_size(viewport)
            found.extend(laid_out(path, width_label, viewport["width"]))
        found.extend(f"{locale} {path}: console error: {text}" for text in seen)
        lang = page.evaluate("document.documentElement.lang")
        if not lang.startswith(locale[:2]):
            found.append(f"{locale} {path}: <html lang={lang!r}>, not in the browser's language")
        problems.extend(found)

    for path in PUBLIC:
        check(path)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/m/.*"))
    for path in urls:
        check(path)
    context.close()
    assert not problems, "\n".join(problems)
    assert visited >= len(PUBLIC) + 15
