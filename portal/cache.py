"""Per-process caches of hot database reads (API keys, contract limits), a few seconds each."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, overload

V = TypeVar("V")


class ProcessCache(Generic[V]):
    """Values loaded from the database, kept in this process for ``ttl()`` seconds.

    One load per key at a time: threads that miss a key another thread is loading wait for
    its result rather than run the same query. When a merchant's burst starts, a process's
    threads would otherwise each open a database connection (a new server process for
    PostgreSQL) to read the same key and the same contract, and every request of that
    first moment would wait behind those connections.
    """

    def __init__(self, ttl: Callable[[], float], max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: dict[Hashable, tuple[float, V]] = {}
        self.loading: dict[Hashable, threading.Lock] = {}
        self.lock = threading.Lock()

    @overload
    def get(self, key: Hashable, load: Callable[[], V]) -> V: ...
    @overload
    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None: ...
    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The cached value, else ``load()``'s (None is not cached: it may exist soon)."""
        entry = self.entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        with self.lock:
            loading = self.loading.setdefault(key, threading.Lock())
        with loading:
            entry = self.entries.get(key)
            now = time.monotonic()
            if entry is not None and entry[0] > now:
                return entry[1]  # loaded meanwhile by the thread this one waited for
            try:
                value = load()
                if value is not None:
                    with self.lock:
                        if len(self.entries) >= self.max_entries:
                            self.entries.clear()
                        self.entries[key] = (now + self.ttl(), value)
            finally:
                with self.lock:
                    self.loading.pop(key, None)
            return value

    def put(self, key: Hashable, value: V, seconds: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + seconds, value)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
