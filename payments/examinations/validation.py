"""fincode's examination fields checked against the contract's own table (``schema.py``).

``clean`` checks one request body part and answers it normalised; ``merged`` applies a partial
update (fincode's ``Partial<…>``: sent fields replace, ``null`` clears, objects merge); ``missing``
names the required fields still empty, as paths (``contract_info.representative_tel``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portal.errors import CAUSES, ErrorSpec, PortalError, field_code

AREA = "24"
Spec = dict[str, Any]


def field_error(path: str, cause: str, text: str | None = None) -> PortalError:
    """A 400 naming the field by its full path; the code by its top-level field (area 24's table)."""
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    message = f"{path}: {text or CAUSES[cause][1]}"
    return PortalError(ErrorSpec(field_code(AREA, top, cause), 400, message), message, field=path)


def _number(spec: Spec, value: Any, path: str) -> Any:
    integral = spec["type"] == "integer"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise field_error(path, "invalid", "must be an integer" if integral else "must be a number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or (integral and not value.is_integer()):
            raise field_error(path, "invalid")
        if value.is_integer():
            value = int(value)
    if value < 0 or len(str(abs(int(value)))) > spec.get("digits", 19):
        raise field_error(path, "range")
    return value


def _string(spec: Spec, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise field_error(path, "invalid", "must be a string")
    if "\x00" in value:
        raise field_error(path, "invalid")
    if len(value) > spec.get("max", 5000):
        raise field_error(path, "max_length", f"is longer than {spec.get('max', 5000)} characters")
    if len(value) < spec.get("min", 0):
        raise field_error(path, "min_length", f"is shorter than {spec['min']} characters")
    pattern = spec.get("pattern")
    if pattern and not re.fullmatch(pattern.strip("^$"), value):
        raise field_error(path, "invalid", f"must match {pattern}")
    if spec.get("format") == "email":
        try:
            validate_email(value)
        except ValidationError as exc:
            raise field_error(path, "invalid", "must be an e-mail address") from exc
    return value


def clean(spec: Spec, value: Any, path: str) -> Any:
    """``value`` checked against ``spec``; raises a 400 naming the first field at fault."""
    if value is None:
        return None  # every examination field may be sent as null: it clears the field
    kind = spec["type"]
    if kind == "object":
        if not isinstance(value, dict):
            raise field_error(path or "body", "invalid", "must be an object")
        fields = spec["fields"]
        out = {}
        for name, item in value.items():
            where = f"{path}.{name}" if path else str(name)
            if name not in fields:
                raise field_error(where[:120], "unknown")
            out[name] = clean(fields[name], item, where)
        return out
    if kind == "array":
        if not isinstance(value, list):
            raise field_error(path, "invalid", "must be a list")
        if len(value) > 100:
            raise field_error(path, "range", "has more than 100 items")
        return [clean(spec["items"], item, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise field_error(path, "invalid", "must be true or false")
        cleaned: Any = value
    elif kind in ("number", "integer"):
        cleaned = _number(spec, value, path)
    else:
        cleaned = _string(spec, value, path)
    if "enum" in spec and cleaned not in [e for e in spec["enum"] if e is not None]:
        raise field_error(
            path, "choice", f"must be one of {', '.join(str(e) for e in spec['enum'] if e is not None)}"
        )
    return cleaned


def merged(spec: Spec, stored: Any, update: Any) -> Any:
    """``stored`` with the (cleaned) partial ``update`` applied."""
    if update is None:
        return None
    if spec["type"] != "object" or not isinstance(stored, dict):
        return update
    out = dict(stored)
    for name, value in update.items():
        result = merged(spec["fields"][name], stored.get(name), value)
        if result is None:
            out.pop(name, None)
        else:
            out[name] = result
    return out


def missing(spec: Spec, value: Any, path: str = "") -> list[str]:
    """The required fields of ``spec`` that ``value`` lacks (in nested objects that are present)."""
    if spec["type"] != "object" or not isinstance(value, dict):
        return []
    found = []
    for name in spec["required"]:
        if value.get(name) in (None, "", [], {}):
            found.append(f"{path}.{name}" if path else name)
    for name, item in value.items():
        if name in spec["fields"] and spec["fields"][name]["type"] == "object":
            found.extend(missing(spec["fields"][name], item, f"{path}.{name}" if path else name))
    return found
