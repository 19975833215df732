"""The hosted pages in a real browser at desktop (1280 px) and phone (390 px) widths: the merchant
makes a page through the API, the buyer pays on it by card with a 3-D Secure challenge inside the
page, registers a card, cancels, or finds it expired; success and cancel POST to the shop."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from payments.hosted.models import CardRegistrationSession, PaymentSession
from payments.models import Card, Payment
from tests.receiver import Receiver
from tests.support import ApiClient, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHALLENGE = "4000000000003220"
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


@pytest.fixture
def shop(live_server, settings):
    """A merchant, the product's simulators served by the live server, and the shop's own site."""
    base = live_server.url
    settings.PORTAL_BASE_URL = base
    settings.ACQUIRER_SIMULATOR_URL = f"{base}/simulators/acquirer"
    settings.TDS_SIMULATOR_URL = f"{base}/simulators/tds"
    settings.PROVIDER_SIMULATOR_URL = f"{base}/simulators"
    site = Receiver(answers=[(200, '"thank you"')])
    keys = make_merchant(name="Hosted Shop")
    yield keys, ApiClient(keys.test_secret), site
    site.stop()
    from payments.providers import acquirer_http
    from payments.providers import http as provider_http

    acquirer_http.set_transport(None)  # close keep-alive connections to the live server
    provider_http.set_transport(None)


def _page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844})
    return context, context.new_page()


def _fits(page, width: int) -> None:
    """Nothing wider than the screen (no sideways scrolling on a phone)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _fill_card(page, number: str) -> None:
    page.fill("#card_no", number)
    page.fill("#card_expire", "3012")
    page.fill("#security_code", "123")
    page.fill("#holder_name", "TARO YAMADA")


def _posted(site: Receiver, path: str) -> dict[str, str]:
    received = [r for r in site.wait_for(1) if r.path == path]
    assert received, [r.path for r in site.received]
    return {name: values[0] for name, values in parse_qs(received[-1].body.decode()).items()}


@pytest.mark.parametrize("width", WIDTHS)
def test_pay_by_card_with_3ds_challenge_inside_the_page(browser, shop, artifacts, width):
    keys, api, site = shop
    created = api.call(
        "POST",
        "/v1/sessions",
        {
            "transaction": {"pay_type": ["Card", "Konbini"], "amount": "4800", "tax": "200"},
            "card": {"job_code": "CAPTURE", "tds_type": "2"},
            "success_url": site.url.replace("/hook", "/ok"),
            "cancel_url": site.url.replace("/hook", "/cancel"),
            "shop_service_name": "ホステッド商店",
        },
    )
    assert created.status_code == 200, created.content
    body = created.json()
    context, page = _page(browser, width)
    page.goto(body["link_url"])
    assert "ホステッド商店" in page.inner_text("header")
    assert "¥5,000" in page.inner_text("#total")
    _fits(page, width)
    page.screenshot(path=str(artifacts / f"hosted-pay-{width}.png"), full_page=True)
    _fill_card(page, CHALLENGE)
    page.click("#pay-button")
    page.wait_for_selector("#challenge-form")  # the issuer's challenge, inside the product's pages
    _fits(page, width)
    page.fill("#code", "123456")
    page.click("#challenge-form button[type=submit]")
    page.wait_for_url(site.url.replace("/hook", "/ok"))
    posted = _posted(site, "/ok")
    assert posted == {
        "session_id": body["id"], "order_id": body["transaction"]["order_id"], "pay_type": "Card", "status": "CAPTURED",
    }  # fmt: skip
    payment = Payment.objects.get()
    assert payment.status == "CAPTURED" and payment.total_amount == 5000
    assert payment.merchant == keys.merchant and payment.card_no == "************3220"
    assert PaymentSession.objects.get().status == "COMPLETED"
    # back to the page: it is used, nothing is paid twice
    page.goto(body["link_url"])
    assert "完了" in page.inner_text("main")
    assert Payment.objects.count() == 1
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_register_a_card(browser, shop, artifacts, width):
    _keys, api, site = shop
    body = api.call(
        "POST",
        "/v1/card_sessions",
        {
            "success_url": site.url.replace("/hook", "/registered"),
            "customer_id": "buyer-1",
            "customer_name": "TARO",
        },
    ).json()
    context, page = _page(browser, width)
    page.goto(body["link_url"])
    assert "カード登録" in page.inner_text("h1")
    _fits(page, width)
    page.screenshot(path=str(artifacts / f"hosted-card-{width}.png"), full_page=True)
    _fill_card(page, "4111111111111112")  # a mistyped number: said on the page, nothing saved
    page.click("#pay-button")
    page.wait_for_selector("#card-error:not([hidden])")
    assert "card_no" in page.inner_text("#card-error")
    _fill_card(page, "5555555555554444")
    page.click("#pay-button")
    page.wait_for_url(site.url.replace("/hook", "/registered"))
    card = Card.objects.get()
    assert card.customer.customer_id == "buyer-1" and card.card_no == "************4444"
    assert _posted(site, "/registered") == {
        "session_id": body["id"],
        "customer_id": "buyer-1",
        "card_id": card.card_id,
    }
    assert CardRegistrationSession.objects.get().status == "COMPLETED"
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_cancel_returns_to_the_shop(browser, shop, width):
    _keys, api, site = shop
    body = api.call(
        "POST",
        "/v1/sessions",
        {"transaction": {"amount": "1000"}, "cancel_url": site.url.replace("/hook", "/cancel")},
    ).json()
    context, page = _page(browser, width)
    page.goto(body["link_url"])
    page.click("#cancel-button")
    page.wait_for_url(site.url.replace("/hook", "/cancel"))
    assert _posted(site, "/cancel") == {"session_id": body["id"]}
    assert PaymentSession.objects.get().status == "CANCELED" and not Payment.objects.exists()
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_expired_page_says_so(browser, shop, artifacts, width):
    _keys, api, _site = shop
    body = api.call("POST", "/v1/sessions", {"transaction": {"amount": "1000"}}).json()
    PaymentSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    context, page = _page(browser, width)
    response = page.goto(body["link_url"])
    assert response.status == 410
    assert "有効期限が切れています" in page.inner_text("main")
    assert page.query_selector("#card_no") is None
    _fits(page, width)
    page.screenshot(path=str(artifacts / f"hosted-expired-{width}.png"), full_page=True)
    context.close()
