"""Sign-up → application → operator approval → the merchant sees live keys, in a real browser."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from portal.models import Application, Contract, Merchant
from tests.support import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_signup_to_live_keys(browser, live_server, artifacts, tmp_path):
    reviewer = make_user(email="reviewer@ops.example", password="reviewer-password-1", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    base = live_server.url

    merchant_ctx = browser.new_context()
    page = merchant_ctx.new_page()
    page.goto(base + "/")
    page.click("text=Create a shop")
    page.fill("#id_merchant_name", "Browser Bakery")
    page.fill("#id_email", "owner@bakery.example")
    page.fill("#id_password", "short")
    page.fill("#id_password_confirm", "short")
    page.click("main button[type=submit]")
    assert "too short" in page.inner_text(".field-error")
    page.fill("#id_password", "a-long-bakery-passphrase")
    page.fill("#id_password_confirm", "a-long-bakery-passphrase")
    page.click("main button[type=submit]")
    secret = page.inner_text("#secret-key")
    assert secret.startswith("m_test_")
    page.screenshot(path=str(artifacts / "onboarding-1-welcome.png"), full_page=True)

    link = re.search(r"(/verify-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(base + link)
    merchant = Merchant.objects.get(name="Browser Bakery")

    page.goto(f"{base}/m/{merchant.public_id}/application/")
    page.fill("#id_corporate_number", "1234567890123")
    page.click("button[name=save]")
    assert "check digit" in page.inner_text("[data-field=corporate_number]")
    page.fill("#id_legal_name", "株式会社ブラウザベーカリー")
    page.fill("#id_legal_name_kana", "カブシキガイシャブラウザベーカリー")
    page.fill("#id_corporate_number", "7000012050002")
    page.fill("#id_representative_name", "パン 太郎")
    page.fill("#id_postal_code", "150-0002")
    page.fill("#id_address", "東京都渋谷区渋谷2-1-1")
    page.fill("#id_phone", "03-1234-5678")
    page.fill("#id_website", "https://bakery.example.com")
    page.select_option("#id_business_category", "food-beverage")
    page.fill("#id_expected_monthly_volume", "2000000")
    page.check("input[name=requested_methods][value=Card]")
    page.check("input[name=requested_methods][value=Konbini]")
    page.click("button[name=save]")
    document = tmp_path / "registry.pdf"
    document.write_bytes(PDF)
    page.select_option("#document-form select[name=kind]", "registry")
    page.set_input_files("#document-form input[type=file]", str(document))
    page.click("#document-form button[type=submit]")
    assert "registry.pdf" in page.inner_text("#documents")
    page.click("button[name=submit]")
    assert page.inner_text("#application-status") == "Submitted"
    application = Application.objects.get(merchant=merchant)
    assert application.status == "submitted" and application.screened_at is not None

    operator_ctx = browser.new_context()
    ops = operator_ctx.new_page()
    ops.goto(base + "/admin/login/")
    ops.fill("#id_username", "reviewer@ops.example")
    ops.fill("#id_password", "reviewer-password-1")
    ops.click("input[type=submit]")
    assert "Browser Bakery" in ops.inner_text("#review-queue")
    ops.click("#review-queue a:has-text('Browser Bakery')")
    ops.click("#start-review")
    ops.select_option("select[name='methods-0-decision']", "approved")
    ops.select_option("select[name='methods-1-decision']", "rejected")
    ops.fill("textarea[name='methods-1-comment']", "Konbini needs a physical-goods licence.")
    ops.click("input[name=_continue]")
    ops.click("#finalize-review")
    ops.screenshot(path=str(artifacts / "onboarding-2-admin.png"), full_page=True)
    assert Application.objects.get(pk=application.pk).status == "approved"
    assert list(Contract.objects.filter(merchant=merchant).values_list("pay_type", flat=True)) == ["Card"]

    page.goto(f"{base}/m/{merchant.public_id}/")
    assert "Konbini needs a physical-goods licence." in page.inner_text("body")
    assert "Card" in page.inner_text("#contracts")
    page.goto(f"{base}/m/{merchant.public_id}/keys/")
    page.select_option("#id_mode", "live")
    page.select_option("#id_kind", "secret")
    page.click("#key-form button[type=submit]")
    live_key = page.inner_text("#new-key")
    assert live_key.startswith("m_live_")
    page.screenshot(path=str(artifacts / "onboarding-3-live-keys.png"), full_page=True)
    merchant_ctx.close()
    operator_ctx.close()
