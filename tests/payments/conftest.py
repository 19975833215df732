"""Payments tests run the provider simulators in-process over HTTP (WSGI), unless they start a server."""

from contextlib import contextmanager

import httpx
import pytest
from django.test import override_settings
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


@contextmanager
def providers_in_process():
    """The acquirer and provider simulators answer in-process, over HTTP through WSGI."""
    transport = httpx.WSGITransport(app=in_process_wsgi())
    with override_settings(
        ACQUIRER_SIMULATOR_URL="http://testserver/simulators/acquirer",
        PROVIDER_SIMULATOR_URL="http://testserver/simulators",
        PROVIDER_NOTIFY_BASE_URL="http://testserver",
    ):
        acquirer_http.set_transport(transport)
        provider_http.set_transport(transport)
        try:
            yield
        finally:
            acquirer_http.set_transport(None)
            provider_http.set_transport(None)


@pytest.fixture(autouse=True)
def acquirer_in_process(request):
    from payments.webhooks import secrets

    secrets.forget()
    if (
        "server" in request.fixturenames
        or "live_server" in request.fixturenames
        or "stack" in request.fixturenames
    ):
        yield
        return
    with providers_in_process():
        yield


@pytest.fixture
def public_api(merchant) -> ApiClient:
    return ApiClient(merchant.test_public)


@pytest.fixture
def receiver():
    """A merchant's webhook endpoint (a real HTTP server)."""
    server = Receiver()
    yield server
    server.stop()
