"""Two-factor on every staff page: walk every URL pattern of the project, and prove that none
serves a staff page to an operator's password-only session when ``ADMIN_REQUIRE_OTP`` is on.

A staff page is found, not listed: a URL is one when a verified operator gets a 200 there and
a signed-in ordinary user does not. Every URL pattern is filled with real ids of objects that
exist (admin change pages, documents, merchants), so the walk reaches the pages themselves.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.models import ApplicationDocument
from tests.support import make_merchant, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "operator-password-long"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix: str = ""):
    """(route, url name) of every URL pattern, regex ones included as their literal prefix."""
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route, entry.name


def concrete(route: str, name: str | None, ids: dict[str, str]) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)  # regex routes: named groups
    route = re.sub(r"\(\?:[^)]*\)\??|\.\*|[\^$?*+]", "", route)
    model_id = None
    for cut in range(1, 3):  # admin names: app_model_change, app_model_start_review, …
        model_id = model_id or (ids.get(f"model:{name.rsplit('_', cut)[0]}") if name else None)

    def value(match: re.Match) -> str:
        param = match["name"]
        if param in ("object_id", "pk") and model_id:
            return model_id
        return ids.get(param, "1" if match["converter"] == "int" else "x")

    return "/" + PARAM.sub(value, route)


@pytest.fixture
def world(settings):
    settings.ADMIN_REQUIRE_OTP = True
    shop = make_merchant(name="Walked Shop", approved=True)
    applicant = make_merchant(name="Applying Shop", approved=False)
    document = services.document_add(
        application=applicant.merchant.application,
        upload=SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
        kind=ApplicationDocument.Kind.values[0],
        actor=None,
    )
    operator = make_user(email="ops@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
    ids = {
        "merchant_id": shop.merchant.public_id,
        "document_id": document.public_id,
        "app_label": "portal",
    }
    for model in apps.get_models():  # an existing object of each model, for its admin pages
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            ids[f"model:{model._meta.app_label}_{model._meta.model_name}"] = str(first.pk)
    return operator, device, ids


def verified_session(operator, device) -> Client:
    client = Client()
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    response = client.post(
        "/admin/login/",
        {
            "username": operator.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": f"{token:06d}",
        },
    )
    assert response.status_code == 302, response.content[:500]
    return client


def password_only_session(operator) -> Client:
    """The attack: a session of the operator's made with the password alone (as the merchants'
    sign-in page made one before it refused operators, or a password reset would)."""
    client = Client()
    client.force_login(operator)
    return client


def test_the_merchants_sign_in_refuses_operators_without_the_code(world):
    operator, _, _ = world
    client = Client()
    response = client.post("/login/", {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Operators sign in at /admin/ with their one-time code." in response.content
    assert client.get("/admin/admission/").status_code == 302


def test_no_staff_page_without_the_verified_code(world):
    operator, device, ids = world
    verified, password_only = verified_session(operator, device), password_only_session(operator)
    ordinary = Client()
    ordinary.force_login(make_user(email="someone@example.com"))

    staff_pages, served = [], []
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(("static/", "media/")):
            continue
        url = concrete(route, name, ids)
        if verified.get(url).status_code != 200 or ordinary.get(url).status_code == 200:
            continue
        staff_pages.append(url)
        answer = password_only.get(url)
        if answer.status_code == 200:
            served.append(url)
        else:
            assert answer.status_code in (302, 401, 403, 404), (url, answer.status_code)
            if answer.status_code == 302:
                assert answer["Location"].startswith(("/admin/login/", "/login/")), (url, answer["Location"])

    assert not served, f"staff pages served to a password-only session: {served}"
    # The walk reached the staff pages themselves, not only their sign-in redirects.
    expected = {
        "/admin/",
        "/admin/admission/",
        "/admin/admission/data/",
        f"/documents/{ids['document_id']}/",
        "/admin/portal/merchant/",
        f"/admin/portal/merchant/{ids['model:portal_merchant']}/change/",
        "/admin/credit/ruleset/",
    }
    assert expected <= set(staff_pages), expected - set(staff_pages)
    assert len(staff_pages) > 60


def test_staff_pages_answer_the_verified_operator(world):
    operator, device, ids = world
    verified = verified_session(operator, device)
    for url in ("/admin/admission/", "/admin/admission/data/", f"/documents/{ids['document_id']}/"):
        assert verified.get(url).status_code == 200, url


def test_password_only_operator_is_sent_to_the_two_factor_sign_in(world):
    operator, _, _ = world
    answer = password_only_session(operator).get("/admin/admission/data/")
    assert answer.status_code == 302
    assert answer["Location"] == "/admin/login/?next=/admin/admission/data/"


def test_without_the_setting_a_password_session_is_enough(world, settings):
    settings.ADMIN_REQUIRE_OTP = False
    operator, _, _ = world
    client = Client()
    assert client.post("/login/", {"username": operator.email, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/admission/").status_code == 200
