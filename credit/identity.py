"""Buyers' identifiers: normalised, then replaced by keyed digests wherever they are stored or counted.

Phone numbers, e-mail addresses, postal addresses, device fingerprints and IP
addresses never appear in clear in Redis keys, list entries or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from django.conf import settings

_NON_DIGITS = re.compile(r"\D+")
_SPACES_AND_DASHES = re.compile(r"[\s\-‐‑‒–—―ー−－]+")


def normalize_phone(value: str) -> str:
    digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value))
    if digits.startswith("81") and len(digits) in (11, 12):  # +81 90-… → 090…
        digits = "0" + digits[2:]
    return digits


def normalize_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalize_address(postal_code: str, address: str) -> str:
    text = unicodedata.normalize("NFKC", f"{postal_code}{address}").lower()
    return _SPACES_AND_DASHES.sub("", text)


def normalize_text(value: str) -> str:
    """Names and addresses for similarity search: NFKC (full-width → half-width), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()


@lru_cache(maxsize=1)
def _key() -> bytes:
    return hashlib.sha256(b"credit-identity:" + str(settings.CREDIT_IDENTITY_KEY).encode()).digest()


def digest(kind: str, normalized: str) -> str:
    """A keyed digest (HMAC-SHA256, 128 bits shown) of one normalised identifier."""
    return hmac.new(_key(), f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()[:32]


def mask(kind: str, normalized: str) -> str:
    """Enough of a value for an operator to recognise it, not to use it."""
    if kind == "email" and "@" in normalized:
        local, _, domain = normalized.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(normalized) <= 4:
        return "*" * len(normalized)
    return normalized[:3] + "*" * (len(normalized) - 7 if len(normalized) > 7 else 1) + normalized[-4:]


def normalize(kind: str, value: str) -> str:
    if kind == "phone":
        return normalize_phone(value)
    if kind == "email":
        return normalize_email(value)
    if kind == "address":
        return normalize_address("", value)
    return value.strip().lower()
