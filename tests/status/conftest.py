"""The outside world of the status checks: a local HTTP server standing in for the providers."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from payments.providers import http
from tests.receiver import serve_in_background


class ProviderStub:
    """Answers every path with 404 (a provider without a health endpoint, but alive), except the
    prefixes told to fail: ``fail("/sim/konbini", 500)``."""

    def __init__(self) -> None:
        self.failing: dict[str, int] = {}
        self.requests: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.requests.append(self.path)
                status = next((s for p, s in stub.failing.items() if self.path.startswith(p)), 404)
                body = b'{"error": "not_found"}' if status == 404 else b"upstream exploded"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = serve_in_background(self.server)

    def fail(self, prefix: str, status: int) -> None:
        self.failing[prefix] = status

    def restore(self) -> None:
        self.failing.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def providers(settings):
    """Every provider (acquirer, wallets, konbini, bank) served by a local stub."""
    stub = ProviderStub()
    settings.SIMULATORS_ENABLED = True
    settings.PROVIDER_LIVE_URLS = {}
    settings.ACQUIRER_LIVE_URL = ""
    settings.PROVIDER_SIMULATOR_URL = f"{stub.url}/sim"
    settings.ACQUIRER_SIMULATOR_URL = f"{stub.url}/sim/acquirer"
    http.set_transport(None)  # fresh clients
    yield stub
    stub.close()
    http.set_transport(None)


@pytest.fixture
def receiver():
    """A merchant's webhook endpoint (a real HTTP server)."""
    from payments.webhooks import secrets
    from tests.receiver import Receiver

    secrets.forget()
    server = Receiver()
    yield server
    server.stop()
