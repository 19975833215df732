"""A Japanese browser (locale ja-JP): sign-up → overview → payments, in Japanese, no page wider than
the window at 1280 px or 390 px (a screenshot of a page that is, in test-artifacts/); the language
switch back to English."""

import re

import pytest
from django.core import mail

from portal.models import Merchant
from tests.browser import EVERY_SCREENSHOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
OVERFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _fits(page, name: str, artifacts) -> None:
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(50)
        scroll_width, inner_width = page.evaluate(OVERFLOW_JS)
        if scroll_width > inner_width or EVERY_SCREENSHOT:
            page.screenshot(path=str(artifacts / f"i18n-ja-{name}-{label}.png"), full_page=True)
        assert scroll_width <= inner_width, f"{name} at {label}: {scroll_width}px wide for {inner_width}px"


def test_a_japanese_browser_signs_up_and_reads_the_pages_in_japanese(browser, live_server, artifacts):
    base = live_server.url
    context = browser.new_context(locale="ja-JP", viewport=WIDTHS["desktop"])
    page = context.new_page()
    try:
        page.goto(base + "/")
        assert page.get_attribute("html", "lang") == "ja"
        assert "日本のあらゆる支払い方法を、ひとつのAPIで" in page.inner_text("h1")
        _fits(page, "landing", artifacts)
        page.set_viewport_size(WIDTHS["desktop"])

        page.click("text=ショップを作成")
        assert page.inner_text("h1") == "ひとつのAPIで決済を受け付ける"
        assert page.inner_text("label[for=id_merchant_name]") == "会社名またはショップ名"
        page.fill("#id_merchant_name", "和菓子ブラウザ堂")
        page.fill("#id_email", "owner@wagashi.example")
        page.fill("#id_password", "a-long-wagashi-passphrase")
        page.fill("#id_password_confirm", "a-different-passphrase")
        page.click("main button[type=submit]")
        assert page.inner_text("[data-field=password_confirm]") == "パスワードが一致しません。"
        _fits(page, "signup-errors", artifacts)
        page.set_viewport_size(WIDTHS["desktop"])
        page.fill("#id_password", "a-long-wagashi-passphrase")
        page.fill("#id_password_confirm", "a-long-wagashi-passphrase")
        page.click("main button[type=submit]")
        assert page.inner_text("h1") == "ようこそ、和菓子ブラウザ堂 さん"
        assert page.inner_text("#secret-key").startswith("m_test_")
        _fits(page, "welcome", artifacts)

        link = re.search(r"(/verify-email/\S+/)", mail.outbox[-1].body).group(1)
        page.goto(base + link)
        merchant = Merchant.objects.get(name="和菓子ブラウザ堂")

        page.goto(f"{base}/m/{merchant.public_id}/")
        assert page.get_attribute("html", "lang") == "ja"
        subnav = page.inner_text("nav.subnav")
        for label in ("概要", "決済", "入金", "チャージバック", "APIキー"):
            assert label in subnav
        assert "ログアウト" in page.inner_text("header.topbar")
        _fits(page, "overview", artifacts)

        page.set_viewport_size(WIDTHS["desktop"])
        page.click("nav.subnav >> text=決済")
        page.wait_for_url(re.compile(r"/payments/"))
        assert page.get_attribute("html", "lang") == "ja"
        assert "概要" in page.inner_text("nav.subnav")
        _fits(page, "payments", artifacts)

        page.set_viewport_size(WIDTHS["desktop"])
        page.click("nav.subnav >> text=APIキー")
        assert page.inner_text("h1") == "APIキー"
        _fits(page, "keys", artifacts)

        # Every page of the merchant navigation, in Japanese, fits both widths.
        links = page.eval_on_selector_all("nav.subnav a", "links => links.map(a => a.getAttribute('href'))")
        assert len(links) >= 14
        for href in links:
            page.set_viewport_size(WIDTHS["desktop"])
            page.goto(base + href)
            assert page.get_attribute("html", "lang") == "ja", href
            _fits(page, "page-" + (href.split(merchant.public_id)[-1].strip("/") or "overview"), artifacts)
        page.goto(f"{base}/m/{merchant.public_id}/keys/")

        # The switch in the header: English from now on (a cookie), whatever the browser asks for.
        page.set_viewport_size(WIDTHS["desktop"])
        page.click("form.lang-switch button[value=en]")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.inner_text("h1") == "API keys"
        assert "Overview" in page.inner_text("nav.subnav")
        page.goto(f"{base}/m/{merchant.public_id}/payments/")
        assert page.get_attribute("html", "lang") == "en"
    finally:
        context.close()
