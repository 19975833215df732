"""Konbini slip barcodes: Interleaved 2 of 5 over the slip number, as a small PNG (no imaging library).

fincode answers ``barcode`` as a base64 image sized for the buyer's screen; we draw the
slip number (``order_serial``) with the largest module width that fits ``max_width``.
"""

from __future__ import annotations

import base64
import struct
import zlib

from portal.validators import is_ascii_digits

# Interleaved 2 of 5: each digit is five elements, n(arrow) or w(ide).
_ITF = {
    "0": "nnwwn", "1": "wnnnw", "2": "nwnnw", "3": "wwnnn", "4": "nnwnw",
    "5": "wnwnn", "6": "nwwnn", "7": "nnnww", "8": "wnnwn", "9": "nwnwn",
}  # fmt: skip
WIDE = 3
QUIET = 10


def itf_modules(digits: str) -> list[bool]:
    """Bars (True) and spaces (False), one entry per narrow module, quiet zones included."""
    if not is_ascii_digits(digits):
        raise ValueError("ITF encodes digits only")
    if len(digits) % 2:
        digits = "0" + digits
    out = [False] * QUIET + [True, False, True, False]  # start: narrow bar, space, bar, space
    for i in range(0, len(digits), 2):
        bars, spaces = _ITF[digits[i]], _ITF[digits[i + 1]]
        for bar, space in zip(bars, spaces, strict=True):
            out += [True] * (WIDE if bar == "w" else 1)
            out += [False] * (WIDE if space == "w" else 1)
    out += [True] * WIDE + [False, True] + [False] * QUIET  # stop: wide bar, space, bar
    return out


def _png(rows: list[bytes], width: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0)  # 8-bit grayscale
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def konbini_barcode(number: str, *, max_width: int = 600) -> tuple[str, int, int]:
    """(base64 PNG, width, height) of ``number``'s barcode, at most ``max_width`` pixels wide."""
    modules = itf_modules(number)
    scale = max(1, min(4, max_width // len(modules)))
    row = bytes(0 if bar else 255 for bar in modules for _ in range(scale))
    height = max(40, len(row) // 4)
    return base64.b64encode(_png([row] * height, len(row))).decode(), len(row), height
