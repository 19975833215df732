"""Card data handling: validation, brand, masking, keyed hash and AES-GCM encryption.

Keys come from settings (``CARD_ENCRYPTION_KEYS``: ``id:base64key,…``, the first
one encrypts, all decrypt — for rotation; ``CARD_HASH_KEY`` for ``card_no_hash``).
The card number exists in clear only in memory, during a request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone

from payments.models import CardSecret

_DIGITS = re.compile(r"^[0-9]{12,19}$")
_EXPIRE = re.compile(r"^[0-9]{2}(0[1-9]|1[0-2])$")
_CVC = re.compile(r"^[0-9]{3,4}$")


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = ord(ch) - 48
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    """fincode's CardBrand: VISA, MASTER, JCB, AMEX, DINERS, DISCOVER or ''."""
    n2, n3, n4, n6 = int(number[:2]), int(number[:3]), int(number[:4]), int(number[:6])
    if number.startswith("4"):
        return "VISA"
    if 51 <= n2 <= 55 or 222100 <= n6 <= 272099:
        return "MASTER"
    if 3528 <= n4 <= 3589:
        return "JCB"
    if n2 in (34, 37):
        return "AMEX"
    if 300 <= n3 <= 305 or n2 in (36, 38, 39) or n4 == 3095:
        return "DINERS"
    if n4 == 6011 or n2 == 65 or 644 <= n3 <= 649:
        return "DISCOVER"
    return ""


def mask(number: str) -> str:
    return "*" * (len(number) - 4) + number[-4:]


def card_number_problem(number: object) -> str | None:
    """None if ``number`` is a plausible card number, else what is wrong (never echoing it)."""
    if not isinstance(number, str) or not _DIGITS.fullmatch(number):
        return "must be 12 to 19 digits"
    if not luhn_ok(number):
        return "is not a valid card number"
    return None


def expire_problem(expire: object, now: datetime | None = None) -> str | None:
    """None if ``expire`` (YYMM) is this month or later."""
    if not isinstance(expire, str) or not _EXPIRE.fullmatch(expire):
        return "must be YYMM"
    now = timezone.localtime(now or timezone.now())
    if (2000 + int(expire[:2]), int(expire[2:])) < (now.year, now.month):
        return "has passed"
    return None


def security_code_problem(code: object) -> str | None:
    if not isinstance(code, str) or not _CVC.fullmatch(code):
        return "must be 3 or 4 digits"
    return None


@lru_cache(maxsize=1)
def _keys() -> tuple[str, dict[str, bytes]]:
    configured = getattr(settings, "CARD_ENCRYPTION_KEYS", "") or ""
    keys: dict[str, bytes] = {}
    active = ""
    for item in [part.strip() for part in configured.split(",") if part.strip()]:
        key_id, _, encoded = item.partition(":")
        raw = base64.b64decode(encoded)
        if len(raw) not in (16, 24, 32):
            raise ValueError(f"card encryption key {key_id!r} must be 16, 24 or 32 bytes")
        keys[key_id] = raw
        active = active or key_id
    if not keys:
        # Development and tests only (production refuses to start without keys).
        keys["dev"] = hashlib.sha256(b"card-key:" + settings.SECRET_KEY.encode()).digest()
        active = "dev"
    return active, keys


def reset_keys() -> None:
    _keys.cache_clear()
    _hash_key.cache_clear()


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    configured = getattr(settings, "CARD_HASH_KEY", "") or ""
    if configured:
        return base64.b64decode(configured)
    return hashlib.sha256(b"card-hash:" + settings.SECRET_KEY.encode()).digest()


def card_hash(number: str) -> str:
    """Stable keyed hash: the same card number always gives the same value."""
    return hmac.new(_hash_key(), number.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ClearCard:
    """A card number in memory. ``repr`` never shows it."""

    number: str
    expire: str
    holder_name: str = ""
    # A network token's cryptogram and ECI (a wallet's card), passed on to the acquirer.
    cryptogram: str = field(default="", kw_only=True)
    eci: str = field(default="", kw_only=True)

    def __repr__(self) -> str:
        return f"ClearCard({mask(self.number)}, {self.expire})"

    __str__ = __repr__


def _aad(purpose: str, key_id: str) -> bytes:
    return f"card:{purpose}:{key_id}".encode()


def seal(card: ClearCard, *, purpose: str, ttl: timedelta | None = None) -> CardSecret:
    """Encrypt and store a card number (unsaved fields only: number, expiry, holder)."""
    key_id, keys = _keys()
    nonce = os.urandom(12)
    plaintext = f"{card.number}|{card.expire}|{card.holder_name}".encode()
    ciphertext = AESGCM(keys[key_id]).encrypt(nonce, plaintext, _aad(purpose, key_id))
    return CardSecret.objects.create(
        purpose=purpose,
        key_id=key_id,
        nonce=nonce,
        ciphertext=ciphertext,
        expires_at=timezone.now() + ttl if ttl else None,
    )


def unseal(secret: CardSecret) -> ClearCard:
    _, keys = _keys()
    if secret.key_id not in keys:
        raise LookupError(f"card encryption key {secret.key_id!r} is not configured")
    plaintext = AESGCM(keys[secret.key_id]).decrypt(
        bytes(secret.nonce), bytes(secret.ciphertext), _aad(secret.purpose, secret.key_id)
    )
    number, expire, holder = plaintext.decode().split("|", 2)
    return ClearCard(number=number, expire=expire, holder_name=holder)


def reseal(secret: CardSecret, *, purpose: str, ttl: timedelta | None = None) -> CardSecret:
    """A copy of a secret under another purpose (e.g. a token's card kept for a payment)."""
    return seal(unseal(secret), purpose=purpose, ttl=ttl)


def rotate(secret: CardSecret) -> bool:
    """Re-encrypt under the active key; True if it changed."""
    active, keys = _keys()
    if secret.key_id == active:
        return False
    card = unseal(secret)
    nonce = os.urandom(12)
    plaintext = f"{card.number}|{card.expire}|{card.holder_name}".encode()
    ciphertext = AESGCM(keys[active]).encrypt(nonce, plaintext, _aad(secret.purpose, active))
    updated = CardSecret.objects.filter(pk=secret.pk, key_id=secret.key_id).update(
        key_id=active, nonce=nonce, ciphertext=ciphertext
    )
    return bool(updated)
