"""Bureau refreshes requested by credit checks, published off the request path.

A check whose buyer has no bureau report, or a stale one, asks for a refresh. Publishing a
Celery message costs more than the rest of the decision, so checks only hand the buyer id to
this per-process queue (after their transaction commits); a daemon thread publishes the ids
gathered over ``FLUSH_SECONDS`` as one ``credit.bureau.refresh_many`` task. A buyer asked
for within ``DEDUPE_SECONDS`` is not asked for again by this process (the refresh is an
upsert, so a duplicate is harmless, only wasted). With no broker (tasks run eagerly) the
refresh runs at once, as before. Ids still waiting when the process exits are published by
an ``atexit`` hook; a killed process loses them, and the buyer's next check asks again.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
DEDUPE_SECONDS = 300.0
MAX_REMEMBERED = 100_000


class BureauRefreshQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: set[int] = set()
        self._recent: dict[int, float] = {}
        self._thread: threading.Thread | None = None
        self._pid = 0

    def request(self, buyer_id: int) -> None:
        from credit.tasks import refresh_bureau

        if refresh_bureau.app.conf.task_always_eager:
            refresh_bureau.delay(buyer_id=buyer_id)
            return
        now = time.monotonic()
        with self._lock:
            if self._recent.get(buyer_id, -DEDUPE_SECONDS) > now - DEDUPE_SECONDS:
                return
            if len(self._recent) >= MAX_REMEMBERED:
                self._recent = {k: t for k, t in self._recent.items() if t > now - DEDUPE_SECONDS}
            self._recent[buyer_id] = now
            self._pending.add(buyer_id)
            if self._thread is None or self._pid != os.getpid():  # first use, or a forked child
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="credit-bureau-queue", daemon=True)
                self._thread.start()
        self._wake.set()

    def flush(self) -> int:
        """Publish what is waiting now (the thread does this; also at exit)."""
        from credit.tasks import refresh_bureaus

        with self._lock:
            batch, self._pending = sorted(self._pending), set()
        if batch:
            try:
                refresh_bureaus.delay(buyer_ids=batch)
            except Exception:
                logger.exception("could not queue bureau refreshes for %d buyers", len(batch))
                with self._lock:  # asked for again by the buyers' next checks
                    for buyer_id in batch:
                        self._recent.pop(buyer_id, None)
        return len(batch)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(FLUSH_SECONDS)  # gather the requests of concurrent checks into one message
            self._wake.clear()
            self.flush()


queue = BureauRefreshQueue()
atexit.register(queue.flush)


def bureau_refresh_request(buyer_id: int) -> None:
    queue.request(buyer_id)
