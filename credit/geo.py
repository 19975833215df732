"""Prefecture from a Japanese postal code, by the first three digits (the delivery-area prefix).

Ranges follow Japan Post's area numbering; a handful of border offices that
cross a prefecture line are not modelled.
"""

from __future__ import annotations

import bisect

from portal.validators import is_ascii_digits

# (first 3-digit prefix of the range, prefecture), sorted by prefix.
_RANGES: list[tuple[int, str]] = [
    (1, "Hokkaido"), (10, "Akita"), (20, "Iwate"), (30, "Aomori"), (40, "Hokkaido"),
    (100, "Tokyo"), (210, "Kanagawa"), (260, "Chiba"), (300, "Ibaraki"), (320, "Tochigi"),
    (330, "Saitama"), (370, "Gunma"), (380, "Nagano"), (400, "Yamanashi"), (410, "Shizuoka"),
    (440, "Aichi"), (500, "Gifu"), (510, "Mie"), (520, "Shiga"), (530, "Osaka"), (600, "Kyoto"),
    (630, "Nara"), (640, "Wakayama"), (650, "Hyogo"), (680, "Tottori"), (690, "Shimane"),
    (700, "Okayama"), (720, "Hiroshima"), (740, "Yamaguchi"), (760, "Kagawa"), (770, "Tokushima"),
    (780, "Kochi"), (790, "Ehime"), (800, "Fukuoka"), (840, "Saga"), (850, "Nagasaki"),
    (860, "Kumamoto"), (870, "Oita"), (880, "Miyazaki"), (890, "Kagoshima"), (900, "Okinawa"),
    (910, "Fukui"), (920, "Ishikawa"), (930, "Toyama"), (940, "Niigata"), (960, "Fukushima"),
    (980, "Miyagi"), (990, "Yamagata"),
]  # fmt: skip
_STARTS = [start for start, _ in _RANGES]
PREFECTURES = sorted({name for _, name in _RANGES})


def prefecture_of(postal_code: str) -> str:
    """'1000001' or '100-0001' → 'Tokyo'; '' when the code is not a known area."""
    digits = postal_code.replace("-", "")
    if len(digits) != 7 or not is_ascii_digits(digits):
        return ""
    prefix = int(digits[:3])
    index = bisect.bisect_right(_STARTS, prefix) - 1
    return _RANGES[index][1] if index >= 0 else ""
