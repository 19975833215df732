"""The per-process cache of hot database reads (API keys, contract limits)."""

from __future__ import annotations

import threading
import time

import pytest

from portal.cache import ProcessCache


def test_threads_that_miss_the_same_key_wait_for_one_load():
    # A burst's first requests: every thread misses at once, one query runs.
    cache: ProcessCache[str] = ProcessCache(lambda: 60)
    loads, results = [], []

    def load() -> str:
        loads.append(1)
        time.sleep(0.05)
        return "row"

    threads = [threading.Thread(target=lambda: results.append(cache.get("k", load))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["row"] * 16 and len(loads) == 1
    assert cache.get("other", lambda: "other row") == "other row"  # each key loads on its own


def test_values_lapse_and_none_is_not_kept():
    ttl = [60.0]
    cache: ProcessCache[str] = ProcessCache(lambda: ttl[0])
    assert cache.get("missing", lambda: None) is None
    assert cache.get("missing", lambda: "created since") == "created since"
    ttl[0] = 0.0
    assert cache.get("short", lambda: "first") == "first"
    assert cache.get("short", lambda: "second") == "second"  # lapsed at once


def test_a_failed_load_is_not_kept_and_the_next_caller_loads_again():
    cache: ProcessCache[str] = ProcessCache(lambda: 60)

    def failing() -> str:
        raise RuntimeError("database unreachable")

    with pytest.raises(RuntimeError):
        cache.get("k", failing)
    assert cache.get("k", lambda: "row") == "row"
    assert cache.loading == {}
