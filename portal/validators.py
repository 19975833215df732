"""Validators for Japanese business data, shared by web forms and the JSON API."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Whole numbers as this product takes them from outside: ASCII digits only (Python's \d, str.isdigit
# and int() also take "１００" and "١٠٠"), no sign, no spaces, no leading zeros.
_CANONICAL_INTEGER = re.compile(r"0|[1-9][0-9]*")
_DIGITS13 = re.compile(r"^[0-9]{13}$")
_POSTAL = re.compile(r"^([0-9]{3})-?([0-9]{4})$")
_PHONE = re.compile(r"^(?:\+81[- ]?|0)[0-9]{1,4}[- ]?[0-9]{1,4}[- ]?[0-9]{3,4}$")
# Full-width katakana, the long-vowel mark, middle dot, spaces and alphanumerics
# (legal names in kana often contain Latin letters and digits).
_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ・ー（）()＆&．.，,\-A-Za-z0-9Ａ-Ｚａ-ｚ０-９]+$")


def is_canonical_integer(text: str) -> bool:
    return _CANONICAL_INTEGER.fullmatch(text) is not None


def is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a Japanese corporate number (法人番号) from its 12-digit base.

    Per the National Tax Agency's rule: 9 - (Σ Pn × Qn mod 9), where Pn is the
    n-th digit counted from the right of the base and Qn is 1 for odd n, 2 for even n.
    """
    total = 0
    for n, ch in enumerate(reversed(base12), start=1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - (total % 9)


def corporate_number_is_valid(value: str) -> bool:
    return bool(_DIGITS13.fullmatch(value)) and int(value[0]) == corporate_number_check_digit(value[1:])


def validate_corporate_number(value: str) -> None:
    if not _DIGITS13.fullmatch(value or ""):
        raise ValidationError("Enter the 13-digit corporate number (digits only).", code="invalid")
    if not corporate_number_is_valid(value):
        raise ValidationError("The corporate number's check digit is wrong.", code="invalid")


def normalize_postal_code(value: str) -> str:
    match = _POSTAL.fullmatch((value or "").strip())
    if not match:
        raise ValidationError("Enter a 7-digit postal code (e.g. 150-0002).", code="invalid")
    return match.group(1) + match.group(2)


def validate_phone(value: str) -> None:
    text = (value or "").strip()
    digits = re.sub(r"\D", "", text)
    national = "0" + digits[2:] if text.startswith("+81") else digits
    if not _PHONE.fullmatch(text) or not 10 <= len(national) <= 11 or not national.startswith("0"):
        raise ValidationError("Enter a Japanese phone number (e.g. 03-1234-5678).", code="invalid")


def validate_kana(value: str) -> None:
    if not _KANA.match(value or ""):
        raise ValidationError("Use full-width katakana (カタカナ).", code="invalid")
