"""The simulators are test equipment, tried as an attacker would (issue 16, item 2).

* In production settings there is no /simulators/ at all, unless a staging system turns
  them on; then their controls refuse anonymous callers, merchants and password-only staff,
  and accept the control token or staff with the verified one-time code.
* The outside-world APIs of the simulators answer our own provider clients only: a buyer
  or another merchant who knows an access id reads and cancels nothing.
* A live card payment never consults a simulator for 3-D Secure: without a 3DS server it is
  refused (4xx, nothing written, the token still usable); with one, that server decides.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from base64 import b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from payments.models import (
    CardSecret,
    CardToken,
    Payment,
    PaymentEvent,
    ThreeDSecureSession,
)
from payments.providers import acquirer_http
from payments.providers import http as provider_http
from payments.providers.http import simulator_key
from simulators import engine
from simulators.models import SimulatedAcquirerTransaction, SimulatedProviderPayment
from tests.payments import flows
from tests.payments.conftest import in_process_wsgi
from tests.payments.helpers import CHALLENGE, VISA, action, execute, posted_fields, register, token
from tests.receiver import serve_in_background
from tests.support import ApiClient, error_codes, make_user

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
RET = "https://shop.example.com/3ds/callback"
TOKEN = "control-token-" + "x" * 40

SIMULATOR_PATHS = [
    "/simulators/acquirer/v1/authorizations",
    "/simulators/acquirer/v1/operations/a_x-1",
    "/simulators/acquirer/v1/transactions/t_x/cancel",
    "/simulators/tds/v1/authentications",
    "/simulators/paypay/control",
    "/simulators/paypay/payments/a_x/renotify",
    "/simulators/konbini/store/",
    "/simulators/bank/v1/transfers",
]


# --- Not routed in production -------------------------------------------------------------------


def _production(**extra: str) -> subprocess.CompletedProcess:
    """Start the product's settings with PORTAL_ENV=production and report what is routed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
        "CELERY_BROKER_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
        "CARD_ENCRYPTION_KEYS": "k1:" + b64encode(os.urandom(32)).decode(),
        "CARD_HASH_KEY": b64encode(os.urandom(32)).decode(),
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        **extra,
    }
    if "SIMULATORS_ENABLED" not in extra:
        env.pop("SIMULATORS_ENABLED", None)
    script = f"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
import portal.urls, payments.services.registration, payments.tds_views, payments.views  # noqa
routed = []
for path in {SIMULATOR_PATHS!r}:
    try:
        resolve(path)
        routed.append(path)
    except Resolver404:
        pass
loaded = sorted(m for m in sys.modules if m.startswith("simulators") and m != "simulators.models")
print(json.dumps({{"enabled": settings.SIMULATORS_ENABLED, "routed": routed, "loaded": loaded}}))
"""
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_routes_no_simulator_and_loads_none():
    done = _production()
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["enabled"] is False
    assert report["routed"] == []
    # Not even imported: no simulator code can take a decision in production.
    # The app, for its tables and their read-only admin pages; no simulator code.
    assert report["loaded"] == ["simulators", "simulators.admin", "simulators.apps"]


def test_production_routes_the_simulators_only_when_a_staging_system_says_so():
    done = _production(SIMULATORS_ENABLED="true", SIMULATOR_CONTROL_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["enabled"] is True and report["routed"] == SIMULATOR_PATHS


def test_simulators_enabled_is_a_strict_boolean():
    done = _production(SIMULATORS_ENABLED="Ture")
    assert done.returncode != 0
    assert "SIMULATORS_ENABLED" in done.stderr and "ImproperlyConfigured" in done.stderr


# --- Controls of a staging system ---------------------------------------------------------------

CONTROLS = [
    ("post", "/simulators/paypay/control", {"fail_status": 500, "fail_count": -1}),
    ("get", "/simulators/paypay/control", None),
    ("post", "/simulators/dpay/payments/a_unknown/renotify", {}),
    ("post", "/simulators/paypay/payments/a_unknown/expire", {}),
    ("get", "/simulators/paypay/pay/c_unknown/", None),
    ("post", "/simulators/konbini/v1/slips/a_unknown/expire", {}),
    ("post", "/simulators/konbini/v1/store/payments", {"slip_id": "123"}),
    ("get", "/simulators/konbini/store/", None),
    ("post", "/simulators/bank/v1/accounts/a_unknown/expire", {}),
    ("post", "/simulators/bank/v1/transfers", {"account_number": "1234567", "amount": 1000}),
    ("get", "/simulators/bank/transfer/", None),
]


@pytest.fixture
def staging(settings):
    """Production with the simulators enabled for a staging system (routes exist in this process)."""
    settings.PORTAL_ENV = "production"
    settings.SIMULATOR_CONTROL_TOKEN = TOKEN
    settings.ADMIN_REQUIRE_OTP = True
    return settings


def _call(client, method: str, path: str, body, **headers):
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "path", "body"), CONTROLS)
def test_staging_controls_refuse_anonymous_merchants_and_password_only_staff(
    staging, client, merchant, method, path, body
):
    assert _call(client, method, path, body).status_code == 403
    wrong = _call(client, method, path, body, HTTP_AUTHORIZATION="Bearer " + TOKEN[:-1] + "y")
    assert wrong.status_code == 403
    api_key = _call(client, method, path, body, HTTP_AUTHORIZATION=f"Bearer {merchant.test_secret}")
    assert api_key.status_code == 403
    client.force_login(merchant.owner)
    assert _call(client, method, path, body).status_code == 403
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)  # a password-only session: no verified one-time code
    assert _call(client, method, path, body).status_code == 403
    # Nothing happened.
    assert "fail_status" not in engine.control("paypay")
    assert not SimulatedProviderPayment.objects.exists()


def test_staging_control_accepts_the_token(staging, client):
    answer = _call(client, *CONTROLS[0], HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200
    assert engine.control("paypay")["fail_status"] == 500


def test_staging_control_without_a_configured_token_accepts_no_token(staging, client):
    staging.SIMULATOR_CONTROL_TOKEN = ""
    assert _call(client, *CONTROLS[0], HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert _call(client, *CONTROLS[0], HTTP_AUTHORIZATION="Bearer x").status_code == 403
    assert "fail_status" not in engine.control("paypay")


def test_staging_control_accepts_staff_with_the_verified_code(staging, client):
    staff = make_user(email="ops@example.com", password="ops-password-long", is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="d", confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    signed_in = client.post(
        "/admin/login/",
        {
            "username": "ops@example.com",
            "password": "ops-password-long",
            "otp_device": device.persistent_id,
            "otp_token": f"{code:06d}",
        },
    )
    assert signed_in.status_code == 302
    assert _call(client, *CONTROLS[0]).status_code == 200
    assert engine.control("paypay")["fail_status"] == 500


def test_staging_control_accepts_password_staff_only_when_two_factor_is_off(staging, client):
    staging.ADMIN_REQUIRE_OTP = False
    client.force_login(make_user(is_staff=True))
    assert _call(client, *CONTROLS[0]).status_code == 200


# --- The outside-world APIs answer our provider clients only -------------------------------------


def test_nobody_else_reads_or_cancels_an_authorisation_at_the_acquirer_simulator(
    api, public_api, merchant, other_merchant, client
):
    payment = register(api)
    assert execute(api, payment, token(public_api, VISA)).json()["status"] == "AUTHORIZED"
    reference = f"{payment['access_id']}-1"
    operation = SimulatedAcquirerTransaction.objects.get(reference=reference)
    query = f"/simulators/acquirer/v1/operations/{reference}"
    cancel = f"/simulators/acquirer/v1/transactions/{operation.transaction_id}/cancel"
    for headers in (
        {},
        {"HTTP_AUTHORIZATION": f"Bearer {other_merchant.test_secret}"},
        {"HTTP_AUTHORIZATION": f"Bearer {merchant.test_secret}"},  # even the payment's own merchant
        {"HTTP_AUTHORIZATION": f"Bearer {simulator_key('tds')}"},  # another simulator's key
    ):
        read = client.get(query, **headers)
        assert read.status_code == 401
        assert operation.transaction_id.encode() not in read.content
        refused = client.post(cancel, {"reference": "attack-1"}, content_type="application/json", **headers)
        assert refused.status_code == 401
    assert SimulatedAcquirerTransaction.objects.count() == 1  # the cancel never happened
    # Our own client's credential is what opens it (the route works).
    ours = client.get(query, HTTP_AUTHORIZATION=f"Bearer {simulator_key('acquirer')}")
    assert ours.status_code == 200 and ours.json()["state"] == "done"


def test_nobody_else_reads_a_3ds_authentication_at_the_simulator(api, public_api, client):
    payment = register(api, tds_type="2")
    body = execute(api, payment, token(public_api, CHALLENGE), tds2_ret_url=RET).json()
    param = posted_fields(client.get(body["acs_url"]).content)["param"]
    assert api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": param}).status_code == 200
    path = f"/simulators/tds/v1/authentications/{payment['access_id']}"
    assert client.get(path).status_code == 401
    guess = client.post(f"{path}/challenge", {"answer": "123456"}, content_type="application/json")
    assert guess.status_code == 401
    assert SimulatedProviderPayment.objects.get(provider="tds").state == "C"


@pytest.mark.django_db(transaction=True)
def test_nobody_else_reads_or_cancels_a_wallet_payment_at_its_simulator(api, other_merchant, client):
    payment = flows.register(api, "Paypay")
    assert flows.ok(flows.execute(api, payment))["status"] == "AWAITING_CUSTOMER_PAYMENT"
    ref = payment["access_id"]
    status = f"/simulators/paypay/v2/codes/payments/{ref}"
    cancel = f"/simulators/paypay/v2/payments/{ref}/cancel"
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Bearer {other_merchant.test_secret}"}):
        read = client.get(status, **headers)
        assert read.status_code == 401 and ref.encode() not in read.content
        refused = client.post(cancel, {"merchantRefundId": "x"}, content_type="application/json", **headers)
        assert refused.status_code == 401
    row = SimulatedProviderPayment.objects.get(provider="paypay", payment_ref=ref)
    assert row.state == "awaiting" and len(row.references) == 1  # only our client's create
    ours = client.get(status, HTTP_AUTHORIZATION=f"Bearer {simulator_key('paypay')}")
    assert ours.status_code == 200


# --- Live 3-D Secure never reaches a simulator --------------------------------------------------


class Recording(httpx.BaseTransport):
    """Every outbound provider call, in-process for the test server, real sockets otherwise."""

    def __init__(self):
        self.urls: list[str] = []
        self.wsgi = httpx.WSGITransport(app=in_process_wsgi())
        self.net = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        target = self.wsgi if request.url.host == "testserver" else self.net
        return target.handle_request(request)


@pytest.fixture
def outbound():
    recording = Recording()
    acquirer_http.set_transport(recording)
    provider_http.set_transport(recording)
    yield recording
    acquirer_http.set_transport(None)
    provider_http.set_transport(None)


class FakeLive:
    """A live 3DS server and acquirer on 127.0.0.1, scripted by the test."""

    def __init__(self):
        self.received: list[tuple[str, str, dict, str]] = []
        self.auth = {"trans_status": "Y"}
        self.result = {"trans_status": "Y"}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, body: dict, status: int = 200):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _record(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append((self.command, self.path, body, self.headers.get("Authorization", "")))
                return body

            def do_GET(self):
                self._record()
                if self.path.startswith("/tds/v1/authentications/"):
                    return self._send(fake.result)
                return self._send({"error": "not_found"}, 404)

            def do_POST(self):
                body = self._record()
                if self.path == "/tds/v1/enrollments":
                    return self._send({"enrolled": True})
                if self.path == "/tds/v1/authentications":
                    return self._send({"reference": body["reference"], **fake.auth})
                if self.path == "/acq/v1/authorizations":
                    return self._send(
                        {
                            "reference": body["reference"],
                            "transaction_id": "t_live0000000000000000001",
                            "outcome": "captured" if body["capture"] else "authorized",
                            "amount": body["amount"],
                            "approve": "7654321",
                        }
                    )
                return self._send({"error": "not_found"}, 404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = serve_in_background(self.server)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_live(settings):
    fake = FakeLive()
    settings.ACQUIRER_LIVE_URL = f"{fake.url}/acq"
    settings.TDS_SERVER_URL = f"{fake.url}/tds"
    yield fake
    fake.stop()


def _no_simulator_was_consulted(outbound: Recording) -> None:
    assert not [url for url in outbound.urls if "/simulators/" in url or "testserver" in url]
    assert not SimulatedProviderPayment.objects.filter(provider="tds").exists()
    assert not SimulatedAcquirerTransaction.objects.exists()


def test_live_3ds_payment_without_a_3ds_server_is_refused_and_nothing_is_half_done(
    live_api, merchant, settings, fake_live, outbound
):
    settings.TDS_SERVER_URL = ""
    live_public = ApiClient(merchant.live_public)
    payment = register(live_api, tds_type="2")
    tok = token(live_public, CHALLENGE)
    events = PaymentEvent.objects.count()
    refused = execute(live_api, payment, tok, tds2_ret_url=RET)
    assert refused.status_code == 400
    assert error_codes(refused) == ["E1300000006"]
    assert "3-D Secure" in refused.json()["errors"][0]["error_message"]
    stored = Payment.objects.get(order_id=payment["id"])
    assert (stored.status, stored.pending_operation, stored.card_secret_id) == ("UNPROCESSED", None, None)
    assert PaymentEvent.objects.count() == events
    assert not ThreeDSecureSession.objects.exists()
    assert not CardSecret.objects.filter(purpose="payment").exists()
    assert CardToken.objects.get().used_at is None
    assert fake_live.received == [] and outbound.urls == []
    _no_simulator_was_consulted(outbound)
    # The token was not used up: the same card still pays without 3-D Secure.
    plain = register(live_api)
    assert execute(live_api, plain, tok).json()["status"] == "AUTHORIZED"
    _no_simulator_was_consulted(outbound)


def test_live_3ds_asks_the_configured_server_never_the_test_card_table(
    live_api, merchant, client, fake_live, outbound
):
    # The simulator's table says "challenge" for this card; the live 3DS server says frictionless.
    payment = register(live_api, tds_type="2")
    body = execute(live_api, payment, token(ApiClient(merchant.live_public), CHALLENGE), tds2_ret_url=RET)
    assert body.status_code == 200, body.content
    assert body.json()["status"] == "AUTHENTICATED"
    param = posted_fields(client.get(body.json()["acs_url"]).content)["param"]
    auth = live_api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": param})
    assert auth.status_code == 200, auth.content
    assert auth.json()["tds2_trans_result"] == "Y" and "challenge_url" not in auth.json()
    assert action(live_api, payment, "secure").json()["status"] == "AUTHORIZED"
    calls = [(method, path) for method, path, _, _ in fake_live.received]
    assert calls == [
        ("POST", "/tds/v1/enrollments"),
        ("POST", "/tds/v1/authentications"),
        ("POST", "/acq/v1/authorizations"),
    ]
    authentication = fake_live.received[1][2]
    assert authentication["card_number"] == CHALLENGE and authentication["reference"] == payment["access_id"]
    assert authentication["amount"] == 1000 and authentication["currency"] == "JPY"
    assert all(header == "" for *_, header in fake_live.received)  # no simulator credential leaves
    _no_simulator_was_consulted(outbound)


def test_live_challenge_is_hosted_by_the_acs_and_its_result_is_asked_of_the_server(
    live_api, merchant, client, fake_live, outbound
):
    fake_live.auth = {"trans_status": "C", "challenge_url": "https://acs.example.test/challenge/42"}
    fake_live.result = fake_live.auth
    payment = register(live_api, tds_type="2", job_code="CAPTURE")
    body = execute(live_api, payment, token(ApiClient(merchant.live_public), VISA), tds2_ret_url=RET).json()
    param = posted_fields(client.get(body["acs_url"]).content)["param"]
    auth = live_api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": param}).json()
    assert auth["tds2_trans_result"] == "C"
    page = client.get(auth["challenge_url"])
    assert page.status_code == 302 and page["Location"] == "https://acs.example.test/challenge/42"
    # A one-time code posted to our page is not checked against any test code.
    guessed = client.post(auth["challenge_url"], {"param": param, "code": "123456"})
    assert guessed.status_code != 200 or b"AuthResultReady" not in guessed.content
    fake_live.result = {"trans_status": "Y"}
    back = client.get(auth["challenge_url"])  # the ACS sent the buyer back
    assert posted_fields(back.content)["event"] == "AuthResultReady"
    assert live_api.call("GET", f"/v1/secure2/{payment['access_id']}").json()["tds2_trans_result"] == "Y"
    assert action(live_api, payment, "secure").json()["status"] == "CAPTURED"
    _no_simulator_was_consulted(outbound)


def test_test_mode_3ds_goes_to_the_simulator_over_http_like_a_live_server(
    api, public_api, client, outbound, settings
):
    settings.TDS_SIMULATOR_URL = "http://testserver/simulators/tds"
    payment = register(api, tds_type="2")
    body = execute(api, payment, token(public_api, CHALLENGE), tds2_ret_url=RET).json()
    param = posted_fields(client.get(body["acs_url"]).content)["param"]
    auth = api.call("PUT", f"/v1/secure2/{payment['access_id']}", {"param": param}).json()
    assert auth["tds2_trans_result"] == "C"
    tds = [url.split("/simulators/tds")[1] for url in outbound.urls if "/simulators/tds/" in url]
    assert tds == ["/v1/enrollments", "/v1/authentications"]


def test_nothing_outside_the_simulators_imports_them_for_a_decision():
    offenders = []
    for path in (BASE_DIR / "payments").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for line in path.read_text().splitlines():
            if "simulators" in line and "import" in line and "simulators.models" not in line:
                offenders.append(f"{path.relative_to(BASE_DIR)}: {line.strip()}")
    # The registry lends the test-card table to the test checkout page (documentation only).
    assert offenders == ["payments/providers/registry.py: from simulators.cards import TEST_CARDS"]
    assert django_settings.SIMULATORS_ENABLED is True  # this suite runs outside production
