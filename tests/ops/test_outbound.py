"""Outbound control: provider calls reach allowed hosts only, through the egress proxy when set."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from prometheus_client import REGISTRY

from payments.providers import http as provider_http
from payments.providers.base import ProviderTimeout, ProviderUnavailable
from payments.webhooks import outbound as webhook_outbound
from portal import outbound
from tests.receiver import serve_in_background


class Stub:
    """A local HTTP server that records request lines and answers ``{"ok": true}``.

    As a proxy it sees absolute URLs (``GET http://host/path``) and ``CONNECT host:443``.
    """

    def __init__(self):
        self.lines: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                stub.lines.append(self.requestline)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.command == "CONNECT":
                    self.send_response(403)  # no tunnel: seeing the CONNECT is enough
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_CONNECT = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    provider_http.set_transport(None)
    yield
    provider_http.set_transport(None)


def refused(destination: str) -> float:
    return REGISTRY.get_sample_value("outbound_refused_total", {"destination": destination}) or 0.0


def test_a_host_not_allowed_is_refused_counted_and_logged(stub, settings, caplog):
    settings.OUTBOUND_ALLOWED_HOSTS = ["api.acquirer.example", "*.wallets.example"]
    before = refused("localhost")
    api = provider_http.JsonApi("paypay", stub.url.replace("127.0.0.1", "localhost"))
    with (
        caplog.at_level(logging.WARNING, logger="portal.outbound"),
        pytest.raises(ProviderUnavailable) as caught,
    ):
        api.call("POST", "/v2/codes", {"amount": 100})
    assert isinstance(caught.value.__cause__, outbound.OutboundRefused)
    assert caught.value.__cause__.destination == "localhost"
    assert "OUTBOUND_ALLOWED_HOSTS" in str(caught.value.__cause__)
    assert refused("localhost") == before + 1
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.outbound"]
    assert lines == ["outbound: refused paypay call to localhost (not in OUTBOUND_ALLOWED_HOSTS)"]
    assert stub.lines == []  # nothing was sent


def test_an_allowed_host_is_reached(stub, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    before = refused("127.0.0.1")
    assert provider_http.JsonApi("paypay", stub.url).call("POST", "/v2/codes", {"amount": 100}) == {
        "ok": True
    }
    assert stub.lines == ["POST /v2/codes HTTP/1.1"]
    assert refused("127.0.0.1") == before


def test_by_default_the_configured_provider_hosts_are_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.ACQUIRER_LIVE_URL = "https://gw.acquirer.example/api"
    settings.PROVIDER_LIVE_URLS = {"paypay": "https://api.paypay.example"}
    settings.TDS_SERVER_URL = "https://3ds.example:8443/"
    hosts = outbound.allowed_hosts()
    assert {"gw.acquirer.example", "api.paypay.example", "3ds.example"} <= hosts
    assert outbound.host_allowed("GW.Acquirer.Example.") and not outbound.host_allowed("evil.example")
    settings.OUTBOUND_ALLOWED_HOSTS = ["*.wallets.example"]
    assert outbound.host_allowed("jp.wallets.example") and not outbound.host_allowed("wallets.example.evil")
    assert not outbound.host_allowed("gw.acquirer.example")


def test_the_egress_proxy_from_the_environment_is_used(stub, settings, monkeypatch):
    settings.OUTBOUND_ALLOWED_HOSTS = ["api.acquirer.example"]
    monkeypatch.setenv("HTTP_PROXY", stub.url)
    monkeypatch.setenv("HTTPS_PROXY", stub.url)
    plain = provider_http.JsonApi("paypay", "http://api.acquirer.example")
    assert plain.call("GET", "/v1/status") == {"ok": True}
    with pytest.raises(ProviderTimeout, match="ProxyError"):  # the stub refuses to tunnel
        provider_http.JsonApi("konbini", "https://api.acquirer.example").call("GET", "/v1/status")
    assert stub.lines == ["GET http://api.acquirer.example/v1/status HTTP/1.1", "CONNECT api.acquirer.example:443 HTTP/1.1"]  # fmt: skip


def test_webhooks_go_through_the_factory_with_their_own_rules(settings, caplog):
    settings.OUTBOUND_ALLOWED_HOSTS = ["api.acquirer.example"]
    client = webhook_outbound.client(mode="test")
    assert client.event_hooks["request"] == []  # no provider allowlist: public addresses only
    assert client.trust_env is False and client.follow_redirects is False
    before = refused("webhook")
    with (
        caplog.at_level(logging.WARNING, logger="portal.outbound"),
        pytest.raises(webhook_outbound.DestinationRefused),
    ):
        client.post("http://10.0.0.1/hook", content=b"{}", timeout=2)
    assert refused("webhook") == before + 1
    assert [r.getMessage() for r in caplog.records if r.name == "portal.outbound"] == [
        "outbound: refused webhook delivery to 10.0.0.1 (destination refused: not a public address)"
    ]
    with pytest.raises(httpx.ConnectError):
        outbound.outbound_client(purpose="status").get("http://169.254.169.254/latest/meta-data/")
