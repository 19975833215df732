"""JSON from outside (request bodies, provider notifications), bounded in depth.

Python's decoder recurses once per level: a body of a thousand ``[`` raises ``RecursionError``,
which no ``except ValueError`` catches, and deep documents that do decode make every later
recursive walk (validation, hashing, rendering) a risk. No request of this API nests more than
a few levels, so anything deeper than ``MAX_DEPTH`` is refused as malformed, before decoding.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class JSONBodyError(ValueError):
    """The text is not JSON this product takes (malformed, not UTF-8, or nested too deep)."""


def depth_exceeds(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the brackets of ``data`` open more than ``limit`` levels (strings skipped)."""
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case, in C
        return False
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that raises only ``JSONBodyError`` for anything it will not take."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if depth_exceeds(raw, max_depth):
        raise JSONBodyError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(raw, **kwargs)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise JSONBodyError(str(exc)) from None
