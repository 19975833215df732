"""Public identifiers: prefixed, opaque, URL-safe strings. Never expose integer keys."""

import ssl
import string

from django.utils.deconstruct import deconstructible

_ALPHABET = string.ascii_letters + string.digits


_UNBIASED = 256 - 256 % len(_ALPHABET)  # bytes at or above this are skipped: no modulo bias


def random_bytes(n: int) -> bytes:
    """``n`` bytes from OpenSSL's CSPRNG (a DRBG seeded by the OS, reseeded in a forked child).

    Not ``secrets``/``os.urandom``: each of those calls is a system call for which Python lets
    go of the GIL, and a busy server thread takes it back only after the threads working
    meanwhile yield it (up to the switch interval, a millisecond). Request paths make ids on
    every payment call, so this is measurable in a busy server's latency (see
    ``bench/burst.py``); OpenSSL's generator answers from memory, holding the GIL.
    """
    return ssl.RAND_bytes(n)


def random_token(length: int) -> str:
    """``length`` characters from [A-Za-z0-9], uniformly, from a CSPRNG (one call, usually)."""
    chars: list[str] = []
    while len(chars) < length:
        chars += [_ALPHABET[b % len(_ALPHABET)] for b in random_bytes(length + 8) if b < _UNBIASED]
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
