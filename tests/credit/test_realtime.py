"""The Redis round trip sent ahead of PostgreSQL: lost scripts and unread answers."""

from __future__ import annotations

import pytest

from credit import realtime
from portal.redis import get_redis

IDS = {"phone": "p1", "email": "e1", "address": "a1", "device": "d1", "ip": "i1"}


@pytest.mark.django_db
def test_a_lost_script_is_loaded_again_and_counted_once():
    first = realtime.realtime_fetch(mode="test", member="m1", identifiers=IDS)
    get_redis().script_flush()
    pending = realtime.realtime_send(mode="test", member="m2", identifiers=IDS)
    second = pending.result()
    pending.discard()
    assert (first.velocity["phone_apps_1h"], second.velocity["phone_apps_1h"]) == (1, 2)
    assert second.velocity["ip_apps_30d"] == 2


@pytest.mark.django_db
def test_unread_answers_never_reach_the_next_check():
    realtime.realtime_send(mode="test", member="m1", identifiers=IDS).discard()  # e.g. PostgreSQL failed
    for n in range(2, 6):
        data = realtime.realtime_fetch(mode="test", member=f"m{n}", identifiers=IDS)
        assert data.velocity["email_apps_24h"] == n  # the discarded check was counted, answers in step
        assert data.in_blocklist is False and data.lists_loaded is False
