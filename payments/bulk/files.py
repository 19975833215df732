"""Reading an uploaded bulk file: fincode's JSON (``{"data": [{"id": …, "amount": …}, …]}``)
or a CSV file with a header line naming the same columns. Each payment becomes a dict of
strings with its number (``line``: 1 for the first payment); a file that cannot be read at
all is refused whole (``PortalError``), a bad line is the checker's business."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.conf import settings

from payments.bulk import errors
from portal.errors import PortalError

COLUMNS = (
    "id",
    "amount",
    "tax",
    "customer_id",
    "card_id",
    "client_field_1",
    "client_field_2",
    "client_field_3",
)
UNKNOWN = "_unknown"  # the keys of a line that are not columns


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return None  # neither a string nor a number: the checker says "invalid"
    if isinstance(value, (int, str)):
        return str(value).strip()
    return None


def _json_lines(text: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PortalError(errors.FILE_UNREADABLE, field="file") from exc
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise PortalError(errors.FILE_UNREADABLE, field="file")
    lines = []
    for number, item in enumerate(document["data"], start=1):
        if not isinstance(item, dict):
            lines.append({"line": number, UNKNOWN: ["(not an object)"]})
            continue
        line: dict[str, Any] = {"line": number, UNKNOWN: sorted(str(k) for k in item if k not in COLUMNS)}
        for column in COLUMNS:
            if column in item:
                line[column] = _text(item[column])
                if item[column] is not None and line[column] is None:
                    line[column] = "\x00"  # a list, an object or a boolean: invalid
        lines.append(line)
    return lines


def _csv_lines(text: str) -> list[dict[str, Any]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if not header or not {name.strip() for name in header} >= {"id", "amount", "customer_id"}:
            raise PortalError(errors.FILE_UNREADABLE, field="file")
        names = [name.strip() for name in header]
        if any(name not in COLUMNS for name in names) or len(set(names)) != len(names):
            raise PortalError(errors.COLUMN_UNKNOWN, field="file")
        lines: list[dict[str, Any]] = []
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue  # blank lines
            line: dict[str, Any] = {"line": len(lines) + 1, UNKNOWN: []}
            if len(row) > len(names):
                line[UNKNOWN] = [f"(column {n + 1})" for n in range(len(names), len(row))]
            for name, cell in zip(names, row, strict=False):
                line[name] = cell.strip() or None
            lines.append(line)
    except csv.Error as exc:
        raise PortalError(errors.FILE_UNREADABLE, field="file") from exc
    return lines


def file_lines(raw: bytes) -> list[dict[str, Any]]:
    if len(raw) > settings.BULK_MAX_FILE_BYTES:
        raise PortalError(errors.FILE_TOO_LARGE, field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PortalError(errors.FILE_UNREADABLE, field="file") from exc
    if "\x00" in text:
        raise PortalError(errors.FILE_UNREADABLE, field="file")
    lines = _json_lines(text) if text.lstrip().startswith("{") else _csv_lines(text)
    if not lines:
        raise PortalError(errors.FILE_EMPTY, field="file")
    if len(lines) > settings.BULK_MAX_LINES:
        raise PortalError(errors.FILE_TOO_LARGE, field="file")
    return lines
