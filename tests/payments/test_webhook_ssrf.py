"""Webhook URLs cannot reach inside: the attacks of a merchant who points a webhook at us.

Every spelling of a non-public address is refused when a setting is saved (API and merchant
page) and again when a delivery is posted; a name that resolves to a public address when
saved and to 127.0.0.1 later (DNS rebinding) is refused at delivery; redirects are not
followed; ``signature`` cannot inject headers; nothing a refused address could answer ever
reaches the deliveries page.

Only the outside world is faked: DNS (``socket.getaddrinfo`` answers from a table, and never
asks a real resolver) and, as a tripwire, any TCP connection to an address that is not
loopback fails the test — these tests never send a packet beyond this machine.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django.utils.html import escape

from payments.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSetting
from payments.webhooks import delivery as webhook_delivery
from tests.payments.flows import register, subscribe
from tests.receiver import Receiver, serve_in_background
from tests.support import ApiClient, MerchantKeys, error_codes, make_merchant, rows_for_module

pytestmark = pytest.mark.django_db

REFUSED = "destination refused: not a public address"
REFUSED_NAME = "destination refused: the host name is not a public one"
UNREACHABLE = "no answer: the connection failed or timed out"
BAD_SIGNATURE = "setting refused: Fincode-Signature is not printable ASCII (at most 60 characters)"
URL_INVALID = "E1400020002"  # area 14 (webhooks), field 2 (url), cause 2 (invalid)
SIGNATURE_INVALID = "E1400040002"
EVENT = "payments.paypay.regist"
SECRET_ANSWER = "node_cpu_seconds_total 1234 # the product's own /metrics"

# Loopback, spelt every way the C library reads it. ``{port}``: a live receiver on 127.0.0.1,
# so a request that got through would be seen.
LOOPBACK = [
    "http://127.0.0.1:{port}/hook",
    "http://2130706433:{port}/hook",  # decimal
    "http://0177.0.0.1:{port}/hook",  # octal
    "http://017700000001:{port}/hook",  # octal, one number
    "http://0x7f.1:{port}/hook",  # hex, short
    "http://0x7f000001:{port}/hook",  # hex, one number
    "http://0x7f.0x0.0x0.0x1:{port}/hook",
    "http://127.1:{port}/hook",  # short
    "http://127.0.1:{port}/hook",
    "http://127.0.0.1.:{port}/hook",  # trailing dot
    "http://127.127.127.127:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://[0:0:0:0:0:0:0:1]:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",  # IPv4-mapped
    "http://[::ffff:7f00:1]:{port}/hook",
    "http://localhost:{port}/hook",
    "http://LOCALHOST.:{port}/hook",
    "http://hooks.localhost:{port}/hook",
]
# Never public, whatever the mode and settings.
PRIVATE = [
    "http://10.0.0.1:{port}/hook",
    "http://10.1:{port}/hook",  # 10.0.0.1, short
    "http://012.0.0.1:{port}/hook",  # 10.0.0.1, octal
    "http://167772161:{port}/hook",  # 10.0.0.1, decimal
    "http://0xa000001:{port}/hook",  # 10.0.0.1, hex
    "http://172.16.0.1:{port}/hook",
    "http://172.31.255.254:{port}/hook",
    "http://192.168.1.1:{port}/hook",
    "http://0xc0a80101:{port}/hook",  # 192.168.1.1
    "http://100.64.0.1:{port}/hook",  # carrier-grade NAT
    "http://100.127.255.254:{port}/hook",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://2852039166/latest/meta-data/",  # 169.254.169.254, decimal
    "http://0xa9fea9fe/latest/meta-data/",  # hex
    "http://0251.0376.0251.0376/latest/meta-data/",  # octal
    "http://169.254.43518/latest/meta-data/",  # short
    "http://0.0.0.0:{port}/hook",  # unspecified
    "http://0:{port}/hook",
    "http://[::]:{port}/hook",
    "http://224.0.0.1:{port}/hook",  # multicast
    "http://239.255.255.250:{port}/hook",
    "http://255.255.255.255:{port}/hook",  # broadcast
    "http://240.0.0.1:{port}/hook",  # reserved
    "http://192.0.2.1:{port}/hook",  # documentation
    "http://198.18.0.1:{port}/hook",  # benchmarking
    "http://[fc00::1]:{port}/hook",  # unique local
    "http://[fd12:3456:789a::1]:{port}/hook",
    "http://[fe80::1]:{port}/hook",  # link-local
    "http://[fe80::1%25eth0]:{port}/hook",
    "http://[ff02::1]:{port}/hook",  # multicast
    "http://[::ffff:10.0.0.1]:{port}/hook",  # IPv4-mapped private
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",  # IPv4-mapped metadata
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[::ffff:0:7f00:1]:{port}/hook",  # IPv4-translated loopback
    "http://[::127.0.0.1]:{port}/hook",  # IPv4-compatible loopback
    "http://[64:ff9b::7f00:1]:{port}/hook",  # NAT64 of loopback: someone else's loopback
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of metadata
    "http://[2002:7f00:1::1]:{port}/hook",  # 6to4 of loopback
    "http://[2002:a9fe:a9fe::1]/latest/meta-data/",  # 6to4 of metadata
    "http://[2001::1]:{port}/hook",  # Teredo
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://printer.local:{port}/hook",
    "http://router.home.arpa:{port}/hook",
    "http://intranet:{port}/hook",  # one label: the resolver's search list
]
PUBLIC = [
    "https://hooks.shop.example/fincode",
    "http://8.8.8.8/hook",
    "https://93.184.215.14:8443/hook",
    "https://[2606:4700:4700::1111]/hook",
    "http://[::ffff:8.8.8.8]/hook",
]


class FakeDns:
    """``socket.getaddrinfo`` for the tests: names from ``table``, numeric hosts as the C library
    reads them, and nothing else (no real resolver is ever asked)."""

    def __init__(self, real):
        self.real = real
        self.table: dict[str, list[str]] = {"localhost": ["127.0.0.1"], "hooks.localhost": ["127.0.0.1"]}
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = (host.decode() if isinstance(host, bytes) else str(host)).lower().rstrip(".")
        if name in self.table and not flags & socket.AI_NUMERICHOST:
            self.asked.append(name)
            answers = []
            for address in self.table[name]:
                if ipaddress.ip_address(address).version == 6:
                    answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0)))
                else:
                    answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0)))
            return answers
        return self.real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture(autouse=True)
def tripwire(monkeypatch):
    """Connections are allowed to loopback only; any other is recorded and fails the test."""
    tried: list[str] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if not ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
            tried.append(address[0])
            pytest.fail(f"a connection to {address[0]} was attempted")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker) -> Iterator[MerchantKeys]:
    """The merchant of this module's ~330 tests, made once (``tests.support.rows_for_module``)."""
    with rows_for_module(django_db_blocker):
        yield make_merchant(name="Test Shop", approved=True)


@pytest.fixture
def merchant(shop, db) -> MerchantKeys:
    return shop


@pytest.fixture
def metrics():
    """What an attacker wants to read: a service on loopback (the product's /metrics)."""
    server = Receiver(answers=[(200, SECRET_ANSWER)])
    yield server
    server.stop()


@pytest.fixture
def no_loopback(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False


def _save(api: ApiClient, url: str, **extra):
    return api.call("POST", "/v1/webhook_settings", {"url": url, "event": EVENT, **extra})


def _stored(merchant, url: str, mode: str = "test", signature: str = "") -> WebhookSetting:
    """A setting as a row stored before these checks existed (the API would refuse it now)."""
    return WebhookSetting.objects.create(
        merchant=merchant.merchant, mode=mode, url=url, event=EVENT, signature=signature
    )


def _deliver(setting: WebhookSetting) -> tuple[str, WebhookDelivery]:
    event = WebhookEvent.objects.create(
        merchant=setting.merchant, mode=setting.mode, sequence=1, event=EVENT, payload={"event": EVENT}
    )
    row = WebhookDelivery.objects.create(event=event, setting=setting, next_attempt_at=timezone.now())
    outcome = webhook_delivery.deliver(delivery_id=row.pk)
    row.refresh_from_db()
    return outcome, row


def _attempts(row: WebhookDelivery) -> list[tuple]:
    return list(
        row.attempt_log.values_list("status_code", "delivered", "error", "response_excerpt", "duration_ms")
    )


# --- When a setting is saved ------------------------------------------------------------


@pytest.mark.parametrize("url", PRIVATE + LOOPBACK)
def test_api_refuses_non_public_urls_in_test_mode(api, url, no_loopback):
    response = _save(api, url.format(port=8000))
    assert response.status_code == 400 and error_codes(response) == [URL_INVALID], response.content
    assert response.json()["errors"][0]["error_message"].startswith("url: ")
    assert not WebhookSetting.objects.exists()


@pytest.mark.parametrize("url", PRIVATE)
def test_api_refuses_private_urls_even_where_loopback_is_allowed(api, url, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    response = _save(api, url.format(port=8000))
    assert response.status_code == 400 and error_codes(response) == [URL_INVALID], response.content
    assert not WebhookSetting.objects.exists()


@pytest.mark.parametrize("url", PRIVATE + LOOPBACK)
def test_api_refuses_non_public_urls_in_live_mode(live_api, url, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True  # never in live mode
    response = _save(live_api, url.format(port=8443).replace("http://", "https://", 1))
    assert response.status_code == 400 and error_codes(response) == [URL_INVALID], response.content
    assert not WebhookSetting.objects.exists()


def test_the_refusal_says_why_in_fincodes_shape(api, no_loopback):
    response = _save(api, "http://[::ffff:7f00:1]:8000/metrics")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "error_code": URL_INVALID,
                "error_message": "url: must point to a public address (not loopback, private, link-local "
                "or reserved)",
            }
        ]
    }
    named = _save(api, "http://metadata.google.internal/computeMetadata/v1/")
    assert named.json()["errors"][0]["error_message"] == (
        "url: must name a public host (not localhost, .local, .internal or one label)"
    )
    injected = _save(api, "https://hooks.shop.example/fincode", signature="SIG\r\nX-Injected: 1")
    assert injected.status_code == 400 and injected.json() == {
        "errors": [
            {
                "error_code": SIGNATURE_INVALID,
                "error_message": "signature: must be printable ASCII without line breaks",
            }
        ]
    }
    assert not WebhookSetting.objects.exists()


def test_an_unapproved_merchant_is_refused_too(no_loopback):
    shop = make_merchant(name="Not Yet Approved", approved=False)
    response = _save(ApiClient(shop.test_secret), "http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400 and error_codes(response) == [URL_INVALID]
    assert not WebhookSetting.objects.exists()


@pytest.mark.parametrize("url", ["ftp://shop.example/hook", "file:///etc/passwd", "gopher://shop.example/"])
def test_only_http_and_https(api, url):
    response = _save(api, url)
    assert response.status_code == 400 and error_codes(response) == [URL_INVALID]
    assert not WebhookSetting.objects.exists()


def test_live_mode_needs_https(live_api):
    response = _save(live_api, "http://8.8.8.8/hook")
    assert response.status_code == 400 and error_codes(response) == ["E1400000003"]
    assert not WebhookSetting.objects.exists()


@pytest.mark.parametrize("url", PUBLIC)
def test_public_urls_are_saved_without_asking_dns(api, live_api, url, dns, no_loopback):
    assert _save(api, url).status_code == 200
    assert _save(live_api, url.replace("http://", "https://", 1)).status_code == 200
    assert list(WebhookSetting.objects.order_by("id").values_list("mode", "url")) == [
        ("test", url),
        ("live", url.replace("http://", "https://", 1)),
    ]
    assert dns.asked == []


def test_an_update_is_checked_like_a_creation(api, no_loopback):
    created = _save(api, "https://hooks.shop.example/fincode").json()
    for url in ("http://127.0.0.1:8000/metrics", "http://[::ffff:a9fe:a9fe]/"):
        response = api.call("PUT", f"/v1/webhook_settings/{created['id']}", {"url": url})
        assert response.status_code == 400 and error_codes(response) == [URL_INVALID]
    assert WebhookSetting.objects.get().url == "https://hooks.shop.example/fincode"


@pytest.mark.parametrize(
    ("mode", "allowed", "status"),
    [("test", True, 200), ("test", False, 400), ("live", True, 400), ("live", False, 400)],
)
def test_loopback_only_in_test_mode_with_the_setting_on(merchant, settings, mode, allowed, status):
    settings.WEBHOOK_ALLOW_LOOPBACK = allowed
    api = ApiClient(merchant.test_secret if mode == "test" else merchant.live_secret)
    scheme = "http" if mode == "test" else "https"
    response = _save(api, f"{scheme}://127.0.0.1:8000/hook")
    assert response.status_code == status, response.content
    assert WebhookSetting.objects.filter(mode=mode).count() == (1 if status == 200 else 0)


@pytest.mark.parametrize("url", PRIVATE + LOOPBACK)
def test_merchant_page_refuses_non_public_urls(client, merchant, url, no_loopback):
    client.force_login(merchant.owner)
    page = client.post(
        f"/m/{merchant.merchant.public_id}/webhooks/",
        {"mode": "test", "url": url.format(port=8000), "event": EVENT},
    )
    assert page.status_code == 400
    assert not WebhookSetting.objects.exists()


def test_merchant_page_names_the_reason(client, merchant, no_loopback):
    client.force_login(merchant.owner)
    page = client.post(
        f"/m/{merchant.merchant.public_id}/webhooks/",
        {"mode": "live", "url": "https://[::ffff:127.0.0.1]/hook", "event": EVENT},
    )
    assert page.status_code == 400
    assert b"url: must point to a public address" in page.content
    assert not WebhookSetting.objects.exists()


def test_operators_cannot_add_or_change_settings_in_the_admin(admin_client):
    assert admin_client.get("/admin/payments/webhooksetting/add/").status_code == 403
    response = admin_client.post(
        "/admin/payments/webhooksetting/add/", {"url": "http://127.0.0.1/", "event": EVENT, "mode": "test"}
    )
    assert response.status_code == 403 and not WebhookSetting.objects.exists()


# --- The signature and other header values ----------------------------------------------


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("SIG\r\nX-Injected: 1", SIGNATURE_INVALID),
        ("SIG\nX-Injected: 1", SIGNATURE_INVALID),
        ("SIG\rX", SIGNATURE_INVALID),
        ("SIG\x00X", SIGNATURE_INVALID),
        ("SIG\tX", SIGNATURE_INVALID),
        ("SIG\x7fX", SIGNATURE_INVALID),
        ("署名", SIGNATURE_INVALID),
        ("SIG\u2028X", SIGNATURE_INVALID),
        ("s" * 61, "E1400040003"),
    ],
)
def test_signature_cannot_inject_headers(api, merchant, client, signature, code):
    response = _save(api, "https://hooks.shop.example/fincode", signature=signature)
    # A NUL also fails DRF's own check: one more error, with the same code.
    assert response.status_code == 400 and set(error_codes(response)) == {code}, response.content
    created = _save(api, "https://hooks.shop.example/fincode", signature="FIXED-WORD").json()
    updated = api.call("PUT", f"/v1/webhook_settings/{created['id']}", {"signature": signature})
    assert updated.status_code == 400 and set(error_codes(updated)) == {code}
    client.force_login(merchant.owner)
    page = client.post(
        f"/m/{merchant.merchant.public_id}/webhooks/",
        {"mode": "test", "url": "https://hooks.shop.example/k", "event": EVENT, "signature": signature},
    )
    assert page.status_code == 400
    assert list(WebhookSetting.objects.values_list("url", "signature")) == [
        ("https://hooks.shop.example/fincode", "FIXED-WORD")
    ]


# --- When a delivery is posted --------------------------------------------------------------


def _reason(url: str) -> str:
    """What the attempt says: a name private by definition, a URL httpx will not even parse
    (four octal parts: ``ipaddress`` refuses leading zeros), or an address that is not public."""
    if any(n in url for n in ("internal", ".local:", "home.arpa", "intranet")):
        return REFUSED_NAME
    if url.startswith(("http://012.", "http://0251.", "http://0177.")):
        return "destination refused: not a valid URL"
    return REFUSED


@pytest.mark.parametrize("url", PRIVATE + LOOPBACK)
def test_stored_non_public_urls_are_never_posted(merchant, metrics, tripwire, url, no_loopback):
    outcome, row = _deliver(_stored(merchant, url.format(port=metrics.port)))
    expected = _reason(url)
    assert outcome == "failed" and (row.status, row.last_status_code, row.last_error) == (
        "failed",
        None,
        expected,
    )
    assert _attempts(row) == [(None, False, expected, "", 0)]
    assert metrics.received == [] and tripwire == []


def test_dns_rebinding_public_when_saved_loopback_when_posted(
    api, dns, metrics, tripwire, no_loopback, django_capture_on_commit_callbacks
):
    """The name resolves to a public address while the setting is saved, to 127.0.0.1 when posted."""
    dns.table["hooks.rebind.example"] = ["93.184.215.14"]
    subscribe(api, f"http://hooks.rebind.example:{metrics.port}/metrics", EVENT)
    dns.table["hooks.rebind.example"] = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):  # delivered after the payment's commit
        register(api, "Paypay")
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("pending", 1, None, REFUSED)
    [(status_code, delivered, error, excerpt, _)] = _attempts(row)
    assert (status_code, delivered, error, excerpt) == (None, False, REFUSED, "")
    assert dns.asked == ["hooks.rebind.example"]  # one lookup, at delivery; the check is on its answer
    assert metrics.received == [] and tripwire == []


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.0.0.7"],
        ["169.254.169.254"],
        ["::ffff:169.254.169.254"],
        ["fd00::1"],
        ["93.184.215.14", "127.0.0.1"],  # every address is checked, not just the first
        ["2606:4700:4700::1111", "fe80::1"],
    ],
)
def test_names_resolving_inside_are_refused_when_posted(
    merchant, dns, metrics, tripwire, answer, no_loopback
):
    dns.table["hooks.shop.example"] = answer
    outcome, row = _deliver(_stored(merchant, f"http://hooks.shop.example:{metrics.port}/hook"))
    assert outcome == "retry" and (row.status, row.last_error) == ("pending", REFUSED)
    [(status_code, delivered, error, excerpt, _)] = _attempts(row)
    assert (status_code, delivered, error, excerpt) == (None, False, REFUSED, "")
    assert metrics.received == [] and tripwire == []


def test_live_mode_refuses_loopback_when_posted_even_with_the_setting_on(merchant, dns, metrics, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    dns.table["hooks.shop.example"] = ["127.0.0.1"]
    outcome, row = _deliver(_stored(merchant, f"https://hooks.shop.example:{metrics.port}/hook", mode="live"))
    assert outcome == "retry" and row.last_error == REFUSED
    assert metrics.received == []


def test_the_checked_address_is_the_one_connected_to(merchant, dns, settings):
    """One lookup per connection; the request goes to its (checked) answer with the URL's Host."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    dns.table["hooks.dev.example"] = ["127.0.0.1"]
    receiver = Receiver(answers=[(200, '{"receive":"0"}')])
    try:
        outcome, row = _deliver(_stored(merchant, f"http://hooks.dev.example:{receiver.port}/hook"))
        assert outcome == "delivered" and row.status == "delivered"
        [request] = receiver.received
        assert request.headers["Host"] == f"hooks.dev.example:{receiver.port}"
        assert dns.asked == ["hooks.dev.example"]
    finally:
        receiver.stop()


class _Redirect(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    location = ""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"moved"
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_redirects_are_not_followed(merchant, metrics, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    handler = type("Redirect", (_Redirect,), {"location": f"http://127.0.0.1:{metrics.port}/metrics"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_background(server)
    try:
        outcome, row = _deliver(_stored(merchant, f"http://127.0.0.1:{server.server_address[1]}/hook"))
    finally:
        server.shutdown()
        server.server_close()
    assert outcome == "retry" and (row.last_status_code, row.last_error) == (302, "HTTP 302")
    assert [(a[0], a[1], a[2], a[3]) for a in _attempts(row)] == [(302, False, "HTTP 302", "moved")]
    assert metrics.received == []


def test_a_stored_bad_signature_is_not_sent(merchant, metrics, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    setting = _stored(merchant, metrics.url, signature="SIG\r\nX-Injected: 1")
    outcome, row = _deliver(setting)
    assert outcome == "failed" and (row.status, row.last_error) == ("failed", BAD_SIGNATURE)
    assert _attempts(row) == [(None, False, BAD_SIGNATURE, "", 0)]
    assert metrics.received == []


# --- What the merchant sees -----------------------------------------------------------------


def test_pages_never_show_what_a_refused_address_answers(client, merchant, metrics, no_loopback):
    _, row = _deliver(_stored(merchant, f"http://0x7f.1:{metrics.port}/metrics"))
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/webhooks/"
    listing = client.get(base)
    detail = client.get(f"{base}deliveries/{row.delivery_id}/")
    for page in (listing, detail):
        assert page.status_code == 200
        assert REFUSED.encode() in page.content
        assert b"node_cpu_seconds_total" not in page.content
    assert metrics.received == []
    assert not WebhookAttempt.objects.exclude(response_excerpt="").exists()


def test_connection_errors_are_one_generic_reason(merchant, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    closed = Receiver()
    closed.stop()  # connection refused
    slow = Receiver(delay=1.0)  # read timeout
    settings.WEBHOOK_TIMEOUT = 0.2
    try:
        errors = []
        for url in (closed.url, slow.url):
            _, row = _deliver(_stored(merchant, url))
            errors.append((row.last_status_code, row.last_error))
    finally:
        slow.stop()
    assert errors == [(None, UNREACHABLE), (None, UNREACHABLE)]


def test_a_public_receivers_answer_is_shown_as_a_short_excerpt(client, merchant, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True  # the receiver stands for a public one
    answer = json.dumps({"receive": "0", "note": "x" * 5000})
    receiver = Receiver(answers=[(200, answer)])
    try:
        outcome, row = _deliver(_stored(merchant, receiver.url))
    finally:
        receiver.stop()
    assert outcome == "delivered"
    [(status_code, delivered, error, excerpt, _)] = _attempts(row)
    assert (status_code, delivered, error, excerpt) == (200, True, "", answer[:200])
    client.force_login(merchant.owner)
    detail = client.get(f"/m/{merchant.merchant.public_id}/webhooks/deliveries/{row.delivery_id}/")
    assert (
        escape(answer[:200]).encode() in detail.content
        and escape(answer[:201]).encode() not in detail.content
    )
