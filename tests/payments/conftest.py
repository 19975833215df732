"""Payments tests run the provider simulators in-process over HTTP (WSGI), unless they start a server."""

import httpx
import pytest
from django.test.client import ClientHandler

from payments.providers import acquirer_http
from payments.providers import http as provider_http
from tests.receiver import Receiver
from tests.support import ApiClient


def in_process_wsgi():
    """A WSGI app around Django's test handler (which keeps the test's DB transaction intact)."""
    handler = ClientHandler(enforce_csrf_checks=False)

    def app(environ, start_response):
        response = handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    return app


@pytest.fixture(autouse=True)
def acquirer_in_process(settings, request):
    from payments.webhooks import secrets

    secrets.forget()
    if (
        "server" in request.fixturenames
        or "live_server" in request.fixturenames
        or "stack" in request.fixturenames
    ):
        yield
        return
    settings.ACQUIRER_SIMULATOR_URL = "http://testserver/simulators/acquirer"
    settings.PROVIDER_SIMULATOR_URL = "http://testserver/simulators"
    settings.PROVIDER_NOTIFY_BASE_URL = "http://testserver"
    transport = httpx.WSGITransport(app=in_process_wsgi())
    acquirer_http.set_transport(transport)
    provider_http.set_transport(transport)
    yield
    acquirer_http.set_transport(None)
    provider_http.set_transport(None)


@pytest.fixture
def public_api(merchant) -> ApiClient:
    return ApiClient(merchant.test_public)


@pytest.fixture
def receiver():
    """A merchant's webhook endpoint (a real HTTP server)."""
    server = Receiver()
    yield server
    server.stop()
