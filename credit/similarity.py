"""The similarity store ("vector database on trial"): nearest known-fraud names and addresses.

One small interface, :class:`SimilarityIndex`, so the store can be swapped.
The implementation embeds text as hashed character n-grams (1–3 characters of
the NFKC-normalised text, so kana, kanji and latin all work) into an
L2-normalised vector and searches an HNSW index of `usearch`_ by cosine.
Similarity is ``1 - cosine distance``, in [0, 1] (the vectors are non-negative).

.. _usearch: https://github.com/unum-cloud/usearch
"""

from __future__ import annotations

import threading
import zlib
from typing import Protocol

import numpy as np
from usearch.index import Index

from credit.identity import normalize_text

DIMENSIONS = 256
NGRAMS = (1, 2, 3)


class SimilarityIndex(Protocol):
    def add(self, keys: list[int], texts: list[str]) -> None: ...

    def nearest(self, text: str, k: int = 1) -> list[tuple[int, float]]:
        """(key, similarity 0–1) of the ``k`` most similar entries, best first."""
        ...

    def __len__(self) -> int: ...


def embed(text: str) -> np.ndarray:
    padded = f"^{normalize_text(text)}$"
    slots = [
        zlib.crc32(gram.encode()) % DIMENSIONS
        for n in NGRAMS
        for i in range(len(padded) - n + 1)
        if (gram := padded[i : i + n]) not in ("^", "$")
    ]
    vector = np.bincount(slots, minlength=DIMENSIONS).astype(np.float32)  # n-gram counts per slot
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


class UsearchNgramIndex:
    """Character n-gram vectors in a usearch HNSW index (cosine)."""

    def __init__(self) -> None:
        self._index = Index(ndim=DIMENSIONS, metric="cos", dtype="f32")
        self._lock = threading.Lock()

    def add(self, keys: list[int], texts: list[str]) -> None:
        if not keys:
            return
        vectors = np.stack([embed(t) for t in texts])
        with self._lock:
            self._index.add(np.array(keys, dtype=np.uint64), vectors)

    def nearest(self, text: str, k: int = 1) -> list[tuple[int, float]]:
        if len(self._index) == 0 or not normalize_text(text):
            return []
        matches = self._index.search(embed(text), k)
        return [
            (int(key), max(0.0, min(1.0, 1.0 - float(distance))))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]

    def __len__(self) -> int:
        return len(self._index)


# Per-process indexes of known fraud, rebuilt when the database's version marker changes.
_lock = threading.Lock()
_current: tuple[str, dict[str, SimilarityIndex]] | None = None


def indexes_clear() -> None:
    """Forget this process's indexes (the next check rebuilds them)."""
    global _current, _answers
    with _lock:
        _current = None
        _answers = ("", {})


def indexes_version() -> str | None:
    """The known-fraud version this process's indexes were built from (None: not built)."""
    current = _current
    return current[0] if current is not None else None


def fraud_indexes(version: str) -> dict[str, SimilarityIndex]:
    """The per-kind indexes for this version of the known-fraud table (built once per process)."""
    global _current
    current = _current
    if current is not None and current[0] == version:
        return current[1]
    with _lock:
        if _current is not None and _current[0] == version:
            return _current[1]
        from credit.models import KnownFraud

        indexes: dict[str, SimilarityIndex] = {}
        for kind in KnownFraud.Kind.values:
            index = UsearchNgramIndex()
            rows = list(KnownFraud.objects.filter(kind=kind).values_list("id", "text"))
            index.add([pk for pk, _ in rows], [text for _, text in rows])
            indexes[kind] = index
        _current = (version, indexes)
        return indexes


# Nearest-entry similarity per (kind, text) for the current version: a search over a fixed
# index always gives the same answer, and buyers come back with the same name and address.
_answers: tuple[str, dict[tuple[str, str], float]] = ("", {})
MAX_ANSWERS = 50_000


def _nearest(version: str, kind: str, text: str) -> float:
    global _answers
    cached_version, answers = _answers
    if cached_version != version:
        answers = {}
        _answers = (version, answers)
    best = answers.get((kind, text))
    if best is None:
        best = max(
            (similarity for _, similarity in fraud_indexes(version)[kind].nearest(text, 1)), default=0.0
        )
        if len(answers) >= MAX_ANSWERS:
            answers.clear()
        answers[(kind, text)] = best
    return best


def fraud_similarity(*, version: str, name: str, address: str) -> float:
    return round(max(_nearest(version, "name", name), _nearest(version, "address", address), 0.0), 4)
