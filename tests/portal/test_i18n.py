"""Japanese and English: the language switch, Accept-Language, the API's error messages, the forms'
errors, the merchant pages in Japanese, and a complete, compiled ``ja`` catalog."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.models import Merchant
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A Japanese request leaves Japanese active in this thread (LocaleMiddleware never resets it):
    the tests that follow, calling code outside a request, expect the default language."""
    yield
    translation.deactivate()


# --- the catalog -------------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: ``msgctxt``/``msgid``/``msgid_plural``/``msgstr``/``msgstr[n]`` and
    ``flags`` (the ``#,`` comments). Obsolete (``#~``) entries are left out."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def _answers(translations: gettext.GNUTranslations, entry: dict) -> list[str]:
    """What a compiled catalog answers for a .po entry (each plural form for plural entries)."""
    if "msgid_plural" in entry:
        return [translations.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
    if "msgctxt" in entry:
        return [translations.pgettext(entry["msgctxt"], entry["msgid"])]
    return [translations.gettext(entry["msgid"])]


def _expected(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [entry["msgstr[0]"]] * 2  # Japanese has one plural form (nplurals=1)
    return [entry["msgstr"]]


def _count(mo: Path) -> int:
    """The number of strings in a compiled catalog (the .mo header's third word)."""
    magic, _revision, count = struct.unpack("<3I", mo.read_bytes()[:12])
    assert magic == 0x950412DE
    return count


def test_every_japanese_entry_is_translated_and_none_is_fuzzy():
    entries = _po_entries(CATALOG / "django.po")
    assert len(entries) > 500
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: ja" in header["msgstr"] and "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in messages if not all(_expected(e))]
    assert fuzzy == [], f"fuzzy entries: {fuzzy[:10]}"
    assert empty == [], f"untranslated entries: {empty[:10]}"
    # Placeholders survive translation (msgfmt checks python-format only, not the templates' ones).
    for e in messages:
        wanted = set(re.findall(r"%\(\w+\)[sd]", e["msgid"]))
        for translated in _expected(e):
            assert set(re.findall(r"%\(\w+\)[sd]", translated)) == wanted, e["msgid"]


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    """``django.mo`` answers every entry of ``django.po`` (so it was compiled from this .po), and a
    fresh compilation with msgfmt holds the same strings."""
    entries = _po_entries(CATALOG / "django.po")[1:]
    with (CATALOG / "django.mo").open("rb") as f:
        committed = gettext.GNUTranslations(f)
    stale = [e["msgid"] for e in entries if _answers(committed, e) != _expected(e)]
    assert stale == [], f"django.mo is stale (run manage.py compilemessages -l ja): {stale[:10]}"

    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed: the fresh compilation is not compared")
    fresh_path = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(fresh_path), str(CATALOG / "django.po")], check=True)
    with fresh_path.open("rb") as f:
        fresh = gettext.GNUTranslations(f)
    assert _count(fresh_path) == _count(CATALOG / "django.mo")
    assert fresh.info() == committed.info()
    assert [_answers(fresh, e) for e in entries] == [_answers(committed, e) for e in entries]


# --- choosing the language ---------------------------------------------------------------------


def test_the_language_switch_sets_a_cookie_and_the_pages_follow_it(client):
    english = client.get("/login/")
    assert '<html lang="en">' in english.content.decode() and "Sign in" in english.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "ja", "next": "/login/"})
    assert switched.status_code == 302 and switched.url == "/login/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"

    html = client.get("/login/").content.decode()
    assert '<html lang="ja">' in html
    assert "<h1>ログイン</h1>" in html and "新規登録" in html and "パスワード" in html
    assert "Sign in" not in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "<h1>Sign in</h1>" in client.get("/login/").content.decode()


def test_accept_language_ja_serves_japanese_pages(client):
    html = client.get("/", **JA).content.decode()
    assert '<html lang="ja">' in html
    assert "日本のあらゆる支払い方法を、ひとつのAPIで" in html and "ショップを作成" in html
    signup = client.get("/signup/", **JA).content.decode()
    assert "会社名またはショップ名" in signup and "アカウントを作成" in signup
    assert '<html lang="en">' in client.get("/").content.decode()


# --- the API's error messages ------------------------------------------------------------------


def test_api_errors_are_japanese_with_accept_language_ja_and_english_without(merchant):
    api = ApiClient(merchant.test_secret)
    cases = [
        (api, "GET", "/v1/payments/no-such-order?pay_type=Card", None, "決済が見つかりません。"),
        (ApiClient("m_test_bogus"), "GET", "/v1/payments?pay_type=Card", None, "APIキーが不正です。"),
        (api, "POST", "/v1/payments", {"pay_type": "Card"}, "job_code: 必須です。"),
    ]
    for client, method, path, body, japanese in cases:
        english = client.call(method, path, body)
        translated = client.call(method, path, body, headers={"Accept-Language": "ja"})
        assert english.status_code == translated.status_code
        (en,) = english.json()["errors"]
        (ja,) = translated.json()["errors"]
        assert en["error_code"] == ja["error_code"]
        assert ja["error_message"] == japanese
        assert en["error_message"] != japanese and en["error_message"].isascii()


# --- forms -------------------------------------------------------------------------------------


def test_signup_errors_are_in_japanese(client):
    answer = client.post(
        "/signup/",
        {"merchant_name": "", "email": "a@b.example", "password": "short", "password_confirm": "other"},
        **JA,
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "この項目は必須です。" in html  # Django's own catalog
    assert "パスワードが一致しません。" in html  # ours
    mismatch_free = client.post(
        "/signup/",
        {"merchant_name": "喫茶", "email": "a@b.example", "password": "short", "password_confirm": "short"},
        **JA,
    )
    assert "このパスワードは短すぎます" in mismatch_free.content.decode()


def test_login_errors_are_in_japanese(client):
    shop = make_merchant()
    answer = client.post("/login/", {"username": shop.owner.email, "password": "wrong-password"}, **JA)
    html = answer.content.decode()
    assert "とパスワードを入力してください" in html  # Django's own catalog
    assert "メールアドレス" in html and "<h1>ログイン</h1>" in html


# --- the merchant pages ------------------------------------------------------------------------

NAV = [
    "概要",
    "利用申込",
    "決済",
    "顧客",
    "サブスクリプション",
    "請求書",
    "入金",
    "チャージバック",
    "APIキー",
    "メンバー",
]
PAGES = {
    "merchant-application": "利用申込",
    "merchant-keys": "APIキー",
    "merchant-team": "メンバー",
    "merchant-activity": "操作履歴",
    "merchant-checkout": "テスト決済",
    "merchant-customers": "顧客",
    "merchant-subscriptions": "サブスクリプション",
    "merchant-invoices": "請求書",
    "merchant-bulks": "一括決済",
    "merchant-hosted-pages": "決済ページ",
    "merchant-deposits": "入金",
    "merchant-chargebacks": "チャージバック",
    "merchant-webhooks": "Webhook",
    "merchant-tenant-examinations": "テナント審査",
    "merchant-payments": "決済",
}
ENGLISH_CHROME = re.compile(r">\s*(Filter|Mode|Status|Created|Newer|Older|Sign out|Overview)\s*<")


@pytest.mark.parametrize(("name", "heading"), PAGES.items())
def test_merchant_pages_render_in_japanese(client, name, heading):
    shop = make_merchant(name="喫茶タナカ")
    shop.merchant.shop_type = Merchant.ShopType.PLATFORM
    shop.merchant.save(update_fields=["shop_type"])
    client.force_login(shop.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    answer = client.get(reverse(name, args=[shop.merchant.public_id]))
    assert answer.status_code == 200, name
    html = answer.content.decode()
    assert '<html lang="ja">' in html
    assert f"<h1>{heading}</h1>" in html
    subnav = html[html.index('<nav class="subnav"') : html.index("</nav>", html.index('<nav class="subnav"'))]
    for label in NAV:
        assert f">{label}</a>" in subnav, (name, label)
    main = html[html.index("<main>") :]
    assert not ENGLISH_CHROME.search(main), (name, ENGLISH_CHROME.search(main))


def test_the_overview_and_a_payment_render_in_japanese(client):
    from payments.models import Status
    from tests.payments.factories import PaymentFactory

    shop = make_merchant(name="喫茶タナカ")
    payment = PaymentFactory(merchant=shop.merchant, status=Status.CAPTURED, amount=3000, tax=300)
    client.force_login(shop.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    html = client.get(reverse("merchant-dashboard", args=[shop.merchant.public_id])).content.decode()
    assert '<html lang="ja">' in html
    for text in ("本日の売上", "今月の売上", "承認率", "最近の決済", "契約と上限", "テスト環境"):
        assert text in html, text
    assert re.search(r"\d+月\d+日 からの売上確定分", html)  # the month's first day, in Japanese
    detail = client.get(reverse("merchant-payment", args=[shop.merchant.public_id, "test", payment.order_id]))
    html = detail.content.decode()
    assert f"決済 {payment.order_id}" in html
    assert 'data-status="CAPTURED">売上確定</span>' in html  # the status label, translated
    assert "¥3,000 ＋ 税送料 ¥300 ＝ <strong>¥3,300</strong>" in html
    listing = client.get(
        reverse("merchant-payments", args=[shop.merchant.public_id]),
        {"date_from": "2026-12-10", "date_to": "2026-12-01", "last4": "12"},
    ).content.decode()
    assert "開始日が終了日より後だったため、日付を入れ替えました。" in listing
    assert "カード番号下4桁: 4桁の数字で入力してください。（この条件は無視されました）" in listing
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(
        reverse("merchant-payment", args=[shop.merchant.public_id, "test", payment.order_id])
    )
    assert "¥3,000 + tax ¥300 = <strong>¥3,300</strong>" in english.content.decode()


def test_public_pages_render_in_japanese(client):
    for path, text in [
        ("/login/", "パスワードをお忘れの方"),
        ("/signup/", "ひとつのAPIで決済を受け付ける"),
        ("/password-reset/", "パスワードの再設定"),
        ("/docs/", "開発者向けドキュメント"),
    ]:
        answer = client.get(path, **JA)
        assert answer.status_code == 200, path
        assert text in answer.content.decode(), path


def test_amounts_and_dates_read_the_same_in_both_languages(client):
    """Amounts are ``¥1,000`` and dates numeric (``2026-12-07``) in English and Japanese alike."""
    from datetime import datetime

    from django.template import Context, Template

    template = Template('{% load money %}{{ amount|money }} {{ when|date:"Y-m-d H:i" }}')

    context = Context({"amount": 1000, "when": datetime(2026, 12, 7, 9, 30)})
    for language in ("en", "ja"):
        with translation.override(language):
            assert template.render(context) == "¥1,000 2026-12-07 09:30"


def test_payment_method_names_are_translated():
    from django.utils import translation

    from portal.pay_types import pay_type_choices

    with translation.override("ja"):
        names = {value: str(label) for value, label in pay_type_choices()}
    assert names["Card"] == "カード" and names["Konbini"] == "コンビニ決済"
    assert names["Bnpl"] == "後払い" and names["Directdebit"] == "口座振替"
    with translation.override("en"):
        assert dict(pay_type_choices())["Card"] == "Card"
