"""Which card acquirer and 3-D Secure server serve a mode: simulators in test mode, configured
ones in live mode. Live mode never falls back to a simulator: without configuration it refuses."""

from __future__ import annotations

from django.conf import settings

from payments.providers.acquirer_http import HttpAcquirer
from payments.providers.base import CardAcquirer, NotConfigured
from payments.providers.http import simulator_key
from payments.providers.tds import ThreeDSServer
from payments.providers.tds_http import HttpThreeDSServer
from portal.models import Mode


def card_acquirer(mode: str) -> CardAcquirer:
    if mode == Mode.TEST:
        return HttpAcquirer(settings.ACQUIRER_SIMULATOR_URL, api_key=simulator_key("acquirer"))
    if not settings.ACQUIRER_LIVE_URL:
        raise NotConfigured("no card acquirer is configured for live mode (ACQUIRER_LIVE_URL)")
    return HttpAcquirer(settings.ACQUIRER_LIVE_URL)


def tds_server(mode: str) -> ThreeDSServer:
    if mode == Mode.TEST:
        return HttpThreeDSServer(settings.TDS_SIMULATOR_URL, api_key=simulator_key("tds"))
    if not settings.TDS_SERVER_URL:
        raise NotConfigured("no 3-D Secure server is configured for live mode (TDS_SERVER_URL)")
    return HttpThreeDSServer(settings.TDS_SERVER_URL)


def test_cards() -> dict:
    """The documented test cards (number → description) for the test checkout page.

    Documentation of test equipment, never a behaviour decision: live payments ask the
    configured acquirer and 3DS server.
    """
    from simulators.cards import TEST_CARDS

    return TEST_CARDS
