"""Merchant web pages: sign-up, verification, application, keys, team, tenancy."""

import re

import pytest
from django.core import mail

from portal import services
from portal.models import ApiKey, Invitation, Membership, Merchant, User
from tests.support import make_merchant, make_user

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "merchant_name": "Kissa Tanaka",
        "email": "Owner@Kissa.example",
        "password": "a-long-enough-passphrase",
        "password_confirm": "a-long-enough-passphrase",
        **overrides,
    }
    return client.post("/signup/", data)


def test_root_is_a_landing_page_for_visitors_and_the_shop_for_members(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"one API" in response.content
    assert b'href="/signup/"' in response.content and b'href="/docs/"' in response.content
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert b"Create account" in client.get("/signup/").content
    shop = make_merchant()
    client.force_login(shop.owner)
    assert client.get("/").url == "/m/"


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url.endswith("favicon.svg")
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid email address."),
        ({"password": "short", "password_confirm": "short"}, b"too short"),
        ({"password": "password123", "password_confirm": "password123"}, b"too common"),
        ({"password_confirm": "different-passphrase"}, b"do not match"),
        ({"merchant_name": ""}, b"This field is required."),
        ({"email": "x" * 250 + "@a.jp"}, b"at most 254"),
    ],
)
def test_signup_rejects_bad_input_with_a_clear_message(client, overrides, message):
    response = _signup(client, **overrides)
    assert response.status_code == 400
    assert message in response.content
    assert not User.objects.exists()
    assert not Merchant.objects.exists()


def test_signup_shows_the_test_secret_once_and_sends_verification(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        posted = _signup(client)
    # Post/redirect/get: a refresh shows the page again without posting the form.
    assert (posted.status_code, posted.url) == (302, "/welcome/")
    response = client.get("/welcome/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(rb'id="secret-key">(m_test_[A-Za-z0-9]+)<', response.content).group(1).decode()
    # Shown once: the session forgets the keys as soon as the page is built.
    again = client.get("/welcome/")
    assert again.status_code == 302 and secret.encode() not in again.content
    user = User.objects.get(email="owner@kissa.example")
    merchant = Membership.objects.get(user=user).merchant
    assert merchant.status == "onboarding"
    assert ApiKey.objects.filter(merchant=merchant, mode="test").count() == 2
    assert not ApiKey.objects.filter(merchant=merchant, mode="live").exists()
    api = client.get("/v1/onboarding/application", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    keys_page = client.get(f"/m/{merchant.public_id}/keys/")
    assert secret.encode() not in keys_page.content
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/verify-email/(\S+)/", mail.outbox[0].body).group(1)
    assert user.email_verified_at is None
    client.get(f"/verify-email/{link}/")
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert client.get("/verify-email/forged-token/").status_code == 400


def test_duplicate_email_signup_is_refused(client):
    make_user(email="taken@example.com")
    response = _signup(client, email="TAKEN@example.com")
    assert response.status_code == 400
    assert b"already exists" in response.content


def test_application_form_bad_and_good_data(client):
    shop = make_merchant(approved=False)
    client.force_login(shop.owner)
    url = f"/m/{shop.merchant.public_id}/application/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"corporate_number": "1234567890123", "save": "1"})
    assert bad.status_code == 400
    assert b"check digit" in bad.content
    good = client.post(
        url,
        {
            "legal_name": "株式会社ウェブ",
            "legal_name_kana": "カブシキガイシャウェブ",
            "corporate_number": "7000012050002",
            "representative_name": "上田 太郎",
            "postal_code": "150-0002",
            "address": "東京都渋谷区渋谷2-1-1",
            "phone": "03-1234-5678",
            "business_category": "saas",
            "expected_monthly_volume": "100000",
            "requested_methods": ["Card", "Paypay"],
            "submit": "1",
        },
    )
    assert good.status_code == 302
    assert (
        shop.merchant.application.__class__.objects.get(pk=shop.merchant.application.pk).status == "submitted"
    )


def test_unverified_owner_cannot_submit(client):
    owner = make_user(email_verified_at=None)
    shop = make_merchant(approved=False, owner=owner)
    client.force_login(owner)
    response = client.post(f"/m/{shop.merchant.public_id}/application/", {"legal_name": "X", "submit": "1"})
    assert response.status_code == 400
    assert b"Verify your e-mail address" in response.content


def test_keys_create_roll_revoke(client, merchant):
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/keys/"
    created = client.post(base, {"mode": "live", "kind": "secret", "label": "server"})
    assert created.status_code == 200
    raw = re.search(rb'id="new-key">(m_live_[A-Za-z0-9]+)<', created.content).group(1).decode()
    key = ApiKey.objects.get(key_hash=services.hash_api_key(raw))
    rolled = client.post(f"{base}{key.public_id}/roll/", {"grace_hours": "2"})
    new_raw = re.search(rb'id="new-key">(m_live_[A-Za-z0-9]+)<', rolled.content).group(1).decode()
    key.refresh_from_db()
    assert key.expires_at is not None and key.replaced_by.key_hash == services.hash_api_key(new_raw)
    client.post(f"{base}{key.replaced_by.public_id}/revoke/")
    assert ApiKey.objects.get(pk=key.replaced_by.pk).revoked_at is not None
    bad = client.post(f"{base}{key.public_id}/roll/", {"grace_hours": "9999"})
    assert bad.status_code == 302


def test_live_keys_refused_before_approval(client):
    shop = make_merchant(approved=False)
    client.force_login(shop.owner)
    response = client.post(f"/m/{shop.merchant.public_id}/keys/", {"mode": "live", "kind": "secret"})
    assert response.status_code == 400
    assert b"Live keys are issued only" in response.content
    assert not ApiKey.objects.filter(merchant=shop.merchant, mode="live").exists()


def test_a_merchant_user_never_sees_another_merchants_pages(client, merchant, other_merchant):
    client.force_login(merchant.owner)
    other = other_merchant.merchant.public_id
    for path in ["", "application/", "keys/", "team/", "activity/"]:
        assert client.get(f"/m/{other}/{path}").status_code == 404
    other_key = ApiKey.objects.filter(merchant=other_merchant.merchant).first()
    assert (
        client.post(f"/m/{merchant.merchant.public_id}/keys/{other_key.public_id}/revoke/").status_code == 404
    )
    assert ApiKey.objects.get(pk=other_key.pk).revoked_at is None
    assert client.get(f"/m/{merchant.merchant.public_id}/").status_code == 200


def test_anonymous_users_are_sent_to_login(client, merchant):
    response = client.get(f"/m/{merchant.merchant.public_id}/keys/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_invitation_flow_and_roles(client, merchant, django_capture_on_commit_callbacks):
    client.force_login(merchant.owner)
    team = f"/m/{merchant.merchant.public_id}/team/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(team, {"email": "dev@example.com", "role": "viewer"})
    token = re.search(r"/invitations/([A-Za-z0-9]+)/", mail.outbox[-1].body).group(1)
    assert Invitation.objects.get(email="dev@example.com").token_hash != token
    duplicate = client.post(team, {"email": "dev@example.com", "role": "viewer"})
    assert duplicate.status_code == 400
    client.logout()
    joined = client.post(f"/invitations/{token}/", {"password": "another-long-passphrase"})
    assert joined.status_code == 302
    viewer = User.objects.get(email="dev@example.com")
    assert Membership.objects.get(user=viewer, merchant=merchant.merchant).role == "viewer"
    # A viewer cannot create keys or invite.
    keys = client.post(f"/m/{merchant.merchant.public_id}/keys/", {"mode": "test", "kind": "secret"})
    assert b"does not allow" in keys.content
    client.post(team, {"email": "x@example.com", "role": "owner"})
    assert not Invitation.objects.filter(email="x@example.com").exists()
    assert client.get(f"/invitations/{token}/").status_code == 400  # used


def test_last_owner_cannot_be_demoted(client, merchant):
    client.force_login(merchant.owner)
    member = Membership.objects.get(user=merchant.owner, merchant=merchant.merchant)
    client.post(f"/m/{merchant.merchant.public_id}/team/{member.public_id}/role/", {"role": "viewer"})
    assert Membership.objects.get(pk=member.pk).role == "owner"


def test_password_reset(client):
    user = make_user(email="forgetful@example.com", password="old-password-long")
    assert client.post("/password-reset/", {"email": "forgetful@example.com"}).status_code == 302
    link = re.search(r"http://\S+(/password-reset/\S+/\S+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase")
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(action="user.password_reset", actor=user).count() == 1
    # Unknown addresses get the same answer and no e-mail.
    count = len(mail.outbox)
    assert client.post("/password-reset/", {"email": "nobody@example.com"}).status_code == 302
    assert len(mail.outbox) == count
