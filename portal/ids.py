"""Public identifiers: prefixed, opaque, URL-safe strings. Never expose integer keys."""

import secrets
import string

from django.utils.deconstruct import deconstructible

_ALPHABET = string.ascii_letters + string.digits


_UNBIASED = 256 - 256 % len(_ALPHABET)  # bytes at or above this are skipped: no modulo bias


def random_token(length: int) -> str:
    """``length`` characters from [A-Za-z0-9], uniformly, from the OS's CSPRNG (one call, usually)."""
    chars: list[str] = []
    while len(chars) < length:
        chars += [_ALPHABET[b % len(_ALPHABET)] for b in secrets.token_bytes(length + 8) if b < _UNBIASED]
    return "".join(chars[:length])


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_token(length)}"


@deconstructible
class IdFactory:
    """A callable for model ``default=`` that makes ``<prefix>_<random>`` ids (serialisable in migrations)."""

    def __init__(self, prefix: str, length: int = 24):
        self.prefix = prefix
        self.length = length

    def __call__(self) -> str:
        return new_id(self.prefix, self.length)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdFactory) and (self.prefix, self.length) == (other.prefix, other.length)

    def __hash__(self) -> int:
        return hash((self.prefix, self.length))


def id_factory(prefix: str, length: int = 24) -> IdFactory:
    return IdFactory(prefix, length)
