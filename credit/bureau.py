"""The external bureau (the "document store" source): one small interface, one simulator.

A real bureau client would implement :class:`Bureau` over HTTP with strict
timeouts; the simulator answers deterministically from the buyer's digest so
that tests and demos are reproducible.
"""

from __future__ import annotations

import hashlib
from typing import Protocol


class Bureau(Protocol):
    name: str

    def report(self, *, phone_digest: str) -> dict: ...


class SimulatedBureau:
    name = "simulated-bureau"

    def report(self, *, phone_digest: str) -> dict:
        seed = int(hashlib.sha256(phone_digest.encode()).hexdigest()[:8], 16)
        return {"score": 350 + seed % 600, "defaults": 1 if seed % 17 == 0 else 0, "inquiries_90d": seed % 5}


def get_bureau() -> Bureau:
    return SimulatedBureau()
