"""Which card acquirer serves a mode: the simulator in test mode, a configured one in live mode."""

from __future__ import annotations

from django.conf import settings

from payments.providers.acquirer_http import HttpAcquirer
from payments.providers.base import CardAcquirer, NotConfigured
from portal.models import Mode


def card_acquirer(mode: str) -> CardAcquirer:
    if mode == Mode.TEST:
        return HttpAcquirer(settings.ACQUIRER_SIMULATOR_URL)
    if not settings.ACQUIRER_LIVE_URL:
        raise NotConfigured("no card acquirer is configured for live mode (ACQUIRER_LIVE_URL)")
    return HttpAcquirer(settings.ACQUIRER_LIVE_URL)
