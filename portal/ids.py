"""Public identifiers: prefixed, opaque, URL-safe strings. Never expose integer keys."""

import secrets
import string

from django.utils.deconstruct import deconstructible

_ALPHABET = string.ascii_letters + string.digits


# Uniform over the 62 letters and digits by rejection sampling: 248 = 4 × 62, so a random byte
# below 248 maps to each character with the same probability. One call for the random bytes
# instead of one ``secrets.choice`` per character (hot paths make several ids per request).
_LIMIT = 4 * len(_ALPHABET)


def random_token(length: int) -> str:
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(_ALPHABET[b % 62] for b in secrets.token_bytes(length + 8) if b < _LIMIT)
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
